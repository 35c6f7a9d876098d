// The command line, driven through run_cli() with string streams (and once
// through the real binary): output formats, exit codes and error messages.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "ui/cli.hpp"

using namespace loopscope;
namespace fs = std::filesystem;

namespace {

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

CliResult cli(const std::vector<std::string>& args) {
    std::istringstream in;
    std::ostringstream out, err;
    CliResult r;
    r.code = ui::run_cli(args, in, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::size_t step_lines(const std::string& text) {
    std::size_t n = 0;
    const std::regex step(R"(^\[ *\d+/\d+\] )");
    for (const std::string& line : lines_of(text)) n += std::regex_search(line, step) ? 1 : 0;
    return n;
}

// A scratch directory removed at the end of the test.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        path = fs::temp_directory_path() / ("loopscope-cli-test-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::size_t lesson_trace_size(std::string_view id) {
    auto loaded = sim::load_lesson(*sim::find_lesson(id));
    return sim::simulate(std::get<sim::Scenario>(loaded)).size();
}

const std::string bad_dir = std::string(LOOPSCOPE_TEST_DATA) + "/bad_scenarios/";

}  // namespace

TEST_CASE("list prints the built-in lessons in chapter order, id TAB title", "[cli]") {
    const CliResult r = cli({"list"});
    CHECK(r.code == ui::exit_ok);
    CHECK(r.err.empty());
    const auto lines = lines_of(r.out);
    const char* ids[] = {"request-flow", "os-notifiers", "tcp-echo", "thread-per-connection", "http-hello", "stream-file", "ten-thousand", "keep-alive", "chunks", "backpressure", "https", "lifecycle", "blocking"};
    REQUIRE(lines.size() == std::size(ids));
    for (std::size_t i = 0; i < std::size(ids); ++i) {
        CAPTURE(lines[i]);
        CHECK(lines[i].rfind(std::string(ids[i]) + "\t", 0) == 0);
        CHECK(lines[i].size() > std::string(ids[i]).size() + 5);
    }
    // docs/cli.md shows the same list (it once showed 9 lessons of 13).
    std::ifstream doc_file(fs::path(LOOPSCOPE_TEST_DATA) / ".." / ".." / "docs" / "cli.md");
    const std::string doc((std::istreambuf_iterator<char>(doc_file)), std::istreambuf_iterator<char>());
    CHECK(doc.find("the title.\n\n```\n" + r.out + "```") != std::string::npos);
    const CliResult run = cli({"run", "tcp-echo"});
    CHECK(doc.find(run.out.substr(0, run.out.find(';'))) != std::string::npos);
}

TEST_CASE("run --summary prints one JSON object with every key", "[cli]") {
    const CliResult r = cli({"run", "tcp-echo", "--summary"});
    REQUIRE(r.code == ui::exit_ok);
    REQUIRE(lines_of(r.out).size() == 1);
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"source", "events", "duration_ns", "connections", "handshakes", "loop_iterations",
                            "poll_wakeups", "reads", "bytes_read", "writes", "bytes_written", "writes_returned_false",
                            "drains", "requests", "connections_reused", "max_loop_lag_ns", "peak_send_buffer_bytes",
                            "peak_recv_buffer_bytes", "peak_threads", "context_switches", "switch_cpu_ns",
                            "peak_open_sockets", "peak_virtual_bytes", "peak_resident_bytes", "latency_samples",
                            "latency_p50_ns", "latency_p99_ns", "latency_max_ns"}) {
        CAPTURE(key);
        CHECK(j.contains(key));
    }
    // One echo client sends 13 bytes and gets "You said: " + 13 bytes back.
    CHECK(j["source"] == "sim");
    CHECK(j["events"] == lesson_trace_size("tcp-echo"));
    CHECK(j["connections"] == 1);
    CHECK(j["handshakes"] == 1);
    CHECK(j["reads"] == 1);
    CHECK(j["bytes_read"] == 13);
    CHECK(j["writes"] == 1);
    CHECK(j["bytes_written"] == 23);
    CHECK(j["writes_returned_false"] == 0);
    CHECK(j["requests"] == 0);
    CHECK(j["max_loop_lag_ns"].get<std::int64_t>() > 0);
}

