// The state at a cursor: what apply() folds from each kind, and a
// reference-model test of Cursor (keyframes + folding) against a plain fold
// from the first event, at random indices in both directions.
#include <catch2/catch.hpp>

#include <random>

#include "trace_test_support.hpp"
#include "trace/state.hpp"

using namespace loopscope;
using namespace loopscope::trace;

namespace {

bool same(const EndpointState& a, const EndpointState& b) {
    return a.seen == b.seen && a.tcp == b.tcp && a.send_level == b.send_level && a.send_unsent == b.send_unsent &&
           a.send_capacity == b.send_capacity && a.recv_level == b.recv_level && a.recv_capacity == b.recv_capacity &&
           a.window == b.window && a.peer_window == b.peer_window && a.writable_length == b.writable_length &&
           a.high_water_mark == b.high_water_mark && a.write_returned_false == b.write_returned_false &&
           a.stalled == b.stalled && a.fin_received == b.fin_received && a.bytes_read == b.bytes_read &&
           a.bytes_written == b.bytes_written && a.handle_closed == b.handle_closed;
}

bool same(const WorldState& a, const WorldState& b) {
    if (a.applied != b.applied || a.time != b.time || a.caption_step != b.caption_step ||
        a.caption_text != b.caption_text)
        return false;
    if (a.connections.size() != b.connections.size() || a.listeners.size() != b.listeners.size()) return false;
    for (const auto& [id, c] : a.connections) {
        const auto it = b.connections.find(id);
        if (it == b.connections.end() || it->second.id != c.id || it->second.in_flight != c.in_flight ||
            !same(it->second.client, c.client) || !same(it->second.server, c.server))
            return false;
    }
    for (const auto& [id, l] : a.listeners) {
        const auto it = b.listeners.find(id);
        if (it == b.listeners.end() || it->second.id != l.id || it->second.syn_queue != l.syn_queue ||
            it->second.syn_max != l.syn_max || it->second.accept_queue != l.accept_queue ||
            it->second.backlog != l.backlog)
            return false;
    }
    const LoopState& x = a.loop;
    const LoopState& y = b.loop;
    return x.phase == y.phase && x.iteration == y.iteration && x.blocked == y.blocked &&
           x.poll_timeout == y.poll_timeout && x.next_tick == y.next_tick && x.microtasks == y.microtasks &&
           x.immediates == y.immediates && x.timers == y.timers && x.in_callback == y.in_callback &&
           x.exited == y.exited && a.pool.workers == b.pool.workers && a.pool.queued == b.pool.queued;
}

// Random events of every kind with values in their valid ranges.
Trace random_trace(std::size_t events, std::uint32_t seed) {
    std::mt19937 rng(seed);
    const auto pick = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    Trace t;
    t.header = test::small_world_header();
    const auto kinds = all_kinds();
    for (std::size_t i = 0; i < events; ++i) {
        const KindSpec& spec = kinds[static_cast<std::size_t>(pick(0, kind_count - 1))];
        std::vector<std::int64_t> values;
        for (const FieldSpec& f : spec.fields) {
            switch (f.type) {
                case FieldType::count:
                    // listener ids and worker numbers stay small so they repeat
                    values.push_back(f.name == "listener" || f.name == "worker" ? pick(1, 3) : pick(0, 600));
                    break;
                case FieldType::bytes: values.push_back(pick(0, 1 << 20)); break;
                case FieldType::nanos: values.push_back(pick(-1, 5000000)); break;
                case FieldType::flag: values.push_back(pick(0, 1)); break;
                case FieldType::text: values.push_back(t.intern("caption " + std::to_string(pick(0, 5)))); break;
                case FieldType::tcp_flags: values.push_back(pick(0, 0x1f)); break;
                default: values.push_back(pick(0, static_cast<std::int64_t>(enum_names(f.type).size()) - 1)); break;
            }
        }
        const auto conn = pick(0, 5) == 0 ? no_conn : static_cast<std::int32_t>(pick(1, 6));
        t.append(static_cast<Nanos>(i * 100), spec.kind, static_cast<std::uint8_t>(pick(0, 1)), conn, no_event, values);
    }
    return t;
}

WorldState fold(const Trace& t, std::size_t through) {
    WorldState state;
    for (std::size_t i = 0; i <= through && i < t.size(); ++i) apply(state, t, t[i]);
    return state;
}

// Applies a list of events to a fresh state.
struct World {
    Trace trace;
    WorldState state;
    World() { trace.header = test::small_world_header(); }
    World& on(Kind kind, std::uint8_t host, std::int32_t conn, std::initializer_list<std::int64_t> values) {
        trace.append(0, kind, host, conn, no_event, values);
        apply(state, trace, trace[trace.size() - 1]);
        return *this;
    }
};

constexpr std::uint8_t server = 0;
constexpr std::uint8_t client = 1;

}  // namespace

