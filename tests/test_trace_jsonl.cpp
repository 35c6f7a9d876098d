// The JSONL trace format: round trips, truncation, the corpus of broken
// files, atomic writes, and the documentation keeping up with the catalogue.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <fstream>
#include <set>
#include <sstream>

#include "trace_test_support.hpp"
#include "trace/atomic_file.hpp"
#include "trace/jsonl.hpp"

using namespace loopscope;
using namespace loopscope::trace;
namespace fs = std::filesystem;

namespace {

Trace load_ok(std::string_view text, std::string_view name = "trace.jsonl") {
    auto result = read_trace_text(text, name);
    if (auto* error = std::get_if<LoadError>(&result)) FAIL(error->text());
    return std::move(std::get<Trace>(result));
}

LoadError load_error(std::string_view text, std::string_view name = "trace.jsonl") {
    auto result = read_trace_text(text, name);
    REQUIRE(std::holds_alternative<LoadError>(result));
    return std::get<LoadError>(result);
}

void require_same_events(const Trace& a, const Trace& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("event " << i << " (" << kind_spec(a[i].kind).name << ")");
        REQUIRE(a[i].time == b[i].time);
        REQUIRE(a.id(i) == b.id(i));
        REQUIRE(a[i].cause == b[i].cause);
        REQUIRE(a[i].kind == b[i].kind);
        REQUIRE(a[i].host == b[i].host);
        REQUIRE(a[i].conn == b[i].conn);
        const auto fields = kind_spec(a[i].kind).fields;
        for (std::size_t f = 0; f < fields.size(); ++f) {
            INFO("field " << fields[f].name);
            if (fields[f].type == FieldType::text)
                REQUIRE(a.text(a.args(a[i])[f]) == b.text(b.args(b[i])[f]));
            else
                REQUIRE(a.args(a[i])[f] == b.args(b[i])[f]);
        }
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// `name`, as the docs quote code.
std::string backticked(std::string_view name) {
    std::string text(1, '`');
    text.append(name);
    text += '`';
    return text;
}

// A fresh, empty directory under the system's temp directory.
fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("loopscope-test-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("every kind survives a write and a read unchanged", "[trace][jsonl]") {
    const Trace original = test::every_kind_trace();
    REQUIRE(original.size() == static_cast<std::size_t>(kind_count));
    const std::string text = test::to_jsonl(original);
    const Trace loaded = load_ok(text);

    CHECK(loaded.header.version == original.header.version);
    CHECK(loaded.header.source == "sim");
    CHECK(loaded.header.clock == "virtual");
    CHECK(loaded.header.scenario_id == original.header.scenario_id);
    CHECK(loaded.header.scenario_title == original.header.scenario_title);
    CHECK(loaded.header.scenario_json == original.header.scenario_json);  // key order kept
    REQUIRE(loaded.header.hosts.size() == 2);
    CHECK(loaded.header.hosts[1].role == "client");
    REQUIRE(loaded.header.connections.size() == 2);
    CHECK(loaded.header.connections[1].client_port == 40002);
    REQUIRE(loaded.header.listeners.size() == 1);
    CHECK(loaded.header.listeners[0].backlog == 511);
    require_same_events(original, loaded);
    CHECK_FALSE(loaded.truncated);

    // Writing the loaded trace gives the same bytes: the format is canonical.
    CHECK(test::to_jsonl(loaded) == text);
}

TEST_CASE("the writer prints the documented key order", "[trace][jsonl]") {
    Trace t;
    t.header = test::small_world_header();
    t.append(1000, Kind::client_connect, 1, 1, no_event, {3000});
    t.append(1050000, Kind::wire_segment, 1, 1, 0, {tcp_syn, 0, 0, 0, 65535, 50012, 0, 0});
    t.set_last_id(7);
    const std::string text = test::to_jsonl(t);
    CHECK(text.starts_with(R"({"format":"loopscope-trace","version":1,"source":"sim","clock":"virtual",)"
                           R"("scenario":{"id":"tcp-echo","title":"Echo: \"hello\" and back",)"
                           R"("params":{"seed":7,"clients":{"count":2},"os":"linux"}},"hosts":[{"name":"server",)"));
    CHECK(text.find("\n{\"id\":0,\"t\":1000,\"kind\":\"client.connect\",\"lane\":\"client\",\"host\":1,\"conn\":1,"
                    "\"port\":3000}\n") != std::string::npos);
    CHECK(text.ends_with(R"({"id":7,"t":1050000,"kind":"wire.segment","lane":"wire","host":1,"conn":1,"cause":0,)"
                         R"("flags":"SYN","seq":0,"ack":0,"len":0,"win":65535,"dur":50012,"lost":false,"retransmit":false})"
                         "\n"));
}

TEST_CASE("ids and causes map between file ids and indices", "[trace][jsonl]") {
    const std::string text = test::to_jsonl(test::every_kind_trace());
    const Trace t = load_ok(text);
    for (std::size_t i = 1; i < t.size(); ++i) {
        REQUIRE(t.id(i) > t.id(i - 1));
        REQUIRE(t[i].cause == i / 2);  // an index, although the file names the cause by id
        REQUIRE(t.index_of_id(t.id(i)) == i);
    }
    // The file itself names causes by id: the third event (index 2) was caused by index 1, id 6.
    CHECK(text.find("\"id\":8,\"t\":2000,\"kind\":\"client.connected\",\"lane\":\"client\",\"host\":0,\"conn\":1,\"cause\":6,") !=
          std::string::npos);
}

TEST_CASE("hand-written lines in any key order, with spaces, load like canonical ones", "[trace][jsonl]") {
    const Trace original = test::every_kind_trace();
    const std::string canonical = test::to_jsonl(original);
    // Move "kind" and "lane" to the end of each event and put spaces after
    // every colon: the fast path refuses these lines, so nlohmann's SAX
    // parser reads them, and fields arrive before the kind is known.
    std::istringstream lines(canonical);
    std::string line, rewritten;
    std::getline(lines, line);
    rewritten = line + "\n";
    while (std::getline(lines, line)) {
        const auto kind_at = line.find(",\"kind\":");
        const auto host_at = line.find(",\"host\":");
        const std::string kind_and_lane = line.substr(kind_at, host_at - kind_at);
        line.erase(kind_at, host_at - kind_at);
        line.insert(line.size() - 1, kind_and_lane);
        std::string spaced;
        bool in_string = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            spaced += line[i];
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
            if (!in_string && line[i] == ':') spaced += ' ';
        }
        rewritten += spaced + "\r\n";
    }
    rewritten += "\n\n";  // empty lines at the end are allowed
    const Trace loaded = load_ok(rewritten);
    require_same_events(original, loaded);
    CHECK(test::to_jsonl(loaded) == canonical);
}

