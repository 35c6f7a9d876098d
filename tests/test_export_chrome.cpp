// The Chrome Trace Event export: every built-in lesson exported, parsed back
// with nlohmann, and checked for the fields Perfetto and chrome://tracing
// need, for one span or instant per trace event, and for spans that nest.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "trace/export_chrome.hpp"

namespace loopscope {
namespace {

trace::Trace lesson_trace(const sim::Lesson& lesson) {
    auto loaded = sim::load_lesson(lesson);
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    return sim::simulate(std::get<sim::Scenario>(loaded));
}

nlohmann::json export_json(const trace::Trace& trace) {
    std::ostringstream out;
    trace::write_chrome_trace(out, trace);
    return nlohmann::json::parse(out.str());
}

// Microseconds with three decimals back to integer nanoseconds.
std::int64_t nanos_of(const nlohmann::json& micros) { return std::llround(micros.get<double>() * 1000.0); }

// Checks the spans of one thread nest: sorted by start (longest first on
// ties), each span ends before, or inside, the spans still open.
void require_nested(const std::vector<std::pair<std::int64_t, std::int64_t>>& spans_in) {
    auto spans = spans_in;
    std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<std::int64_t> open_ends;
    for (const auto& [start, end] : spans) {
        while (!open_ends.empty() && open_ends.back() <= start) open_ends.pop_back();
        if (!open_ends.empty()) REQUIRE(end <= open_ends.back());
        open_ends.push_back(end);
    }
}

}  // namespace

TEST_CASE("chrome_micros prints microseconds with three decimals", "[export]") {
    CHECK(trace::chrome_micros(1174000) == "1174.000");
    CHECK(trace::chrome_micros(0) == "0.000");
    CHECK(trace::chrome_micros(1) == "0.001");
    CHECK(trace::chrome_micros(123456789) == "123456.789");
    CHECK(trace::chrome_micros(-1500) == "-1.500");
}

TEST_CASE("every built-in lesson exports as a valid Chrome trace", "[export]") {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        DYNAMIC_SECTION("lesson " << lesson.id) {
            const trace::Trace trace = lesson_trace(lesson);
            REQUIRE(trace.size() > 0);
            const nlohmann::json doc = export_json(trace);
            REQUIRE(doc.is_object());
            REQUIRE(doc.contains("traceEvents"));
            REQUIRE(doc["displayTimeUnit"] == "ns");
            const auto& events = doc["traceEvents"];
            REQUIRE(events.is_array());

            std::size_t spans_and_instants = 0;
            std::set<int> pids_used, named_pids;
            std::set<std::pair<int, int>> tids_used, named_tids;
            std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::int64_t>>> spans;
            std::map<std::int64_t, int> flow_starts, flow_ends;
            for (const auto& ev : events) {
                REQUIRE(ev.contains("ph"));
                REQUIRE(ev["pid"].is_number_integer());
                REQUIRE(ev["tid"].is_number_integer());
                REQUIRE(ev["name"].is_string());
                REQUIRE(ev["ts"].is_number());
                const std::string ph = ev["ph"];
                const int pid = ev["pid"];
                const int tid = ev["tid"];
                if (ph == "M") {
                    REQUIRE(ev["args"]["name"].is_string() == (ev["name"] == "process_name" || ev["name"] == "thread_name"));
                    if (ev["name"] == "process_name") named_pids.insert(pid);
                    if (ev["name"] == "thread_name") named_tids.insert({pid, tid});
                    continue;
                }
                pids_used.insert(pid);
                tids_used.insert({pid, tid});
                if (ph == "X") {
                    REQUIRE(ev["dur"].is_number());
                    REQUIRE(ev["dur"].get<double>() >= 0.0);
                    REQUIRE(ev["args"]["event"].is_number_integer());
                    const std::int64_t start = nanos_of(ev["ts"]);
                    spans[{pid, tid}].push_back({start, start + nanos_of(ev["dur"])});
                    ++spans_and_instants;
                } else if (ph == "i") {
                    REQUIRE(ev["s"] == "t");
                    REQUIRE(ev["args"]["event"].is_number_integer());
                    ++spans_and_instants;
                } else if (ph == "C") {
                    REQUIRE(ev["args"].is_object());
                    REQUIRE(!ev["args"].empty());
                    for (const auto& [key, value] : ev["args"].items()) {
                        INFO(key);
                        REQUIRE(value.is_number());
                    }
                } else if (ph == "s" || ph == "f") {
                    REQUIRE(ev["id"].is_number_integer());
                    if (ph == "f") REQUIRE(ev["bp"] == "e");
                    (ph == "s" ? flow_starts : flow_ends)[ev["id"].get<std::int64_t>()] += 1;
                } else {
                    FAIL("unexpected phase " << ph);
                }
            }
            CHECK(spans_and_instants == trace.size());
            for (int pid : pids_used) CHECK(named_pids.count(pid) == 1);
            for (const auto& key : tids_used) {
                INFO("pid " << key.first << " tid " << key.second);
                CHECK(named_tids.count(key) == 1);
            }
            for (const auto& [thread, list] : spans) require_nested(list);

            // One arrow per cause link, its start and end sharing the id.
            std::size_t causes = 0;
            for (const trace::Event& e : trace.events()) causes += e.cause != trace::no_event;
            CHECK(flow_starts.size() == causes);
            CHECK(flow_starts == flow_ends);
        }
    }
}