TEST_CASE("Cursor::state_at equals a plain fold, at random indices both ways", "[trace][state]") {
    const Trace t = random_trace(3000, 42);
    const std::size_t interval = GENERATE(1, 3, 7, 64, 1000, 5000);
    const Cursor cursor(t, interval);
    CHECK(cursor.keyframe_interval() == interval);
    std::mt19937 rng(interval);
    std::vector<std::size_t> indices = {0, 1, interval - 1, interval, interval + 1, t.size() - 1};
    for (int i = 0; i < 60; ++i) indices.push_back(std::uniform_int_distribution<std::size_t>(0, t.size() - 1)(rng));
    // Forward, then backward, then in random order.
    std::vector<std::size_t> order = indices;
    std::sort(order.begin(), order.end());
    std::vector<std::size_t> backward(order.rbegin(), order.rend());
    for (const auto& sequence : {order, backward, indices}) {
        for (const std::size_t index : sequence) {
            if (index >= t.size()) continue;
            INFO("interval " << interval << ", index " << index);
            const WorldState expected = fold(t, index);
            REQUIRE(expected.applied == index + 1);
            REQUIRE(same(cursor.state_at(index), expected));
        }
    }
    // Past the end means the last event.
    CHECK(same(cursor.state_at(t.size() + 10), fold(t, t.size() - 1)));
}

TEST_CASE("Cursor picks an interval from the trace and copes with an empty one", "[trace][state]") {
    const Trace t = random_trace(5000, 7);
    const Cursor automatic(t);
    CHECK(automatic.keyframe_interval() >= 1024);
    CHECK(same(automatic.state_at(4321), fold(t, 4321)));
    Trace empty;
    const Cursor none(empty);
    CHECK(none.state_at(0).applied == 0);
}

TEST_CASE("buffers and TCP states land on the right end of the connection", "[trace][state]") {
    World w;
    w.on(Kind::kernel_tcp_state, server, 1, {static_cast<std::int64_t>(TcpState::established), 3})
        .on(Kind::kernel_recv_buffer, server, 1, {1460, 131072, 129612})
        .on(Kind::kernel_send_buffer, client, 1, {5000, 2000, 16384, 129612})
        .on(Kind::kernel_send_buffer, server, 1, {700, 0, 16384, 65535});
    const ConnectionState& c = w.state.connections.at(1);
    CHECK(c.server.tcp == TcpState::established);
    CHECK(c.client.tcp == TcpState::closed);
    CHECK(c.server.recv_level == 1460);
    CHECK(c.server.window == 129612);
    CHECK(c.client.send_unsent == 2000);
    CHECK(c.client.peer_window == 129612);
    CHECK(c.in_flight == 3000 + 700);  // sent but unacknowledged, both directions
    CHECK(c.server.seen);
}

TEST_CASE("a CLOSED end holds no bytes, and a closed handle is marked", "[trace][state]") {
    // A real run measures nothing after close(): the last levels it saw must
    // not linger in the inspector once the socket is gone.
    World w;
    w.on(Kind::kernel_tcp_state, server, 1, {static_cast<std::int64_t>(TcpState::established), 0})
        .on(Kind::kernel_send_buffer, server, 1, {62603, 0, 32768, 65535})
        .on(Kind::kernel_recv_buffer, server, 1, {1460, 131072, 129612})
        .on(Kind::js_close, server, 1, {0, 0});
    const ConnectionState& open = w.state.connections.at(1);
    CHECK(open.server.handle_closed);
    CHECK_FALSE(open.client.handle_closed);
    CHECK(open.server.send_level == 62603);  // the kernel may still be sending
    w.on(Kind::kernel_tcp_state, server, 1,
         {static_cast<std::int64_t>(TcpState::closed), static_cast<std::int64_t>(TcpState::established)});
    const ConnectionState& c = w.state.connections.at(1);
    CHECK(c.server.send_level == 0);
    CHECK(c.server.recv_level == 0);
    CHECK(c.in_flight == 0);
    w.on(Kind::client_close, client, 1, {});
    CHECK(w.state.connections.at(1).client.handle_closed);
}

