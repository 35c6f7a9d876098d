// The scenario loader: defaults, every field, ranges, types, overrides,
// positions of errors, and the stable source_json.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "sim/json_locate.hpp"
#include "sim/scenario_loader.hpp"

using namespace loopscope;
using sim::Scenario;
using sim::ScenarioError;

namespace {

Scenario load_ok(const std::string& text, const std::vector<std::string>& overrides = {}) {
    auto result = sim::load_scenario_text(text, "test.json", overrides);
    if (auto* error = std::get_if<ScenarioError>(&result)) FAIL("unexpected error: " << error->text());
    return std::get<Scenario>(std::move(result));
}

ScenarioError load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    auto result = sim::load_scenario_text(text, "test.json", overrides);
    if (!std::holds_alternative<ScenarioError>(result)) FAIL("expected an error for: " << text);
    return std::get<ScenarioError>(std::move(result));
}

const std::string minimal = R"({"id": "t", "title": "T"})";

}  // namespace

TEST_CASE("a minimal scenario gets every default of scenario.hpp", "[scenario]") {
    const Scenario s = load_ok(minimal);
    const Scenario d;
    CHECK(s.id == "t");
    CHECK(s.title == "T");
    CHECK(s.chapter.empty());
    CHECK(s.captions.empty());
    CHECK(s.seed == d.seed);
    CHECK(s.os == sim::Os::linux);
    CHECK(s.stop_ns == d.stop_ns);
    CHECK(s.epoll_max_events == d.epoll_max_events);
    CHECK(s.threadpool_size == 4);
    CHECK(s.network.latency_ns == d.network.latency_ns);
    CHECK(s.network.mss == 1460);
    CHECK(s.network.loss == 0.0);
    CHECK(s.server.program == "echo");
    CHECK(s.server.backlog == 511);
    CHECK(s.server.high_water_mark == 16384);
    CHECK(s.server.respect_backpressure);
    CHECK(s.clients.program == "echo");
    CHECK(s.clients.count == 1);
    CHECK(s.clients.start_at_ns == d.clients.start_at_ns);
    CHECK(s.clients.close_when_done);
}

TEST_CASE("every field of the format is read", "[scenario]") {
    const Scenario s = load_ok(R"({
      "id": "all-fields", "title": "Everything", "chapter": "§12", "lesson": "Text.",
      "captions": [{"kind": "js.drain", "conn": 2, "nth": 3, "os": "macos", "text": "Drained."}],
      "seed": 42, "os": "windows", "stop_ns": 5000000, "epoll_max_events": 64, "threadpool_size": 8,
      "network": {"latency_ns": 1000, "bandwidth_bps": 100000000, "mss": 536, "loss": 0.25},
      "server": {"program": "payload", "port": 8080, "backlog": 3, "send_buffer": 4096, "recv_buffer": 8192,
                 "high_water_mark": 65536, "cpu_per_callback_ns": 1, "payload_bytes": 1000000, "chunk_bytes": 1000,
                 "respect_backpressure": false, "pool_work_ns": 7, "close_after_payload": false},
      "clients": {"program": "slow-reader", "count": 3, "start_interval_ns": 10, "start_at_ns": 20,
                  "send_buffer": 111, "recv_buffer": 222, "message_bytes": 333, "messages": 4, "think_ns": 55,
                  "upload_bytes": 666, "read_bytes": 777, "read_interval_ns": 888, "close_when_done": false}
    })");
    CHECK(s.chapter == "§12");
    CHECK(s.lesson == "Text.");
    REQUIRE(s.captions.size() == 1);
    CHECK(s.captions[0].kind == "js.drain");
    CHECK(s.captions[0].conn == 2);
    CHECK(s.captions[0].nth == 3);
    CHECK(s.captions[0].os == "macos");
    CHECK(s.captions[0].text == "Drained.");
    CHECK(s.seed == 42);
    CHECK(s.os == sim::Os::windows);
    CHECK(s.stop_ns == 5'000'000);
    CHECK(s.epoll_max_events == 64);
    CHECK(s.threadpool_size == 8);
    CHECK(s.network.latency_ns == 1000);
    CHECK(s.network.bandwidth_bps == 100'000'000);
    CHECK(s.network.mss == 536);
    CHECK(s.network.loss == 0.25);
    CHECK(s.server.program == "payload");
    CHECK(s.server.port == 8080);
    CHECK(s.server.backlog == 3);
    CHECK(s.server.send_buffer == 4096);
    CHECK(s.server.recv_buffer == 8192);
    CHECK(s.server.high_water_mark == 65536);
    CHECK(s.server.cpu_per_callback_ns == 1);
    CHECK(s.server.payload_bytes == 1'000'000);
    CHECK(s.server.chunk_bytes == 1000);
    CHECK_FALSE(s.server.respect_backpressure);
    CHECK(s.server.pool_work_ns == 7);
    CHECK_FALSE(s.server.close_after_payload);
    CHECK(s.clients.program == "slow-reader");
    CHECK(s.clients.count == 3);
    CHECK(s.clients.start_interval_ns == 10);
    CHECK(s.clients.start_at_ns == 20);
    CHECK(s.clients.send_buffer == 111);
    CHECK(s.clients.recv_buffer == 222);
    CHECK(s.clients.message_bytes == 333);
    CHECK(s.clients.messages == 4);
    CHECK(s.clients.think_ns == 55);
    CHECK(s.clients.upload_bytes == 666);
    CHECK(s.clients.read_bytes == 777);
    CHECK(s.clients.read_interval_ns == 888);
    CHECK_FALSE(s.clients.close_when_done);
}

