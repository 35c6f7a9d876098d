// The thread-per-connection server (sim/thread_server.hpp): memory per
// thread, context switches, blocking read() and write(), the run queue, and
// the same answers as the event loop on the same load.
#include <catch2/catch.hpp>

#include <sstream>
#include <variant>

#include "sim/lessons.hpp"
#include "sim/thread_server.hpp"
#include "sim/scenario_loader.hpp"
#include "sim_test_support.hpp"
#include "trace/explain.hpp"
#include "trace/jsonl.hpp"
#include "trace/summary.hpp"

using namespace loopscope;
using trace::BlockedOn;
using trace::Kind;

namespace {

sim::Scenario threaded(std::uint32_t clients) {
    auto s = test::basic_scenario();
    s.server.model = "thread-per-connection";
    s.clients.count = clients;
    s.clients.message_bytes = 13;
    s.stop_ns = 2'000'000'000;
    return s;
}

std::vector<std::size_t> of_thread(const trace::Trace& t, Kind kind, std::int64_t thread) {
    return test::find_all(t, kind, [&](const trace::Event& e) { return t.arg(e, "thread") == thread; });
}

std::string jsonl(const trace::Trace& t) {
    std::ostringstream out;
    trace::write_trace(out, t);
    return out.str();
}

std::int64_t received(const trace::Trace& t) { return test::sum_field(t, Kind::client_done, "received"); }

}  // namespace

TEST_CASE("threads: memory grows by exactly one stack and one socket per connection", "[threads]") {
    auto s = threaded(5);
    s.clients.close_when_done = false;  // stay connected, so every thread stays alive
    s.clients.start_interval_ns = 100'000;
    const auto t = test::run(s);
    const auto spawns = test::find_all(t, Kind::threads_spawn);
    REQUIRE(spawns.size() == 6);  // the acceptor and one thread per connection
    for (std::size_t k = 0; k < spawns.size(); ++k) {
        const auto i = spawns[k];
        CAPTURE(k);
        const std::int64_t live = static_cast<std::int64_t>(k) + 1;
        const std::int64_t sockets = static_cast<std::int64_t>(k);
        CHECK(test::field(t, i, "thread") == live);
        CHECK(test::field(t, i, "live") == live);
        CHECK(test::field(t, i, "sockets") == sockets);
        CHECK(test::field(t, i, "virtual") == live * (8 << 20));
        CHECK(test::field(t, i, "resident") == live * 8192 + sockets * 4096);
        if (k > 0) CHECK(t[i].conn == static_cast<std::int32_t>(k));
    }
    CHECK(test::count(t, Kind::threads_exit) == 0);
    const auto summary = trace::summarize(t);
    CHECK(summary.peak_threads == 6);
    CHECK(summary.peak_open_sockets == 5);
    CHECK(summary.peak_virtual_bytes == 6u * (8u << 20));
    CHECK(summary.peak_resident_bytes == 6u * 8192 + 5u * 4096);
}

TEST_CASE("threads: the stack sizes are the scenario's", "[threads]") {
    auto s = threaded(3);
    s.server.thread_stack_bytes = 1 << 20;  // Windows' default reservation
    s.server.thread_resident_bytes = 12288;
    const auto t = test::run(s);
    const auto spawns = test::find_all(t, Kind::threads_spawn);
    REQUIRE(!spawns.empty());
    const auto last = spawns.back();
    const auto live = test::field(t, last, "live");
    CHECK(test::field(t, last, "virtual") == live * (1 << 20));
    CHECK(test::field(t, last, "resident") == live * 12288 + test::field(t, last, "sockets") * 4096);
    // Each client hangs up after its echo: its thread closes and exits.
    const auto exits = test::find_all(t, Kind::threads_exit);
    REQUIRE(exits.size() == 3);
    CHECK(test::field(t, exits.back(), "live") == 1);
    CHECK(test::field(t, exits.back(), "sockets") == 0);
    CHECK(test::field(t, exits.back(), "resident") == 12288);
}