TEST_CASE("run --summary counts backpressure and follows --set", "[cli]") {
    const CliResult r = cli({"run", "backpressure", "--summary", "--set", "clients.count=2"});
    REQUIRE(r.code == ui::exit_ok);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["connections"] == 2);
    CHECK(j["handshakes"] == 2);
    CHECK(j["bytes_written"] == 2 * (1 << 20));
    CHECK(j["writes_returned_false"].get<int>() > 0);
    CHECK(j["drains"].get<int>() > 0);
    CHECK(j["peak_recv_buffer_bytes"] == 65536);
}

TEST_CASE("run without --summary prints the short human line", "[cli]") {
    const CliResult r = cli({"run", "tcp-echo"});
    CHECK(r.code == ui::exit_ok);
    CHECK(r.out.rfind("tcp-echo: " + std::to_string(lesson_trace_size("tcp-echo")) + " events over ", 0) == 0);
    CHECK(r.out.find("loopscope step tcp-echo") != std::string::npos);
}

TEST_CASE("an unknown --set key or a bad --set value exits 2 and says why", "[cli]") {
    const CliResult unknown = cli({"run", "tcp-echo", "--set", "clients.cuont=3"});
    CHECK(unknown.code == ui::exit_bad_input);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.rfind("--set clients.cuont=3: unknown key \"clients.cuont\"; valid keys: ", 0) == 0);
    CHECK(unknown.err.find("clients.count") != std::string::npos);
    CHECK(unknown.err.find("network.latency_ns") != std::string::npos);
    const CliResult wrong = cli({"run", "tcp-echo", "--set", "clients.count=abc"});
    CHECK(wrong.code == ui::exit_bad_input);
    CHECK(wrong.err == "--set clients.count=abc: expected an integer from 1 to 100000\n");
}

TEST_CASE("check on every bad scenario exits 2 with file:line:col:", "[cli][bad]") {
    std::size_t files = 0;
    const std::regex located(R"(^[^\n]+:\d+:\d+: [^\n]+\n$)");
    for (const auto& entry : fs::directory_iterator(bad_dir)) {
        const std::string path = entry.path().string();
        CAPTURE(path);
        const CliResult r = cli({"check", path});
        CHECK(r.code == ui::exit_bad_input);
        CHECK(r.out.empty());
        CHECK(r.err.rfind(path + ":", 0) == 0);
        CHECK(std::regex_match(r.err, located));
        ++files;
    }
    CHECK(files >= 12);
}

TEST_CASE("bad scenarios are located exactly", "[cli][bad]") {
    struct Case {
        const char* file;
        const char* where_and_what;
    };
    const auto c = GENERATE(values<Case>({
        {"truncated.json", "4:44: invalid JSON"},
        {"wrong-type.json", "5:14: field \"clients.count\": expected an integer from 1 to 100000"},
        {"wrong-type-flag.json", "4:38: field \"server.respect_backpressure\": expected true or false"},
        {"unknown-field.json", "6:5: unknown field \"server.prot\""},
        {"unknown-top-field.json", "4:3: unknown field \"speed\""},
        {"unknown-caption-kind.json", "6:14: field \"captions[1].kind\": unknown event kind \"js.websocket\""},
        {"negative-size.json", "4:29: field \"server.send_buffer\": expected an integer from 1 to 1073741824"},
        {"huge-number.json", "4:14: number too large"},
        {"huge-count.json", "4:24: field \"clients.count\": expected an integer from 1 to 100000"},
        {"deep-nesting.json", "4:75: nested more than 64 levels deep"},
        {"invalid-utf8.json", "3:16: invalid UTF-8: byte 0xE9"},
        {"not-an-object.json", "1:1: a scenario must be a JSON object"},
        {"empty.json", "1:1: empty file"},
        {"unknown-program.json", "4:26: field \"clients.program\": expected one of \"echo\", \"uploader\", \"slow-reader\", \"http-get\", \"browser\", \"bad-request\" or \"load\""},
        {"unknown-os.json", "4:9: field \"os\": expected one of \"linux\", \"macos\" or \"windows\""},
        {"missing-title.json", "1:1: missing required field \"title\""},
        {"loss-out-of-range.json", "4:23: field \"network.loss\": expected a number from 0 to 1"},
        {"missing-comma.json", "5:6: invalid JSON"},
        {"duplicate-key.json", "5:3: field \"clients\" appears twice"},
    }));
    const std::string path = bad_dir + c.file;
    const CliResult r = cli({"check", path});
    CHECK(r.code == ui::exit_bad_input);
    CHECK(r.err.rfind(path + ":" + c.where_and_what, 0) == 0);
}

