// The blocking server program (chapter §15): one route burns CPU on the main
// thread, and while it runs the other clients' requests wait in the kernel
// and the setInterval heartbeat runs late by about as long.
#include <catch2/catch.hpp>

#include "sim_test_support.hpp"
#include "trace/summary.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

sim::Scenario blocking_scenario(sim::Nanos burn) {
    auto s = test::basic_scenario();
    s.stop_ns = 400'000'000;
    s.server.program = "blocking";
    s.server.burn_cpu_ns = burn;
    s.clients.program = "http-get";
    s.clients.count = 4;
    s.clients.first_path = "/report";
    s.clients.start_interval_ns = 50'000'000;
    return s;
}

}  // namespace

TEST_CASE("blocking: a 200 ms callback holds every other request and timer back", "[sim][blocking]") {
    const auto t = test::run(blocking_scenario(200'000'000));
    const auto requests = test::find_all(t, Kind::js_request);
    REQUIRE(requests.size() == 4);
    CHECK(t.text(test::field(t, requests[0], "url")) == "/report");
    // The parse of /report is one callback with the burn inside it.
    const auto parses = test::find_all(t, Kind::http_parse);
    REQUIRE(parses.size() == 4);
    CHECK(test::field(t, parses[0], "dur") >= 200'000'000);
    const auto report_end = test::find_all(t, Kind::http_response_end)[0];
    CHECK(t[report_end].time >= t[parses[0]].time + 200'000'000);
    // The quick requests arrived during the burn and are handled only after it.
    for (std::size_t i = 1; i < requests.size(); ++i) CHECK(t[requests[i]].time > t[report_end].time);
    // Meanwhile the kernel accepted them: three connections wait in the accept queue.
    CHECK(test::max_field(t, Kind::kernel_accept_queue, "len") == 3);

    // The heartbeat due at 10 ms ran after the burn: that delay is the lag.
    const auto timers = test::find_all(t, Kind::js_timer);
    REQUIRE(timers.size() >= 2);
    const auto late = test::field(t, timers[0], "late");
    CHECK(late > 190'000'000);
    CHECK(late < 200'000'000);
    CHECK(test::field(t, timers[1], "late") == 0);  // setInterval re-arms from now, no catching up
    const auto summary = trace::summarize(t);
    CHECK(summary.max_loop_lag_ns == late);
    // The quick clients waited 150, 100 and 50 ms; the report's 200 ms.
    CHECK(summary.latency_samples == 4);
    CHECK(summary.latency_p50_ns > 90'000'000);
}

TEST_CASE("blocking: without the burn, lag and latency are microseconds", "[sim][blocking]") {
    const auto t = test::run(blocking_scenario(0));
    const auto summary = trace::summarize(t);
    CHECK(summary.max_loop_lag_ns < 100'000);
    CHECK(summary.latency_max_ns < 1'000'000);
    CHECK(summary.requests == 4);
    // The heartbeat ran every 10 ms from listen (at 0) to the stop: at 10, 20, ..., 400 ms.
    CHECK(test::count(t, Kind::js_timer) == 40);
    CHECK(test::max_field(t, Kind::js_timer, "late") < 100'000);
}