TEST_CASE("threads: every context switch is counted and charged before the next thread runs", "[threads]") {
    auto s = threaded(6);
    s.server.context_switch_ns = 7'000;
    const auto t = test::run(s);
    const auto switches = test::find_all(t, Kind::threads_switch);
    REQUIRE(switches.size() >= 6);
    std::int64_t last_thread = 0;
    std::size_t expected = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].kind == Kind::threads_switch) {
            CHECK(test::field(t, i, "cost") == 7'000);
            CHECK(test::field(t, i, "from") == last_thread);
            // The thread it switches to starts running exactly `cost` later.
            const auto to = test::field(t, i, "to");
            const auto runs = of_thread(t, Kind::threads_run, to);
            const auto next_run = std::find_if(runs.begin(), runs.end(), [&](std::size_t r) { return r > i; });
            REQUIRE(next_run != runs.end());
            CHECK(t[*next_run].time == t[i].time + 7'000);
        }
        if (t[i].kind == Kind::threads_run) {
            const auto thread = test::field(t, i, "thread");
            if (last_thread != 0 && thread != last_thread) ++expected;
            last_thread = thread;
        }
    }
    CHECK(switches.size() == expected);
    const auto summary = trace::summarize(t);
    CHECK(summary.context_switches == switches.size());
    CHECK(summary.switch_cpu_ns == static_cast<std::int64_t>(switches.size()) * 7'000);
}

TEST_CASE("threads: a thread blocked in read() runs only once its data arrives", "[threads]") {
    auto s = threaded(1);
    s.clients.messages = 2;
    s.clients.think_ns = 5'000'000;  // the second message comes 5 ms after the first echo
    const auto t = test::run(s);
    const auto blocks = test::find_all(t, Kind::threads_block, [&](const trace::Event& e) {
        return t.arg(e, "thread") == 2 && t.arg(e, "on") == static_cast<std::int64_t>(BlockedOn::read);
    });
    REQUIRE(blocks.size() >= 2);
    // Once it has written the first echo the thread sleeps in read() ...
    const auto echo_read = test::find_all(t, Kind::client_read)[0];
    const auto second_write = test::find_all(t, Kind::client_write)[1];
    CHECK(t[second_write].time >= t[echo_read].time + 5'000'000);
    const auto blocked = *std::prev(
        std::find_if(blocks.begin(), blocks.end(), [&](std::size_t b) { return b > second_write; }));
    CHECK(blocked < echo_read);
    // ... and neither runs nor wakes before the second message is in its receive buffer.
    const auto wakes = of_thread(t, Kind::threads_wake, 2);
    const auto wake = *std::find_if(wakes.begin(), wakes.end(), [&](std::size_t w) { return w > blocked; });
    for (std::size_t r : of_thread(t, Kind::threads_run, 2)) CHECK_FALSE((r > blocked && r < wake));
    const auto arrivals = test::find_all(t, Kind::kernel_recv_buffer, [&](const trace::Event& e) {
        return e.host == sim::server_host && t.arg(e, "level") > 0;
    });
    REQUIRE(arrivals.size() == 2);
    CHECK(t[wake].time == t[arrivals[1]].time);
    CHECK(t[wake].time > t[second_write].time);
    CHECK(test::field(t, wake, "on") == static_cast<std::int64_t>(BlockedOn::read));
}

TEST_CASE("threads: with one core, runnable threads wait their turn and latency grows with their number",
          "[threads]") {
    // Each connection needs 2 ms of CPU: pthread_create() in the acceptor
    // and the handler in its thread, each costing one callback's time.
    const auto summarize = [](std::uint32_t clients, std::uint32_t cores) {
        auto s = threaded(clients);
        s.server.cpu_per_callback_ns = 1'000'000;
        s.server.cores = cores;
        return trace::summarize(test::run(s));
    };
    const auto one = summarize(1, 1);
    const auto eight = summarize(8, 1);
    const auto eight_on_two = summarize(8, 2);
    REQUIRE(one.latency_samples == 1);
    REQUIRE(eight.latency_samples == 8);
    CHECK(one.latency_max_ns >= 2'000'000);
    CHECK(one.latency_max_ns < 3'000'000);
    // All eight arrive together; the last answer waits for all 16 ms of work.
    CHECK(eight.latency_max_ns >= 16'000'000);
    CHECK(eight.latency_p50_ns < eight.latency_max_ns);
    // A second core shares the queue: the last one waits less, but at least
    // for the acceptor's eight pthread_create() calls, one after the other.
    CHECK(eight_on_two.latency_max_ns < eight.latency_max_ns);
    CHECK(eight_on_two.latency_max_ns >= 8'000'000);
}

TEST_CASE("threads: a long run is preempted at the end of its time slice when another thread waits", "[threads]") {
    auto s = threaded(3);
    s.server.cpu_per_callback_ns = 3'000'000;
    s.server.time_slice_ns = 750'000;
    const auto t = test::run(s);
    const auto runs = test::find_all(t, Kind::threads_run);
    std::size_t sliced = 0;
    for (std::size_t k = 0; k + 1 < runs.size(); ++k) {
        if (test::field(t, runs[k], "dur") != 750'000) continue;
        ++sliced;
        // Preempted because someone was waiting: the core goes to another thread.
        CHECK(test::field(t, runs[k + 1], "thread") != test::field(t, runs[k], "thread"));
        CHECK(t[runs[k + 1]].time >= t[runs[k]].time + 750'000);
    }
    CHECK(sliced >= 4);
    CHECK(received(t) == 3 * 23);
}

TEST_CASE("threads: write() blocks while the send buffer is full", "[threads]") {
    auto s = threaded(1);
    s.server.program = "payload";
    s.server.payload_bytes = 1 << 20;
    s.clients.program = "slow-reader";
    s.clients.recv_buffer = 65536;
    s.clients.read_interval_ns = 5'000'000;
    s.stop_ns = 60'000'000'000;
    const auto t = test::run(s);
    const auto write_blocks = test::find_all(t, Kind::threads_block, [&](const trace::Event& e) {
        return t.arg(e, "on") == static_cast<std::int64_t>(BlockedOn::write);
    });
    const auto write_wakes = test::find_all(t, Kind::threads_wake, [&](const trace::Event& e) {
        return t.arg(e, "on") == static_cast<std::int64_t>(BlockedOn::write);
    });
    REQUIRE(!write_blocks.empty());
    CHECK(write_wakes.size() == write_blocks.size());
    // While it sleeps the send buffer is full (it wakes at 2/3, Linux's rule).
    for (std::size_t b : write_blocks) {
        std::int64_t level = -1;
        for (std::size_t i = b; i-- > 0;) {
            if (t[i].kind == Kind::kernel_send_buffer && t[i].host == sim::server_host) {
                level = test::field(t, i, "level");
                break;
            }
        }
        CHECK(level == 16384);
    }
    CHECK(received(t) == (1 << 20));
    // The event loop delivers the very same bytes.
    auto loop = s;
    loop.server.model = "event-loop";
    CHECK(received(test::run(loop)) == (1 << 20));
}

TEST_CASE("threads: the same load gets the same answers under both models", "[threads]") {
    auto s = threaded(20);
    s.clients.messages = 3;
    s.clients.message_bytes = 100;
    auto loop = s;
    loop.server.model = "event-loop";
    const auto t = test::run(s);
    const auto l = test::run(loop);
    CHECK(received(t) == 20 * 3 * 110);
    CHECK(received(t) == received(l));
    CHECK(test::count(t, Kind::client_done) == 20);
    const auto ts = trace::summarize(t);
    const auto ls = trace::summarize(l);
    CHECK(ts.latency_samples == 60);
    CHECK(ls.latency_samples == 60);
    CHECK(ts.handshakes == ls.handshakes);
    // The event loop has one thread and switches none; the threads switch.
    CHECK(ls.peak_threads == 1);
    CHECK(ls.context_switches == 0);
    CHECK(ls.peak_virtual_bytes == (8u << 20));
    CHECK(ls.peak_resident_bytes == 8192 + ls.peak_open_sockets * (4096 + 3700));
    CHECK(ts.context_switches > 0);
    CHECK(ts.peak_threads > 1);
}

TEST_CASE("threads: the same scenario gives the same trace bytes", "[threads]") {
    auto s = threaded(50);
    s.clients.messages = 2;
    s.server.cores = 2;
    CHECK(jsonl(test::run(s)) == jsonl(test::run(s)));
}

TEST_CASE("threads: the model and its fields are read and checked", "[threads][scenario]") {
    const std::string text = R"({"id": "t", "title": "T",
  "server": {"model": "thread-per-connection", "cores": 4, "time_slice_ns": 3000000,
             "context_switch_ns": 5000, "thread_stack_bytes": 1048576, "thread_resident_bytes": 16384}})";
    auto ok = sim::load_scenario_text(text, "t.json", {});
    REQUIRE(std::holds_alternative<sim::Scenario>(ok));
    const auto& s = std::get<sim::Scenario>(ok);
    CHECK(s.server.model == "thread-per-connection");
    CHECK(s.server.cores == 4);
    CHECK(s.server.time_slice_ns == 3'000'000);
    CHECK(s.server.context_switch_ns == 5'000);
    CHECK(s.server.thread_stack_bytes == (1u << 20));
    CHECK(s.server.thread_resident_bytes == 16384);
    CHECK(sim::Scenario{}.server.model == "event-loop");

    const std::string bad = R"({"id": "t", "title": "T",
  "server": {"model": "threads"}})";
    auto error = sim::load_scenario_text(bad, "bad.json", {});
    REQUIRE(std::holds_alternative<sim::ScenarioError>(error));
    CHECK(std::get<sim::ScenarioError>(error).text() ==
          "bad.json:2:23: field \"server.model\": expected one of \"event-loop\" or \"thread-per-connection\"");
    auto cores = sim::load_scenario_text(R"({"id": "t", "title": "T"})", "t.json", {"server.cores=0"});
    REQUIRE(std::holds_alternative<sim::ScenarioError>(cores));
    CHECK(std::get<sim::ScenarioError>(cores).text() == "--set server.cores=0: expected an integer from 1 to 1024");
}