TEST_CASE("check accepts the lesson files and describes them", "[cli]") {
    const std::string path = std::string(LOOPSCOPE_SCENARIO_DIR) + "/tcp-echo.json";
    const CliResult r = cli({"check", path});
    CHECK(r.code == ui::exit_ok);
    CHECK(r.out == path + ": scenario tcp-echo OK (1 client, linux)\n");
    const CliResult by_id = cli({"check", "os-notifiers"});
    CHECK(by_id.code == ui::exit_ok);
    CHECK(by_id.out == "os-notifiers.json: scenario os-notifiers OK (1 client, windows)\n");
}

TEST_CASE("run -o writes a trace that check and step read back", "[cli]") {
    ScratchDir dir;
    const std::string trace_path = (dir.path / "echo.jsonl").string();
    const CliResult run = cli({"run", "tcp-echo", "-o", trace_path});
    REQUIRE(run.code == ui::exit_ok);
    CHECK(run.out.find("trace written to " + trace_path) != std::string::npos);
    const std::size_t events = lesson_trace_size("tcp-echo");

    const CliResult check = cli({"check", trace_path});
    CHECK(check.code == ui::exit_ok);
    CHECK(check.out.rfind(trace_path + ": trace OK, " + std::to_string(events) + " events, 1 connection, ", 0) == 0);

    const CliResult step = cli({"step", trace_path, "--all"});
    CHECK(step.code == ui::exit_ok);
    CHECK(step_lines(step.out) == events);
    // The lesson's title and text come from the trace header.
    CHECK(step.out.rfind("A TCP echo server", 0) == 0);

    SECTION("a trace cut off mid-line is a warning, not an error") {
        std::ifstream in(trace_path, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string cut_path = (dir.path / "cut.jsonl").string();
        std::ofstream(cut_path, std::ios::binary) << text.substr(0, text.size() - 20);
        const CliResult cut = cli({"check", cut_path});
        CHECK(cut.code == ui::exit_ok);
        CHECK(cut.out.find("trace OK, " + std::to_string(events - 1) + " events") != std::string::npos);
        CHECK(cut.out.find("truncated") != std::string::npos);
        CHECK(cut.err.rfind("warning: ", 0) == 0);
    }
    SECTION("a broken trace line is located") {
        std::ifstream in(trace_path, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string good_kind = "\"kind\":\"notifier.register\"";
        const auto at = text.find(good_kind);
        REQUIRE(at != std::string::npos);
        text.replace(at, good_kind.size(), "\"kind\":\"notifier.bogus\"");
        const std::string bad_path = (dir.path / "bad.jsonl").string();
        std::ofstream(bad_path, std::ios::binary) << text;
        const CliResult bad = cli({"check", bad_path});
        CHECK(bad.code == ui::exit_bad_input);
        CHECK(bad.err.rfind(bad_path + ":2:", 0) == 0);
        CHECK(cli({"step", bad_path}).code == ui::exit_bad_input);
    }
    SECTION("run refuses a trace, and step refuses --set on one") {
        CHECK(cli({"run", trace_path}).code == ui::exit_bad_input);
        CHECK(cli({"step", trace_path, "--set", "clients.count=2"}).code == ui::exit_bad_input);
    }
}

TEST_CASE("step prints one step line per event, with captions and state", "[cli][step]") {
    for (const char* id : {"tcp-echo", "os-notifiers"}) {
        CAPTURE(id);
        const CliResult r = cli({"step", id, "--all"});
        CHECK(r.code == ui::exit_ok);
        CHECK(step_lines(r.out) == lesson_trace_size(id));
    }
    // Standard input that is not a terminal means --all: nothing waits.
    const CliResult piped = cli({"step", "lifecycle"});
    CHECK(piped.code == ui::exit_ok);
    CHECK(step_lines(piped.out) == lesson_trace_size("lifecycle"));
    CHECK(piped.out.find("   >> Client: CLOSED -> SYN_SENT.") != std::string::npos);
    CHECK(piped.out.find("loop: iteration") != std::string::npos);
    CHECK(std::regex_search(piped.out, std::regex(R"(conn 1 server ESTABLISHED  send \[[#.]{10}\] )")));
    // --set works on lessons here too.
    const CliResult mac = cli({"step", "os-notifiers", "--all", "--set", "os=macos"});
    CHECK(mac.out.find("kevent") != std::string::npos);
}

TEST_CASE("exit codes: usage errors are 2, help is 0, output failures are 1", "[cli]") {
    CHECK(cli({"frobnicate"}).code == ui::exit_bad_input);
    CHECK(cli({"run"}).code == ui::exit_bad_input);
    CHECK(cli({"run", "tcp-echo", "--bogus"}).code == ui::exit_bad_input);
    CHECK(cli({"check"}).code == ui::exit_bad_input);
    const CliResult help = cli({"--help"});
    CHECK(help.code == ui::exit_ok);
    CHECK(help.out.find("step") != std::string::npos);
    for (const char* command : {"list", "run", "step", "check"}) {
        CAPTURE(command);
        const CliResult r = cli({command, "--help"});
        CHECK(r.code == ui::exit_ok);
        CHECK_FALSE(r.out.empty());
    }
    const CliResult missing = cli({"run", "no-such-lesson"});
    CHECK(missing.code == ui::exit_bad_input);
    CHECK(missing.err.find("request-flow, os-notifiers, tcp-echo, thread-per-connection, http-hello, stream-file, ten-thousand, keep-alive, chunks, backpressure, https, lifecycle, blocking") != std::string::npos);
    CHECK(cli({"check", "/nonexistent/x.json"}).code == ui::exit_bad_input);

    ScratchDir dir;
    const std::string unwritable = (dir.path / "no-such-dir" / "t.jsonl").string();
    const CliResult cannot_write = cli({"run", "tcp-echo", "-o", unwritable});
    CHECK(cannot_write.code == ui::exit_failure);
    CHECK_FALSE(cannot_write.err.empty());
    CHECK(fs::is_empty(dir.path));  // no half-written file left behind
    // An empty file name is an error, not "write nothing".
    CHECK(cli({"run", "tcp-echo", "-o", ""}).code == ui::exit_bad_input);
    CHECK(cli({"export", "tcp-echo", "--format", "text", "-o", ""}).code == ui::exit_bad_input);
}

TEST_CASE("a closed pipe on standard output is exit 1, not death by SIGPIPE", "[cli][binary]") {
    // `loopscope step x --all | head`: the write fails with EPIPE and the
    // program says so (it used to be killed: 141 in the shell).
    const std::string command = std::string("bash -c 'timeout 120 ") + LOOPSCOPE_BINARY +
                                " step chunks --all 2>/dev/null | head -1 >/dev/null; exit ${PIPESTATUS[0]}'";  // 1.2 MB: more than a pipe holds
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("the binary with no arguments and no display falls back to stepping through the default lesson", "[cli][binary]") {
    const std::string command =
        std::string("env -u DISPLAY -u WAYLAND_DISPLAY timeout 120 ") + LOOPSCOPE_BINARY + " </dev/null 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    const int status = ::pclose(pipe);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(step_lines(output) == lesson_trace_size(sim::default_lesson_id));
    CHECK(output.find("no display found") != std::string::npos);
    CHECK(output.find("terminal stepper instead") != std::string::npos);
}

TEST_CASE("a display that cannot be opened also falls back to the stepper", "[cli][binary]") {
    // A stale DISPLAY (ssh without X forwarding, a stopped X server).
    const std::string command =
        std::string("env -u WAYLAND_DISPLAY DISPLAY=:987 timeout 120 ") + LOOPSCOPE_BINARY + " view chunks </dev/null 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    const int status = ::pclose(pipe);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(output.find("showing the terminal stepper instead") != std::string::npos);
    CHECK(step_lines(output) == lesson_trace_size("chunks"));
}

TEST_CASE("view rejects bad sizes, scales and times with a clear message", "[cli]") {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"view", "--size", "12x"}, {"view", "--size", "100x100"}, {"view", "--scale", "nan"},
             {"view", "--scale", "4"}, {"view", "--at-time", "1.5"}, {"view", "--at-time", "2h"},
             {"view", "--at", "3", "--at-time", "2ms"}, {"view", "--tab", "nope"},
             {"view", "--compare-set", "os=linux"}}) {
        CAPTURE(args);
        const CliResult r = cli(args);
        CHECK(r.code == ui::exit_bad_input);
        CHECK_FALSE(r.err.empty());
    }
}