TEST_CASE("values outside their range are refused with the range in the message", "[scenario]") {
    struct Case {
        const char* set;
        const char* message;
    };
    const auto c = GENERATE(values<Case>({
        {"clients.count=0", "expected an integer from 1 to 100000"},
        {"clients.count=100001", "expected an integer from 1 to 100000"},
        {"network.mss=63", "expected an integer from 64 to 65495"},
        {"network.mss=65496", "expected an integer from 64 to 65495"},
        {"network.loss=-0.1", "expected a number from 0 to 1"},
        {"network.loss=1.01", "expected a number from 0 to 1"},
        {"server.port=0", "expected an integer from 1 to 65535"},
        {"server.port=65536", "expected an integer from 1 to 65535"},
        {"server.send_buffer=0", "expected an integer from 1 to 1073741824"},
        {"server.recv_buffer=1073741825", "expected an integer from 1 to 1073741824"},
        {"clients.think_ns=-1", "expected an integer from 0 to 86400000000000"},
        {"stop_ns=86400000000001", "expected an integer from 1 to 86400000000000"},
        {"network.latency_ns=1.5", "expected an integer from 0 to 86400000000000"},
        {"server.respect_backpressure=1", "expected true or false"},
        {"os=solaris", "expected one of \"linux\", \"macos\" or \"windows\""},
        {"server.program=http", "expected one of \"echo\", \"sink\", \"payload\", \"hello\", \"site\", \"stream\" or \"blocking\""},
        {"id=has space", "expected a name of 1 to 64 letters"},
        {"server.tls_version=11", "expected an integer from 12 to 13"},
        {"server.tls_version=14", "expected an integer from 12 to 13"},
        {"server.tls_signature=dsa", "expected one of \"ecdsa-p256\" or \"rsa-2048\""},
        {"server.tls_sign_ns=-2", "expected an integer from -1 to 86400000000000"},
        {"server.tls=yes", "expected true or false"},
        {"server.file_chunk_bytes=0", "expected an integer from 1 to 1073741824"},
        {"server.file_bytes=17179869185", "expected an integer from 0 to 17179869184"},
        {"server.disk_bytes_per_second=0", "expected an integer from 1 to 1000000000000"},
        {"server.stream_content_length=1", "expected true or false"},
        {"server.burn_cpu_ns=-1", "expected an integer from 0 to 86400000000000"},
        {"server.interval_ns=-5", "expected an integer from 0 to 86400000000000"},
        {"clients.read_slowly=no", "expected true or false"},
    }));
    CAPTURE(c.set);
    const ScenarioError e = load_error(minimal, {c.set});
    CHECK(e.file == "--set");
    CHECK(e.line == 0);
    CHECK(e.text().rfind(std::string("--set ") + c.set + ": " + c.message, 0) == 0);
}