TEST_CASE("a cut-off last line loads everything before it", "[trace][jsonl]") {
    const Trace original = test::every_kind_trace();
    const std::string text = test::to_jsonl(original);
    const auto last_line = text.rfind('\n', text.size() - 2) + 1;
    const std::size_t line_count = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));

    SECTION("at every byte of the last line") {
        for (std::size_t cut = last_line + 1; cut < text.size() - 1; ++cut) {
            INFO("cut after " << cut - last_line << " bytes of the last line");
            const Trace t = load_ok(std::string_view(text).substr(0, cut));
            REQUIRE(t.truncated);
            REQUIRE(t.size() == original.size() - 1);
        }
    }
    SECTION("the note names the line, its size and what loaded") {
        const Trace t = load_ok(std::string_view(text).substr(0, last_line + 20));
        CHECK(t.truncation_note == "trace.jsonl:" + std::to_string(line_count) +
                                       ": last line is incomplete (20 bytes); loaded " +
                                       std::to_string(original.size() - 1) + " events before it");
    }
    SECTION("inside a multi-byte UTF-8 character") {
        Trace t;
        t.header = test::small_world_header();
        t.append(0, Kind::note_caption, 0, no_conn, no_event, {t.intern("caf\xC3\xA9"), 1});
        const std::string caption = test::to_jsonl(t);
        const auto cut = caption.find("\xC3\xA9") + 1;
        const Trace loaded = load_ok(std::string_view(caption).substr(0, cut));
        CHECK(loaded.truncated);
        CHECK(loaded.empty());
    }
    SECTION("a cut line followed by a newline is an error, not a truncation") {
        const std::string cut = text.substr(0, last_line + 30) + "\n";
        const LoadError e = load_error(cut);
        CHECK(e.line == line_count);
        CHECK(e.column == 31);
    }
    SECTION("a complete last line without a newline is not truncated") {
        const Trace t = load_ok(std::string_view(text).substr(0, text.size() - 1));
        CHECK_FALSE(t.truncated);
        CHECK(t.size() == original.size());
    }
}