TEST_CASE("write() returning false waits for 'drain'", "[trace][state]") {
    World w;
    w.on(Kind::js_write, server, 2, {65536, 0, 49152, 16384});
    CHECK(w.state.connections.at(2).server.write_returned_false);
    CHECK(w.state.connections.at(2).server.writable_length == 49152);
    w.on(Kind::js_write, server, 2, {10, 1, 10, 16384});  // a later true does not end the wait
    CHECK(w.state.connections.at(2).server.write_returned_false);
    w.on(Kind::js_drain, server, 2, {1000});
    CHECK_FALSE(w.state.connections.at(2).server.write_returned_false);
    CHECK(w.state.connections.at(2).server.writable_length == 0);
    CHECK(w.state.loop.in_callback);
    w.on(Kind::loop_phase, server, no_conn, {static_cast<std::int64_t>(LoopPhase::check), 4});
    CHECK_FALSE(w.state.loop.in_callback);
    CHECK(w.state.loop.phase == LoopPhase::check);
    CHECK(w.state.loop.iteration == 4);
}

TEST_CASE("a zero-window stall ends with the receiver's window update", "[trace][state]") {
    World w;
    w.on(Kind::kernel_window_stall, server, 1, {0, 70000});
    CHECK(w.state.connections.at(1).server.stalled);
    w.on(Kind::kernel_window_update, client, 1, {65536, 0});
    CHECK_FALSE(w.state.connections.at(1).server.stalled);
    CHECK(w.state.connections.at(1).server.peer_window == 65536);
    CHECK(w.state.connections.at(1).client.window == 65536);
}

TEST_CASE("listeners, the loop, queues, the pool and captions", "[trace][state]") {
    World w;
    const std::int64_t caption = w.trace.intern("Watch the accept queue.");
    w.on(Kind::kernel_syn_queue, server, 4, {1, 1, 128})
        .on(Kind::kernel_accept_queue, server, 4, {1, 2, 511})
        .on(Kind::loop_accept, server, 4, {1, 1, 511})
        .on(Kind::notifier_wait, server, no_conn, {0, -1, 2})
        .on(Kind::js_queues, server, no_conn, {1, 2, 3, 4})
        .on(Kind::pool_submit, server, no_conn, {9, 1, 1000})
        .on(Kind::pool_start, server, no_conn, {9, 6, 0})
        .on(Kind::note_caption, server, no_conn, {caption, 3})
        .on(Kind::client_read, client, 4, {100, 500, 0})
        .on(Kind::loop_read, server, 4, {1460, 0, 0, 0})
        .on(Kind::loop_read, server, 4, {40, 0, 0, 0});
    const ListenerState& l = w.state.listeners.at(1);
    CHECK(l.syn_queue == 1);
    CHECK(l.syn_max == 128);
    CHECK(l.accept_queue == 1);
    CHECK(l.backlog == 511);
    CHECK(w.state.loop.blocked);
    CHECK(w.state.loop.immediates == 3);
    REQUIRE(w.state.pool.workers.size() == 6);  // grown to the highest worker seen
    CHECK(w.state.pool.workers[5] == 9);
    CHECK(w.state.pool.workers[0] == -1);
    CHECK(w.state.caption_step == 3);
    CHECK(w.trace.text(w.state.caption_text) == "Watch the accept queue.");
    CHECK(w.state.connections.at(4).client.bytes_read == 500);
    CHECK(w.state.connections.at(4).server.bytes_read == 1500);
    w.on(Kind::notifier_wake, server, no_conn, {0, 1, 1000}).on(Kind::pool_done, server, no_conn, {9, 6, 0});
    CHECK_FALSE(w.state.loop.blocked);
    CHECK(w.state.pool.workers[5] == -1);
    CHECK(w.state.applied == 13);
}