TEST_CASE("the limits themselves are accepted", "[scenario]") {
    const Scenario s = load_ok(minimal, {"clients.count=100000", "network.mss=64", "network.loss=1",
                                         "server.port=65535", "server.send_buffer=1073741824", "stop_ns=86400000000000"});
    CHECK(s.clients.count == 100000);
    CHECK(s.network.mss == 64);
    CHECK(s.network.loss == 1.0);
    CHECK(s.server.port == 65535);
    CHECK(s.server.send_buffer == (1u << 30));
    CHECK(s.stop_ns == 86'400'000'000'000);
}

TEST_CASE("overrides change the DOM before validation", "[scenario][set]") {
    const Scenario s = load_ok(R"({"id": "t", "title": "T", "clients": {"count": 2}, "os": "linux"})",
                               {"clients.count=100", "os=macos", "server.program=sink", "network.loss=0.5",
                                "title=\"Quoted title\"", "chapter=§2", "id=123", "server.respect_backpressure=false"});
    CHECK(s.clients.count == 100);
    CHECK(s.os == sim::Os::macos);
    CHECK(s.server.program == "sink");
    CHECK(s.network.loss == 0.5);
    CHECK(s.title == "Quoted title");
    CHECK(s.chapter == "§2");
    CHECK(s.id == "123");  // a text field keeps the raw text even when it parses as a number
    CHECK_FALSE(s.server.respect_backpressure);
    // The last --set of a key wins.
    CHECK(load_ok(minimal, {"clients.count=5", "clients.count=7"}).clients.count == 7);
}

TEST_CASE("override errors name the assignment, and an unknown key lists the valid keys", "[scenario][set]") {
    CHECK(load_error(minimal, {"clients.count=abc"}).text() ==
          "--set clients.count=abc: expected an integer from 1 to 100000");
    const std::string unknown = load_error(minimal, {"clients.cuont=3"}).text();
    CHECK(unknown.rfind("--set clients.cuont=3: unknown key \"clients.cuont\"; valid keys: id, title,", 0) == 0);
    for (const std::string& key : sim::scenario_override_keys()) CHECK(unknown.find(key) != std::string::npos);
    CHECK(load_error(minimal, {"clients.count"}).text() ==
          "--set clients.count: expected key=value, e.g. clients.count=10");
    CHECK(load_error(minimal, {"captions=[]"}).text().find("unknown key \"captions\"") != std::string::npos);
}

TEST_CASE("errors point at the line and column of the field", "[scenario][locate]") {
    const std::string text = "{\n  \"id\": \"t\",\n  \"title\": \"T\",\n  \"clients\": {\n    \"program\": \"echo\",\n"
                             "    \"count\": 0\n  },\n  \"bogus\": 1\n}\n";
    const ScenarioError e = load_error(text);
    CHECK(e.text() == "test.json:6:14: field \"clients.count\": expected an integer from 1 to 100000");
    // With count fixed, the next problem is the unknown top-level field, at its key.
    const ScenarioError unknown = load_error(text, {"clients.count=1"});
    CHECK(unknown.line == 8);
    CHECK(unknown.column == 3);
    CHECK(unknown.message.rfind("unknown field \"bogus\"", 0) == 0);

    const ScenarioError caption = load_error(
        "{\"id\": \"t\", \"title\": \"T\",\n \"captions\": [\n  {\"kind\": \"js.data\", \"text\": \"a\"},\n"
        "  {\"kind\": \"js.data\", \"nth\": 0, \"text\": \"b\"}\n ]\n}");
    CHECK(caption.text() == "test.json:4:30: field \"captions[1].nth\": expected an integer from 1 to 1000000000");
    const ScenarioError missing = load_error("{\"id\": \"t\", \"title\": \"T\", \"captions\": [{\"kind\": \"js.data\"}]}");
    CHECK(missing.text() == "test.json:1:40: field \"captions[0]\": missing \"text\"");
}

