// Node's behaviour on top of TCP, checked against ../shared/design/facts.md:
// write()'s return value, 'data' sizes, backpressure, the accept queue.
#include <catch2/catch.hpp>
#include <string>

#include "sim_test_support.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

sim::Scenario backpressure_scenario() {
    auto s = test::basic_scenario();
    s.server.program = "payload";
    s.server.payload_bytes = 1 << 20;
    s.server.chunk_bytes = 65536;
    s.clients.program = "slow-reader";
    s.clients.recv_buffer = 65536;
    s.clients.read_bytes = 16384;
    s.clients.read_interval_ns = 5'000'000;
    s.stop_ns = 60'000'000'000;
    return s;
}

// Records every byte the server receives.
struct Collector final : sim::ServerProgram {
    std::string* received;
    explicit Collector(std::string* out) : received(out) {}
    void on_data(sim::NodeApi&, std::int32_t, const std::string& chunk) override { received->append(chunk); }
};

}  // namespace

TEST_CASE("write() returns false exactly when user-space bytes reach highWaterMark", "[sim][node][facts]") {
    const auto t = test::run(backpressure_scenario());
    const auto writes = test::find_all(t, Kind::js_write);
    REQUIRE(writes.size() == 16);
    std::size_t falses = 0;
    for (std::size_t i : writes) {
        const bool returned = test::field(t, i, "returned") != 0;
        const auto length = test::field(t, i, "writable_length");
        const auto hwm = test::field(t, i, "high_water_mark");
        REQUIRE(hwm == 16384);
        REQUIRE(returned == (length < hwm));
        falses += returned ? 0 : 1;
    }
    REQUIRE(falses > 0);
    // The first write fits in the empty 16 KiB send buffer only in part, so
    // the whole 64 KiB chunk counts in writableLength (as Node measured).
    REQUIRE(test::field(t, writes[0], "returned") == 0);
    REQUIRE(test::field(t, writes[0], "writable_length") == 65536);
    // Every false is answered by a 'drain' before the next write.
    REQUIRE(test::count(t, Kind::js_drain) == falses);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    REQUIRE(test::field(t, done[0], "received") == (1 << 20));
}

TEST_CASE("write() returns true while the kernel takes everything", "[sim][node][facts]") {
    auto s = backpressure_scenario();
    s.server.send_buffer = 1 << 20;  // like Linux after autotuning
    s.server.payload_bytes = 4 << 20;
    const auto t = test::run(s);
    const auto writes = test::find_all(t, Kind::js_write);
    REQUIRE(writes.size() > 16);
    // 16 chunks of 64 KiB fill the 1 MiB send buffer; the 17th stays in user space.
    for (std::size_t k = 0; k < 16; ++k) REQUIRE(test::field(t, writes[k], "returned") == 1);
    REQUIRE(test::field(t, writes[16], "returned") == 0);
    REQUIRE(test::field(t, writes[16], "writable_length") == 65536);
}

TEST_CASE("a slow reader's full buffer stalls the sender until it reads", "[sim][node][tcp]") {
    const auto t = test::run(backpressure_scenario());
    const auto zero = test::find_all(t, Kind::kernel_zero_window);
    const auto stall = test::find_all(t, Kind::kernel_window_stall);
    const auto update = test::find_all(t, Kind::kernel_window_update);
    REQUIRE(!zero.empty());
    REQUIRE(!stall.empty());
    REQUIRE(!update.empty());
    REQUIRE(t[zero[0]].host == sim::client_host);
    REQUIRE(t[stall[0]].host == sim::server_host);
    REQUIRE(update[0] > stall[0]);
    // After the first window update the server sends data again.
    const auto resumed = test::find_all(t, Kind::wire_segment, [&](const trace::Event& e) {
        return e.host == sim::server_host && t.arg(e, "len") > 0;
    });
    REQUIRE(std::any_of(resumed.begin(), resumed.end(), [&](std::size_t i) { return i > update[0]; }));
    // While stalled the receive buffer is exactly full.
    REQUIRE(test::max_field(t, Kind::kernel_recv_buffer, "level") == 65536);
}

TEST_CASE("'data' events carry at most 64 KiB, sized by what had arrived", "[sim][node][facts]") {
    auto s = test::basic_scenario();
    s.server.program = "sink";
    s.clients.program = "uploader";
    s.clients.upload_bytes = 1 << 20;
    s.clients.send_buffer = 1 << 20;
    s.server.recv_buffer = 1 << 20;
    const auto t = test::run(s);
    REQUIRE(test::sum_field(t, Kind::js_data, "bytes") == (1 << 20));
    REQUIRE(test::max_field(t, Kind::js_data, "bytes") <= 65536);
    const auto reads = test::find_all(t, Kind::js_data);
    REQUIRE(reads.size() >= 16);
    bool short_chunk = false;
    for (std::size_t i : reads) short_chunk = short_chunk || test::field(t, i, "bytes") < 65536;
    REQUIRE(short_chunk);
}