TEST_CASE("every file in the corpus of broken traces gives a located error", "[trace][jsonl]") {
    struct Case {
        const char* file;
        const char* expected;  // the start of LoadError::text()
    };
    // clang-format off
    const Case cases[] = {
        {"empty.jsonl",              "empty.jsonl:1:1: the file is empty"},
        {"not_json.jsonl",           "not_json.jsonl:1:1: header: invalid JSON"},
        {"binary_garbage.jsonl",     "binary_garbage.jsonl:1:1: header: invalid JSON"},
        {"header_huge_exponent.jsonl", "header_huge_exponent.jsonl:1:1: header: number too large"},
        {"truncated_header.jsonl",   "truncated_header.jsonl:1:151: the header line is incomplete"},
        {"wrong_format.jsonl",       "wrong_format.jsonl:1:2: field \"format\": expected \"loopscope-trace\""},
        {"newer_version.jsonl",      "newer_version.jsonl:1:29: field \"version\": this trace uses format version 2, but this loopscope reads version 1"},
        {"wrong_type.jsonl",         "wrong_type.jsonl:3:67: field \"bytes\": expected a non-negative integer, got the string \"lots\""},
        {"negative_bytes.jsonl",     "negative_bytes.jsonl:2:66: field \"bytes\": expected a non-negative integer, got -5"},
        {"huge_float.jsonl",         "huge_float.jsonl:2:66: field \"bytes\": expected a non-negative integer, got 1e30"},
        {"huge_integer.jsonl",       "huge_integer.jsonl:2:83: field \"seq\": the number 99999999999999999999 is too large"},
        {"unknown_kind.jsonl",       "unknown_kind.jsonl:2:15: field \"kind\": unknown kind \"loop.teleport\""},
        {"unknown_field.jsonl",      "unknown_field.jsonl:2:114: unknown field \"colour\" for kind loop.read"},
        {"missing_field.jsonl",      "missing_field.jsonl:2:98: missing field \"eagain\" (kind loop.read)"},
        {"lane_mismatch.jsonl",      "lane_mismatch.jsonl:2:34: field \"lane\": kind loop.read belongs to lane \"loop\", not \"js\""},
        {"time_backwards.jsonl",     "time_backwards.jsonl:3:9: field \"t\": time goes backwards"},
        {"cause_forward.jsonl",      "cause_forward.jsonl:3:67: field \"cause\": event 5 is not earlier than this event (id 1)"},
        {"ids_not_increasing.jsonl", "ids_not_increasing.jsonl:3:2: field \"id\": ids must increase"},
        {"host_out_of_range.jsonl",  "host_out_of_range.jsonl:2:48: field \"host\": host 7 does not exist"},
        {"deep_nesting.jsonl",       "deep_nesting.jsonl:2:60: field \"text\": expected a plain value, got an array"},
        {"deep_nesting_header.jsonl", "deep_nesting_header.jsonl:1:149: header: nested more than 64 levels deep"},
        {"nested_object.jsonl",      "nested_object.jsonl:2:66: field \"bytes\": expected a plain value, got an object"},
        {"invalid_utf8.jsonl",       "invalid_utf8.jsonl:2:72: field \"text\": invalid UTF-8"},
        {"event_not_object.jsonl",   "event_not_object.jsonl:2:1: an event line must be a JSON object"},
        {"empty_line_inside.jsonl",  "empty_line_inside.jsonl:3:1: empty line inside the trace"},
        {"cut_line_inside.jsonl",    "cut_line_inside.jsonl:2:41: field \"lane\": invalid JSON"},
        {"bad_enum.jsonl",           "bad_enum.jsonl:2:65: field \"api\": expected one of \"epoll\", \"kqueue\", \"iocp\""},
        {"bad_tcp_flags.jsonl",      "bad_tcp_flags.jsonl:2:69: field \"flags\": expected TCP flags"},
        {"duplicate_field.jsonl",    "duplicate_field.jsonl:2:78: field \"left\" appears twice"},
    };
    // clang-format on
    const fs::path dir = fs::path(LOOPSCOPE_TEST_DATA) / "bad_traces";
    std::set<std::string> covered;
    for (const Case& c : cases) {
        INFO(c.file);
        const std::string text = read_file(dir / c.file);
        const LoadError e = load_error(text, c.file);
        CHECK_THAT(e.text(), Catch::StartsWith(c.expected));
        covered.insert(c.file);
        // The same error through the file reader, named by its path.
        auto from_file = read_trace_file((dir / c.file).string());
        REQUIRE(std::holds_alternative<LoadError>(from_file));
        CHECK(std::get<LoadError>(from_file).line == e.line);
    }
    // Every file in the corpus is listed above, so none can silently load.
    for (const auto& entry : fs::directory_iterator(dir)) {
        INFO(entry.path());
        CHECK(covered.count(entry.path().filename().string()) == 1);
    }
}