TEST_CASE("the locator skips strings, escapes and nested values", "[locate]") {
    const std::string text = "{\"a\": \"x}\\\"{\", \"b\": [1, {\"c\": [2, 3]}, \"d\"],\n \"e\": {\"f\": true}}";
    const auto at = [&](const sim::JsonPath& path) { return sim::position_of_offset(text, sim::locate_json(text, path).value_offset); };
    CHECK(at({std::string("b")}).column == 21);
    CHECK(at({std::string("b"), std::size_t{1}, std::string("c"), std::size_t{1}}).column == 35);
    CHECK(at({std::string("b"), std::size_t{2}}).column == 40);
    const sim::TextPosition f = at({std::string("e"), std::string("f")});
    CHECK(f.line == 2);
    CHECK(f.column == 13);
    // A missing step stops at the deepest one that exists.
    CHECK(at({std::string("e"), std::string("zzz")}).column == 7);
    // Duplicate keys: the last one counts, as in nlohmann's parser.
    const std::string dup = R"({"k": 1, "k": 2})";
    CHECK(sim::locate_json(dup, {std::string("k")}).value_offset == 14);
}

TEST_CASE("UTF-8 checking finds the first bad byte", "[locate]") {
    CHECK_FALSE(sim::find_invalid_utf8("plain ascii, § and µ and 🙂").has_value());
    CHECK(sim::find_invalid_utf8("ab\xff").value() == 2);
    CHECK(sim::find_invalid_utf8("a\xc0\xaf").value() == 1);          // overlong '/'
    CHECK(sim::find_invalid_utf8("a\xed\xa0\x80").value() == 1);      // a UTF-16 surrogate
    CHECK(sim::find_invalid_utf8("abc\xe2\x82").value() == 3);        // cut off
    CHECK(sim::find_invalid_utf8("\xf4\x90\x80\x80").value() == 0);   // above U+10FFFF
}

TEST_CASE("hostile input gives located errors, never a crash", "[scenario]") {
    SECTION("a million open brackets") {
        const ScenarioError e = load_error(std::string(1'000'000, '['));
        CHECK(e.text() == "test.json:1:65: nested more than 64 levels deep");
    }
    SECTION("64 levels are fine for the parser, and then refused as an unknown field") {
        std::string deep = R"({"id": "t", "title": "T", "x": )" + std::string(63, '[') + std::string(63, ']') + "}";
        CHECK(load_error(deep).message.rfind("unknown field \"x\"", 0) == 0);
    }
    SECTION("brackets inside strings do not count") {
        const std::string text = R"({"id": "t", "title": ")" + std::string(500, '[') + "\"}";
        CHECK(load_ok(text).title.size() == 500);
    }
    SECTION("huge numbers") {
        CHECK(load_error(R"({"id": "t", "title": "T", "seed": 1e999})").message.rfind("number too large", 0) == 0);
        CHECK(load_error(R"({"id": "t", "title": "T", "seed": 18446744073709551616})").message ==
              "field \"seed\": expected an integer from 0 to 9223372036854775807");
    }
    SECTION("not an object, empty, whitespace") {
        CHECK(load_error("42").message == "a scenario must be a JSON object ({ ... })");
        CHECK(load_error("").message.rfind("empty file", 0) == 0);
        CHECK(load_error(" \n\t ").message.rfind("empty file", 0) == 0);
    }
    SECTION("trailing garbage") {
        const ScenarioError e = load_error(minimal + " x");
        CHECK(e.line == 1);
        CHECK(e.message.rfind("invalid JSON", 0) == 0);
    }
}

TEST_CASE("source_json is complete, compact and stable", "[scenario]") {
    const Scenario a = load_ok(R"({"id": "t", "title": "T", "clients": {"count": 3}})");
    const Scenario b = load_ok("{\n  \"clients\": {\"count\": 3},\n  \"title\": \"T\",\n  \"id\": \"t\"\n}\n");
    CHECK(a.source_json == b.source_json);
    CHECK(a.source_json.find('\n') == std::string::npos);
    CHECK(a.source_json.rfind(R"({"id":"t","title":"T","chapter":"","lesson":"","captions":[],"seed":1,"os":"linux",)", 0) == 0);
    for (const std::string& key : sim::scenario_override_keys()) {
        const auto dot = key.find('.');
        const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
        CHECK(a.source_json.find("\"" + leaf + "\":") != std::string::npos);
    }
    // Loading the filled-in scenario again gives the same bytes.
    CHECK(load_ok(a.source_json).source_json == a.source_json);
    // An override that sets a default value changes nothing.
    CHECK(load_ok(minimal, {"clients.count=1"}).source_json == load_ok(minimal).source_json);
}