TEST_CASE("the same bytes give the same 'data' total at every segment and write size", "[sim][node][split]") {
    const std::uint32_t mss = GENERATE(1u, 2u, 7u, 100u, 536u, 1460u, 9000u);
    const std::uint64_t send_buffer = GENERATE(1u, 13u, 4096u, 16384u);
    auto s = test::basic_scenario();
    s.clients.program = "uploader";
    s.clients.upload_bytes = 3000;
    s.clients.send_buffer = send_buffer;
    s.network.mss = mss;
    s.stop_ns = 600'000'000'000;
    std::string received;
    const auto t = test::run(s, std::make_unique<Collector>(&received));
    std::string expected;
    const std::string pattern = "Hello from a loopscope client! ";
    while (expected.size() < 3000) expected += pattern;
    expected.resize(3000);
    INFO("mss " << mss << " send buffer " << send_buffer);
    REQUIRE(received == expected);
    REQUIRE(test::sum_field(t, Kind::js_data, "bytes") == 3000);
    REQUIRE(test::final_state(t, 1, sim::server_host) == trace::TcpState::closed);
    // The client closed first, so it waited in TIME_WAIT (60 s) before CLOSED.
    REQUIRE(test::final_state(t, 1, sim::client_host) == trace::TcpState::closed);
    REQUIRE(!test::find_all(t, Kind::kernel_tcp_state, [&](const trace::Event& e) {
                 return e.host == sim::client_host && t.arg(e, "state") == static_cast<int>(trace::TcpState::time_wait);
             }).empty());
}

TEST_CASE("the accept queue overflows at backlog+1: the final ACK is dropped", "[sim][tcp][facts]") {
    auto s = test::basic_scenario();
    s.server.backlog = 2;
    s.server.cpu_per_callback_ns = 5'000'000;  // a busy server accepts slowly
    s.clients.count = 12;
    s.clients.start_interval_ns = 100'000;
    s.stop_ns = 120'000'000'000;
    const auto t = test::run(s);
    const auto dropped = test::find_all(t, Kind::kernel_ack_dropped);
    REQUIRE(!dropped.empty());
    for (std::size_t i : dropped) REQUIRE(test::field(t, i, "len") == 3);
    REQUIRE(test::max_field(t, Kind::kernel_accept_queue, "len") == 3);
    REQUIRE(test::count(t, Kind::kernel_synack_retransmit) > 0);
    // Everyone is served in the end.
    REQUIRE(test::count(t, Kind::client_done) == 12);
}

TEST_CASE("each loop iteration walks the libuv phases in order", "[sim][loop]") {
    const auto t = test::run(test::basic_scenario());
    const trace::LoopPhase order[] = {trace::LoopPhase::timers, trace::LoopPhase::pending, trace::LoopPhase::idle,
                                      trace::LoopPhase::prepare, trace::LoopPhase::poll, trace::LoopPhase::check,
                                      trace::LoopPhase::close};
    int expected = 0;
    std::size_t phases = 0;
    for (std::size_t i : test::find_all(t, Kind::loop_phase)) {
        REQUIRE(test::field(t, i, "phase") == static_cast<int>(order[expected]));
        expected = (expected + 1) % 7;
        ++phases;
    }
    REQUIRE(phases >= 14);
    REQUIRE(test::count(t, Kind::loop_iteration) >= 2);
}

TEST_CASE("a socket that already sent its FIN closes when the peer's FIN arrives", "[sim][node][regression]") {
    // Regression: the payload server ends first; when the slow reader's FIN
    // came, Node read EOF but never closed the socket, and level-triggered
    // epoll kept reporting it readable: the loop spun without blocking.
    const auto t = test::run(backpressure_scenario());
    REQUIRE(test::count(t, Kind::js_end) == 1);
    REQUIRE(test::count(t, Kind::js_close) == 1);
    REQUIRE(test::count(t, Kind::loop_iteration) < 1000);
    // After the close, the loop blocks with nothing left to watch but the listener.
    const auto waits = test::find_all(t, Kind::notifier_wait);
    REQUIRE(test::field(t, waits.back(), "timeout") == -1);
    REQUIRE(test::field(t, waits.back(), "watched") == 1);
}