TEST_CASE("a failed write to standard output is a runtime failure, not success", "[cli]") {
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    out.setstate(std::ios::badbit);  // as when stdout is a full disk or a closed pipe
    REQUIRE(ui::run_cli({"list"}, in, out, err) == ui::exit_failure);
    REQUIRE(err.str().find("standard output") != std::string::npos);
}

TEST_CASE("run says so when the trace is cut short by stop_ns", "[cli]") {
    const CliResult cut = cli({"run", "chunks", "--set", "stop_ns=1500000"});
    CHECK(cut.code == ui::exit_ok);
    CHECK(cut.err.find("1 of 1 clients had not finished") != std::string::npos);
    const CliResult whole = cli({"run", "chunks"});
    CHECK(whole.err.find("had not finished") == std::string::npos);
}

TEST_CASE("export writes Chrome JSON, pcap and text, and fails cleanly on bad input", "[cli][export]") {
    ScratchDir dir;
    const std::string chrome = (dir.path / "echo.json").string();
    const std::string pcap = (dir.path / "echo.pcap").string();
    const std::string text = (dir.path / "echo.txt").string();

    auto r = cli({"export", "tcp-echo", "--format", "chrome", "-o", chrome});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("wrote " + chrome) != std::string::npos);
    std::ifstream chrome_in(chrome);
    const auto doc = nlohmann::json::parse(chrome_in);
    CHECK(doc.at("displayTimeUnit") == "ns");
    CHECK(doc.at("traceEvents").size() > 100);

    r = cli({"export", "tcp-echo", "--format", "pcap", "-o", pcap, "--set", "clients.count=2"});
    REQUIRE(r.code == 0);
    std::ifstream pcap_in(pcap, std::ios::binary);
    unsigned char magic[4] = {};
    pcap_in.read(reinterpret_cast<char*>(magic), 4);
    // libpcap writes its nanosecond magic 0xa1b23c4d in host (little-endian) order.
    CHECK(magic[0] == 0x4d);
    CHECK(magic[1] == 0x3c);
    CHECK(magic[2] == 0xb2);
    CHECK(magic[3] == 0xa1);

    r = cli({"export", "tcp-echo", "--format", "text", "-o", text});
    REQUIRE(r.code == 0);
    std::ifstream text_in(text);
    const std::string handout((std::istreambuf_iterator<char>(text_in)), std::istreambuf_iterator<char>());
    CHECK(step_lines(handout) > 50);

    // Bad format, bad target, bad --set: exit 2, nothing written.
    const std::string never = (dir.path / "never.out").string();
    CHECK(cli({"export", "tcp-echo", "--format", "svg", "-o", never}).code == 2);
    r = cli({"export", "no-such-lesson", "--format", "chrome", "-o", never});
    CHECK(r.code == 2);
    CHECK(r.err.find("no-such-lesson") != std::string::npos);
    CHECK(cli({"export", "tcp-echo", "--format", "pcap", "-o", never, "--set", "clients.count=-1"}).code == 2);
    CHECK_FALSE(fs::exists(never));
    // An unwritable place: exit 1, naming the path, and no stray temp file.
    const std::string unwritable = (dir.path / "missing-dir" / "out.pcap").string();
    r = cli({"export", "tcp-echo", "--format", "pcap", "-o", unwritable});
    CHECK(r.code == 1);
    CHECK(r.err.find(unwritable) != std::string::npos);
    std::size_t left = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path)) ++left;
    CHECK(left == 3);
}
