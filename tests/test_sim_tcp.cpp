// TCP on its own: a Tcp with a test observer, driven by hand, so each rule
// (handshake, FIN, half-close, RST, TIME_WAIT) is checked without a loop.
#include <catch2/catch.hpp>

#include "sim/simulation.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using sim::Side;
using trace::Kind;
using trace::TcpState;

namespace {

struct Notes final : sim::SocketObserver {
    int readable[2] = {0, 0};
    int connected = 0;
    int acceptable = 0;
    void on_readable(trace::Nanos, std::int32_t, Side side, std::uint32_t) override { ++readable[static_cast<int>(side)]; }
    void on_writable(trace::Nanos, std::int32_t, Side, std::uint32_t) override {}
    void on_connected(trace::Nanos, std::int32_t, std::uint32_t) override { ++connected; }
    void on_acceptable(trace::Nanos, std::uint32_t, std::uint32_t) override { ++acceptable; }
};

struct TcpWorld {
    sim::Scenario scenario = test::basic_scenario();
    sim::Scheduler scheduler;
    sim::Rng rng{1};
    sim::Recorder recorder{scenario};
    sim::Network network{scenario.network};
    Notes notes;
    sim::Tcp tcp{scheduler, recorder, network, rng, notes};
    trace::Nanos now = 0;

    void run_until(trace::Nanos until) {
        sim::Action a;
        while (!scheduler.empty() && scheduler.peek().at <= until && scheduler.pop(a)) {
            now = a.at;
            if (a.type == sim::ActionType::segment_arrive) tcp.arrive(a.at, a.target);
            if (a.type == sim::ActionType::tcp_timer) tcp.timer_fired(a.at, a.target, a.arg);
        }
        now = until;
    }
    std::int32_t connected_pair() {
        tcp.listen(0, 3000, 8);
        const auto conn = tcp.connect(0, 3000, 16384, 131072, 16384, 131072, trace::no_event);
        run_until(1'000'000);
        REQUIRE(tcp.accept(now, 1, trace::no_event) == conn);
        return conn;
    }
};

}  // namespace

TEST_CASE("the 3-way handshake moves a connection through the SYN and accept queues", "[sim][tcp]") {
    TcpWorld w;
    const auto conn = w.connected_pair();
    auto t = w.recorder.take();
    REQUIRE(w.notes.connected == 1);
    REQUIRE(w.notes.acceptable == 1);
    const auto segments = test::find_all(t, Kind::wire_segment);
    REQUIRE(segments.size() >= 3);
    REQUIRE(test::field(t, segments[0], "flags") == trace::tcp_syn);
    REQUIRE(test::field(t, segments[1], "flags") == (trace::tcp_syn | trace::tcp_ack));
    REQUIRE(test::field(t, segments[2], "flags") == trace::tcp_ack);
    const auto syn_queue = test::find_all(t, Kind::kernel_syn_queue);
    REQUIRE(syn_queue.size() == 2);
    REQUIRE(test::field(t, syn_queue[0], "len") == 1);
    REQUIRE(test::field(t, syn_queue[1], "len") == 0);
    const auto accept_queue = test::find_all(t, Kind::kernel_accept_queue);
    REQUIRE(accept_queue.size() == 1);
    REQUIRE(test::field(t, accept_queue[0], "len") == 1);
    REQUIRE(test::final_state(t, conn, sim::client_host) == TcpState::established);
    REQUIRE(test::final_state(t, conn, sim::server_host) == TcpState::established);
    // Every event names an earlier event as its cause, or none.
    for (std::size_t i = 0; i < t.size(); ++i) REQUIRE((t[i].cause == trace::no_event || t[i].cause < i));
}