TEST_CASE("threads: the lesson reserves 10,000 stacks and switches twice per connection", "[threads][lessons]") {
    const auto* lesson = sim::find_lesson("thread-per-connection");
    REQUIRE(lesson != nullptr);
    auto loaded = sim::load_lesson(*lesson);
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    const auto& s = std::get<sim::Scenario>(loaded);
    const auto threads = trace::summarize(test::run(s));
    CHECK(threads.handshakes == 10'000);
    CHECK(threads.peak_threads == 10'001);
    CHECK(threads.peak_virtual_bytes == 10'001ull * (8 << 20));  // the chapter's 80 GB
    CHECK(threads.context_switches == 2 * 10'000 - 1);
    CHECK(threads.switch_cpu_ns == static_cast<std::int64_t>(threads.context_switches) * 2'000);
    auto loop_scenario = s;
    loop_scenario.server.model = "event-loop";
    const auto loop = trace::summarize(test::run(loop_scenario));
    CHECK(loop.handshakes == 10'000);
    CHECK(loop.latency_samples == threads.latency_samples);
    CHECK(loop.peak_threads == 1);
    CHECK(loop.context_switches == 0);
    CHECK(loop.peak_resident_bytes < threads.peak_resident_bytes);
}

namespace {

// The text of every `data` field of one kind on one connection, in order.
std::string texts(const trace::Trace& t, Kind kind, std::int32_t conn) {
    std::string out;
    for (std::size_t i : test::find_all(t, kind, [&](const trace::Event& e) { return e.conn == conn; }))
        out += t.text(test::field(t, i, "data"));
    return out;
}

}  // namespace

TEST_CASE("threads: an HTTP request gets the very bytes Node's hello server writes", "[threads][http]") {
    for (const bool end_with_body : {false, true}) {
        CAPTURE(end_with_body);
        auto s = threaded(1);
        s.server.program = "hello";
        s.server.hello_end_with_body = end_with_body;
        s.clients.program = "http-get";
        auto loop = s;
        loop.server.model = "event-loop";
        const auto l = test::run(loop);
        const std::string request = texts(l, Kind::client_write, 1);
        const std::string node_bytes = texts(l, Kind::loop_write, 1);
        REQUIRE(request.rfind("GET / HTTP/1.1\r\n", 0) == 0);
        REQUIRE(node_bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
        // The same request, handed to a thread's handler within the same second.
        const auto handler = sim::make_thread_handler(s.server);
        CHECK(handler->on_bytes(1, request, 1'000'000) == node_bytes);
        CHECK_FALSE(handler->close_after_write(1));  // keep-alive
        // And the whole run: the client reads as many bytes from either server.
        const auto t = test::run(s);
        CHECK(received(t) == received(l));
        CHECK(received(t) == static_cast<std::int64_t>(node_bytes.size()));
    }
}

TEST_CASE("threads: HTTP/1.0 and bad requests close the connection after the answer", "[threads][http]") {
    auto params = sim::ServerParams{};
    params.program = "hello";
    const auto old = sim::make_thread_handler(params);
    const std::string answer = old->on_bytes(1, "GET / HTTP/1.0\r\n\r\n", 0);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
    CHECK(answer.find("Transfer-Encoding") == std::string::npos);
    CHECK(answer.substr(answer.size() - 11) == "Hello world");
    CHECK(old->close_after_write(1));
    const auto bad = sim::make_thread_handler(params);
    CHECK(bad->on_bytes(2, "BREW / HTTP/1.1\r\n\r\n", 0) == "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    CHECK(bad->close_after_write(2));
    // Two pipelined requests in one read get two answers, in order.
    const auto pipelined = sim::make_thread_handler(params);
    const std::string two = pipelined->on_bytes(3, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", 0);
    CHECK(two.find("HTTP/1.1 200 OK") != two.rfind("HTTP/1.1 200 OK"));
    CHECK_FALSE(pipelined->close_after_write(3));
}

TEST_CASE("threads: the explanations give the memory levels and the cost of a switch", "[threads][explain]") {
    const auto t = test::run(threaded(1));
    const auto spawn = test::find_all(t, Kind::threads_spawn)[1];
    CHECK(trace::explain(t, spawn) ==
          "Thread 2 is created to serve connection 1: 2 threads now reserve 16 MiB of stack address space; their "
          "stacks and 1 open socket use 20 KiB of memory.");
    const auto change = test::find_all(t, Kind::threads_switch)[0];
    CHECK(trace::explain(t, change).find("costs 2 µs of CPU that serves no request") != std::string::npos);
}