TEST_CASE("load_scenario_file names the file and reports a missing one", "[scenario]") {
    const std::string path = std::string(LOOPSCOPE_TEST_DATA) + "/bad_scenarios/wrong-type.json";
    auto result = sim::load_scenario_file(path);
    REQUIRE(std::holds_alternative<ScenarioError>(result));
    CHECK(std::get<ScenarioError>(result).text() ==
          path + ":5:14: field \"clients.count\": expected an integer from 1 to 100000");
    auto missing = sim::load_scenario_file("/nonexistent/scenario.json");
    REQUIRE(std::holds_alternative<ScenarioError>(missing));
    CHECK(std::get<ScenarioError>(missing).text() == "/nonexistent/scenario.json: cannot open the file");
}

TEST_CASE("a caption can be anchored by host and field values, and bad anchors are located", "[scenario][captions]") {
    const Scenario s = load_ok(R"({"id": "t", "title": "T", "captions": [
        {"kind": "kernel.tcp_state", "host": "client", "where": {"state": "CLOSED", "prev": "TIME_WAIT"}, "text": "a"},
        {"kind": "loop.read", "where": {"eof": true, "bytes": 0}, "text": "b"}]})");
    REQUIRE(s.captions.size() == 2);
    CHECK(s.captions[0].host == "client");
    REQUIRE(s.captions[0].where.size() == 2);
    CHECK(s.captions[0].where[0].field == "state");
    CHECK(s.captions[0].where[0].value == *trace::enum_from_name(trace::FieldType::tcp_state, "CLOSED"));
    CHECK(s.captions[1].where[0].value == 1);
    // The anchors survive the trip through JSON (the trace header, the client child).
    const Scenario again = load_ok(sim::scenario_to_json(s));
    REQUIRE(again.captions.size() == 2);
    CHECK(again.captions[0].host == "client");
    CHECK(again.captions[0].where[1].field == "prev");
    CHECK(again.captions[0].where[1].value == s.captions[0].where[1].value);

    const auto error = [](const std::string& caption) {
        return load_error("{\"id\": \"t\", \"title\": \"T\", \"captions\": [" + caption + "]}").text();
    };
    CHECK(error(R"({"kind": "kernel.tcp_state", "where": {"state": "LISTENING"}, "text": "a"})") ==
          "test.json:1:88: field \"captions[0].where.state\": expected \"CLOSED\", \"LISTEN\", \"SYN_SENT\", "
          "\"SYN_RECEIVED\", \"ESTABLISHED\", \"FIN_WAIT_1\", \"FIN_WAIT_2\", \"CLOSE_WAIT\", \"CLOSING\", "
          "\"LAST_ACK\" or \"TIME_WAIT\"");
    CHECK_THAT(error(R"({"kind": "kernel.tcp_state", "where": {"colour": 1}, "text": "a"})"),
               Catch::Contains("field \"captions[0].where.colour\": kernel.tcp_state has no field \"colour\" "
                               "(its fields: state, prev)"));
    CHECK_THAT(error(R"({"kind": "js.data", "host": "router", "text": "a"})"),
               Catch::Contains("field \"captions[0].host\": expected \"\" (either), \"server\" or \"client\""));
    CHECK_THAT(error(R"({"kind": "loop.read", "where": {"eof": 1}, "text": "a"})"),
               Catch::Contains("field \"captions[0].where.eof\": expected true or false"));
    CHECK_THAT(error(R"({"kind": "loop.read", "where": [1], "text": "a"})"),
               Catch::Contains("field \"captions[0].where\": expected an object"));
}