TEST_CASE("tcp-echo exports receive buffer counters and field values", "[export]") {
    const trace::Trace trace = lesson_trace(*sim::find_lesson("tcp-echo"));
    const nlohmann::json doc = export_json(trace);
    std::size_t recv_counters = 0;
    bool saw_segment = false;
    for (const auto& ev : doc["traceEvents"]) {
        const std::string name = ev["name"];
        if (ev["ph"] == "C" && name.find("recv buffer") != std::string::npos) {
            ++recv_counters;
            CHECK(name.rfind("conn ", 0) == 0);
            CHECK(ev["args"]["bytes"].get<std::int64_t>() >= 0);
        }
        if (ev["ph"] == "X" && name == "wire.segment" && !saw_segment) {
            // The first segment is the client's SYN: flags as text, numbers as numbers.
            saw_segment = true;
            CHECK(ev["cat"] == "wire");
            CHECK(ev["args"]["flags"] == "SYN");
            CHECK(ev["args"]["len"].is_number_integer());
            CHECK(ev["args"]["lost"].is_boolean());
        }
    }
    std::size_t recv_events = 0;
    for (const trace::Event& e : trace.events()) recv_events += e.kind == trace::Kind::kernel_recv_buffer;
    CHECK(recv_events > 0);
    CHECK(recv_counters == recv_events);
    CHECK(saw_segment);
}

// Not run by default: `loopscope_tests "[.export-bench]"` exports the ~1M-event
// ten-thousand-clients echo trace and reports the time and size.
TEST_CASE("chrome export of a 1M-event trace", "[.export-bench]") {
    auto loaded = sim::load_lesson(*sim::find_lesson("tcp-echo"), {"clients.count=17000"});
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    const trace::Trace trace = sim::simulate(std::get<sim::Scenario>(loaded));
    const std::string path = "/tmp/loopscope-export-bench.json";
    const auto started = std::chrono::steady_clock::now();
    {
        std::ofstream out(path, std::ios::binary);
        trace::write_chrome_trace(out, trace);
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(path.c_str());
    std::size_t threads = 0;
    for (std::size_t at = text.find("thread_name"); at != std::string::npos; at = text.find("thread_name", at + 1)) ++threads;
    WARN(trace.size() << " events -> " << text.size() / 1000000 << " MB, " << threads << " threads, "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
    CHECK(text.size() > trace.size() * 50);
}

TEST_CASE("the thread-per-connection model exports thread and memory counters", "[export]") {
    auto loaded = sim::load_lesson(*sim::find_lesson("tcp-echo"),
                                   {"server.model=thread-per-connection", "clients.count=3"});
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    const sim::Scenario& scenario = std::get<sim::Scenario>(loaded);
    const trace::Trace trace = sim::simulate(scenario);
    const nlohmann::json doc = export_json(trace);
    std::int64_t most_threads = 0;
    std::size_t memory_counters = 0;
    for (const auto& ev : doc["traceEvents"]) {
        if (ev["ph"] != "C") continue;
        if (ev["name"] == "server threads") most_threads = std::max(most_threads, ev["args"]["live"].get<std::int64_t>());
        if (ev["name"] == "server memory") {
            ++memory_counters;
            REQUIRE(ev["args"]["virtual"].is_number_integer());
            REQUIRE(ev["args"]["resident"].is_number_integer());
            // Every live thread reserves a whole stack.
            CHECK(ev["args"]["virtual"].get<std::uint64_t>() % scenario.server.thread_stack_bytes == 0);
        }
    }
    std::size_t spawns_and_exits = 0;
    for (const auto& e : trace.events())
        spawns_and_exits += e.kind == trace::Kind::threads_spawn || e.kind == trace::Kind::threads_exit;
    CHECK(memory_counters == spawns_and_exits);
    CHECK(most_threads == 4);  // the acceptor and one thread per client
}

}  // namespace loopscope