TEST_CASE("reading a file that does not exist names the file", "[trace][jsonl]") {
    auto result = read_trace_file("/nonexistent/loopscope/trace.jsonl");
    REQUIRE(std::holds_alternative<LoadError>(result));
    CHECK_THAT(std::get<LoadError>(result).text(),
               Catch::StartsWith("/nonexistent/loopscope/trace.jsonl: cannot open"));
}

TEST_CASE("a trace with a header only has no events", "[trace][jsonl]") {
    Trace t;
    t.header = test::small_world_header();
    const std::string text = test::to_jsonl(t);
    CHECK(load_ok(text).empty());
    CHECK(load_ok(text.substr(0, text.size() - 1)).empty());  // no final newline
}

TEST_CASE("loading reports progress up to the whole size", "[trace][jsonl]") {
    Trace t;
    t.header = test::small_world_header();
    for (int i = 0; i < 40000; ++i) t.append(i, Kind::loop_read, 0, 1, no_event, {65536, i, 0, 0});
    const std::string text = test::to_jsonl(t);
    REQUIRE(text.size() > 3 * (1u << 20));
    std::vector<std::size_t> reports;
    auto result = read_trace_text(text, "big.jsonl", [&](std::size_t done, std::size_t total) {
        CHECK(total == text.size());
        reports.push_back(done);
    });
    REQUIRE(std::holds_alternative<Trace>(result));
    REQUIRE(reports.size() >= 3);
    CHECK(std::is_sorted(reports.begin(), reports.end()));
    CHECK(reports.back() == text.size());
}

TEST_CASE("a loaded trace reserves exactly what its events need", "[trace][jsonl]") {
    // 24 bytes per event record plus 8 per field: loop.read has 4 fields.
    Trace t;
    t.header = test::small_world_header();
    for (int i = 0; i < 10000; ++i) t.append(i, Kind::loop_read, 0, 1, no_event, {65536, i, 0, 0});
    const Trace loaded = load_ok(test::to_jsonl(t));
    CHECK(loaded.memory_bytes() == loaded.size() * (sizeof(loopscope::trace::Event) + 4 * 8));
    CHECK(sizeof(loopscope::trace::Event) == 24);
}

TEST_CASE("write_trace_file replaces the file atomically", "[trace][jsonl]") {
    const fs::path dir = scratch_dir("atomic");
    const fs::path path = dir / "trace.jsonl";
    const Trace t = test::every_kind_trace();

    write_trace_file(path.string(), t);
    write_trace_file(path.string(), t);  // over an existing file
    CHECK(read_file(path) == test::to_jsonl(t));
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        ++files;
        CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
    }
    CHECK(files == 1);
    fs::remove_all(dir);
}