TEST_CASE("FIN, half-close, and TIME_WAIT for the side that closes first", "[sim][tcp]") {
    TcpWorld w;
    const auto conn = w.connected_pair();
    // The client finishes sending; the server may still send (half-close).
    w.tcp.shutdown(w.now, conn, Side::client, trace::no_event);
    w.run_until(2'000'000);
    REQUIRE(w.tcp.end(conn, Side::server).fin_received);
    REQUIRE(w.tcp.end(conn, Side::server).state == TcpState::close_wait);
    REQUIRE(w.tcp.end(conn, Side::client).state == TcpState::fin_wait_2);
    REQUIRE(w.tcp.write(w.now, conn, Side::server, "still talking", trace::no_event) == 13);
    w.run_until(3'000'000);
    REQUIRE(w.tcp.read(w.now, conn, Side::client, 100, trace::no_event) == "still talking");
    w.tcp.close(w.now, conn, Side::server, trace::no_event);
    w.run_until(4'000'000);
    REQUIRE(w.tcp.end(conn, Side::server).state == TcpState::closed);
    REQUIRE(w.tcp.end(conn, Side::client).state == TcpState::time_wait);
    const auto entered = w.now;
    w.run_until(entered + sim::time_wait_ns + 1'000'000);
    REQUIRE(w.tcp.end(conn, Side::client).state == TcpState::closed);
    auto t = w.recorder.take();
    const auto states = test::find_all(t, Kind::kernel_tcp_state, [&](const trace::Event& e) { return e.host == sim::client_host; });
    const auto time_wait = std::find_if(states.begin(), states.end(), [&](std::size_t i) { return test::field(t, i, "state") == static_cast<int>(TcpState::time_wait); });
    REQUIRE(time_wait != states.end());
    REQUIRE(t[states.back()].time - t[*time_wait].time == sim::time_wait_ns);
}

TEST_CASE("writing to a peer that closed its socket gets RST and ECONNRESET", "[sim][tcp]") {
    TcpWorld w;
    const auto conn = w.connected_pair();
    w.tcp.close(w.now, conn, Side::client, trace::no_event);  // close(), not just shutdown
    w.run_until(2'000'000);
    REQUIRE(w.tcp.write(w.now, conn, Side::server, "anyone there?", trace::no_event) == 13);
    w.run_until(3'000'000);
    const auto& server = w.tcp.end(conn, Side::server);
    REQUIRE(server.error == trace::ErrorCode::econnreset);
    REQUIRE(server.state == TcpState::closed);
    auto t = w.recorder.take();
    const auto resets = test::find_all(t, Kind::kernel_reset);
    REQUIRE(resets.size() == 1);
    REQUIRE(t[resets[0]].host == sim::client_host);
    REQUIRE(test::field(t, resets[0], "reason") == static_cast<int>(trace::ResetReason::data_for_closed_socket));
    // Writing again fails at once: the kernel takes nothing.
    REQUIRE(w.tcp.write(w.now, conn, Side::server, "again", trace::no_event) == 0);
}

TEST_CASE("closing with unread data aborts the connection with RST", "[sim][tcp]") {
    TcpWorld w;
    const auto conn = w.connected_pair();
    w.tcp.write(w.now, conn, Side::client, "unread", trace::no_event);
    w.run_until(2'000'000);
    w.tcp.close(w.now, conn, Side::server, trace::no_event);
    w.run_until(3'000'000);
    REQUIRE(w.tcp.end(conn, Side::client).error == trace::ErrorCode::econnreset);
}

TEST_CASE("connecting to a port nobody listens on is refused", "[sim][tcp]") {
    TcpWorld w;
    w.tcp.listen(0, 3000, 8);
    const auto conn = w.tcp.connect(0, 4000, 16384, 131072, 16384, 131072, trace::no_event);
    w.run_until(1'000'000);
    REQUIRE(w.tcp.end(conn, Side::client).error == trace::ErrorCode::econnrefused);
}

TEST_CASE("a lost segment is sent again after the retransmission timeout", "[sim][tcp]") {
    auto s = test::basic_scenario();
    s.network.loss = 0.2;
    s.seed = 5;
    s.clients.message_bytes = 20000;
    s.clients.messages = 3;
    s.stop_ns = 60'000'000'000;
    const auto t = test::run(s);
    REQUIRE(!test::find_all(t, Kind::wire_segment, [&](const trace::Event& e) { return t.arg(e, "lost") == 1; }).empty());
    const auto retransmits = test::find_all(t, Kind::kernel_retransmit);
    REQUIRE(!retransmits.empty());
    REQUIRE(test::field(t, retransmits[0], "rto") >= sim::min_rto_ns);
    REQUIRE(!test::find_all(t, Kind::wire_segment, [&](const trace::Event& e) { return t.arg(e, "retransmit") == 1; }).empty());
    // Despite the losses every byte arrives, in order: the server reads all
    // 60,000 bytes and the client gets each 'data' chunk back with the
    // 10-byte "You said: " prefix.
    REQUIRE(test::sum_field(t, Kind::js_data, "bytes") == 60000);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    REQUIRE(test::field(t, done[0], "received") ==
            60000 + 10 * static_cast<std::int64_t>(test::count(t, Kind::js_data)));
}