TEST_CASE("write_trace_file into a missing directory throws and leaves nothing", "[trace][jsonl]") {
    const fs::path dir = scratch_dir("missing");
    const fs::path path = dir / "no" / "such" / "trace.jsonl";
    try {
        write_trace_file(path.string(), test::every_kind_trace());
        FAIL("expected an exception");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("cannot write " + path.string() + ": "));
    }
    CHECK(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST_CASE("cannot_write finds a bad destination before the work starts, and leaves nothing", "[trace][jsonl]") {
    const fs::path dir = scratch_dir("cannot-write");
    CHECK(cannot_write((dir / "trace.jsonl").string()) == std::nullopt);
    CHECK(cannot_write("/dev/null") == std::nullopt);
    CHECK(fs::is_empty(dir));  // the probe file is gone
    const auto missing = cannot_write((dir / "no" / "trace.jsonl").string());
    REQUIRE(missing);
    CHECK(*missing == "cannot write " + (dir / "no" / "trace.jsonl").string() + ": there is no folder " +
                          (dir / "no").string());
    const auto folder = cannot_write(dir.string());
    REQUIRE(folder);
    CHECK_THAT(*folder, Catch::EndsWith(": it is a directory"));
    std::ofstream(dir / "file") << "x";
    const auto under_file = cannot_write((dir / "file" / "trace.jsonl").string());
    REQUIRE(under_file);
    CHECK_THAT(*under_file, Catch::EndsWith("file is not a folder"));
    if (::geteuid() != 0) {  // root writes anywhere
        fs::create_directory(dir / "locked");
        fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
        const auto locked = cannot_write((dir / "locked" / "trace.jsonl").string());
        REQUIRE(locked);
        CHECK_THAT(*locked, Catch::Contains("Permission denied"));
        fs::permissions(dir / "locked", fs::perms::owner_all);
    }
    fs::remove_all(dir);
}

TEST_CASE("docs/trace-format.md names every kind and every field", "[trace][docs]") {
    const std::string doc = read_file(fs::path(LOOPSCOPE_TEST_DATA) / ".." / ".." / "docs" / "trace-format.md");
    REQUIRE_FALSE(doc.empty());
    for (const KindSpec& spec : all_kinds()) {
        INFO(spec.name);
        CHECK(doc.find(backticked(spec.name)) != std::string::npos);
        for (const FieldSpec& field : spec.fields) {
            INFO(field.name);
            CHECK(doc.find(backticked(field.name)) != std::string::npos);
        }
    }
    for (int lane = 0; lane < lane_count; ++lane)
        CHECK(doc.find(backticked(lane_name(static_cast<Lane>(lane)))) != std::string::npos);
}

TEST_CASE("the example in docs/trace-format.md is a valid trace", "[trace][docs]") {
    const std::string doc = read_file(fs::path(LOOPSCOPE_TEST_DATA) / ".." / ".." / "docs" / "trace-format.md");
    const auto section = doc.find("## Example");
    REQUIRE(section != std::string::npos);
    const auto begin = doc.find("```\n", section) + 4;
    const auto end = doc.find("```", begin);
    const Trace t = load_ok(std::string_view(doc).substr(begin, end - begin), "trace-format.md example");
    CHECK(t.size() == 10);
    CHECK_FALSE(t.truncated);
}

TEST_CASE("integers up to the largest int64 load exactly", "[trace][jsonl]") {
    // The fast path reads at most 18 digits and leaves longer numbers to
    // nlohmann; it once multiplied a 19th digit in first, a signed overflow
    // that the sanitizer build of this test reports (found by the fuzzer).
    Trace t;
    t.header = test::small_world_header();
    const std::int64_t largest = std::numeric_limits<std::int64_t>::max();
    t.append(0, Kind::kernel_retransmit, 0, 1, no_event, {largest, 1000000000000000000, largest, 99999999999999999});
    const Trace loaded = load_ok(test::to_jsonl(t));
    require_same_events(t, loaded);
    std::string too_big = test::to_jsonl(t);
    too_big.replace(too_big.find("9223372036854775807"), 19, "9223372036854775808");
    CHECK_THAT(load_error(too_big).text(), Catch::Contains("field \"seq\": the number 9223372036854775808 is too large"));
}

TEST_CASE("ids that are not the event's index survive a round trip, and causes follow them", "[trace][jsonl]") {
    Trace t;
    t.header = test::small_world_header();
    t.append(0, Kind::loop_read, 0, 1, no_event, {1, 0, 0, 0});
    t.append(5, Kind::loop_read, 0, 1, 0, {2, 0, 0, 0});
    t.set_last_id(10);
    t.append(9, Kind::loop_read, 0, 1, 1, {3, 0, 0, 0});
    t.set_last_id(42);
    REQUIRE(t.id(0) == 0);
    REQUIRE(t.id(1) == 10);
    REQUIRE(t.id(2) == 42);
    REQUIRE(t.index_of_id(42) == 2u);
    REQUIRE_FALSE(t.index_of_id(11).has_value());
    const std::string text = test::to_jsonl(t);
    REQUIRE(text.find("\"id\":42") != std::string::npos);
    REQUIRE(text.find("\"cause\":10") != std::string::npos);
    const Trace loaded = load_ok(text);
    REQUIRE(loaded.id(2) == 42);
    REQUIRE(loaded[2].cause == 1);
}

TEST_CASE("write_trace_file writes into devices and pipes, and through links, without replacing them", "[trace][jsonl]") {
    const fs::path dir = scratch_dir("special");
    const Trace t = test::every_kind_trace();
    // /dev/null stays a character device.
    write_trace_file("/dev/null", t);
    REQUIRE(fs::is_character_file("/dev/null"));
    // A symbolic link stays a link; its target receives the trace.
    const fs::path target = dir / "target.jsonl";
    const fs::path link = dir / "link.jsonl";
    std::ofstream(target) << "old";
    fs::create_symlink(target, link);
    write_trace_file(link.string(), t);
    REQUIRE(fs::is_symlink(link));
    REQUIRE(std::holds_alternative<Trace>(read_trace_file(target.string())));
    // A directory is refused with a message naming it.
    try {
        write_trace_file(dir.string(), t);
        FAIL("writing over a directory must throw");
    } catch (const std::runtime_error& e) {
        REQUIRE(std::string(e.what()).find("directory") != std::string::npos);
    }
    fs::remove_all(dir);
}
