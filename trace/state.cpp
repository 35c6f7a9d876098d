// The state at a cursor. Events carry absolute levels, so apply() mostly
// copies the latest value of each quantity; the few running totals
// (bytes read and written by the server's program) are why a Cursor starts
// from a keyframe and folds forward instead of looking values up.
//
// in_flight: payload bytes sent but not yet acknowledged, both directions,
// computed from the latest send-buffer levels (level - unsent on each end).
// That counts bytes that have arrived but whose ACK is still on its way, so
// it is slightly more than "on the wire", but it needs no arrival times and
// stays a pure function of the latest events.
#include "trace/state.hpp"

#include <algorithm>

namespace loopscope::trace {
namespace {

std::uint64_t level(std::int64_t value) { return value < 0 ? 0 : static_cast<std::uint64_t>(value); }

bool on_server(const Trace& trace, const Event& e) {
    return e.host < trace.header.hosts.size() && trace.header.hosts[e.host].role == "server";
}

ConnectionState* connection(WorldState& state, const Event& e) {
    if (e.conn == no_conn) return nullptr;
    auto [it, inserted] = state.connections.try_emplace(e.conn);
    if (inserted) it->second.id = e.conn;
    return &it->second;
}

// The end of the connection that the event happened on.
EndpointState* endpoint(WorldState& state, const Trace& trace, const Event& e) {
    ConnectionState* c = connection(state, e);
    if (c == nullptr) return nullptr;
    EndpointState& end = on_server(trace, e) ? c->server : c->client;
    end.seen = true;
    return &end;
}

EndpointState* other_endpoint(WorldState& state, const Trace& trace, const Event& e) {
    ConnectionState* c = connection(state, e);
    if (c == nullptr) return nullptr;
    return on_server(trace, e) ? &c->client : &c->server;
}

ListenerState& listener(WorldState& state, std::int64_t id) {
    const auto key = static_cast<std::uint32_t>(id);
    auto [it, inserted] = state.listeners.try_emplace(key);
    if (inserted) it->second.id = key;
    return it->second;
}

void update_in_flight(ConnectionState& c) {
    const auto sent = [](const EndpointState& e) { return e.send_level > e.send_unsent ? e.send_level - e.send_unsent : 0; };
    c.in_flight = sent(c.client) + sent(c.server);
}

void set_worker(PoolState& pool, std::int64_t worker, std::int64_t job) {
    if (worker < 1 || worker > 4096) return;  // worker numbers start at 1; guard against absurd input
    const auto index = static_cast<std::size_t>(worker - 1);
    if (pool.workers.size() <= index) pool.workers.resize(index + 1, -1);
    pool.workers[index] = job;
}

}  // namespace

void apply(WorldState& state, const Trace& trace, const Event& e) {
    ++state.applied;
    state.time = e.time;
    const auto a = trace.args(e);
    switch (e.kind) {
        case Kind::note_caption:
            state.caption_text = a[0];
            state.caption_step = level(a[1]);
            break;
        case Kind::client_write:
            if (EndpointState* end = endpoint(state, trace, e)) end->bytes_written = level(a[2]);
            break;
        case Kind::client_read:
            if (EndpointState* end = endpoint(state, trace, e)) end->bytes_read = level(a[1]);
            break;
        case Kind::kernel_tcp_state:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->tcp = static_cast<TcpState>(a[0]);
                // A CLOSED socket has no buffers; nothing may record them
                // empty afterwards (a real run stops measuring at close).
                if (end->tcp == TcpState::closed) {
                    end->send_level = end->send_unsent = end->recv_level = 0;
                    end->writable_length = 0;
                    update_in_flight(*connection(state, e));
                }
            }
            break;
        case Kind::client_close:
        case Kind::js_close:
            if (EndpointState* end = endpoint(state, trace, e)) end->handle_closed = true;
            break;
        case Kind::kernel_syn_queue: {
            ListenerState& l = listener(state, a[0]);
            l.syn_queue = level(a[1]);
            l.syn_max = level(a[2]);
            break;
        }
        case Kind::kernel_accept_queue:
        case Kind::kernel_ack_dropped:
        case Kind::loop_accept: {
            ListenerState& l = listener(state, a[0]);
            l.accept_queue = level(a[1]);
            l.backlog = level(a[2]);
            if (e.kind == Kind::loop_accept) connection(state, e);
            break;
        }
        case Kind::kernel_recv_buffer:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->recv_level = level(a[0]);
                end->recv_capacity = level(a[1]);
                end->window = level(a[2]);
            }
            break;
        case Kind::kernel_send_buffer:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->send_level = level(a[0]);
                end->send_unsent = level(a[1]);
                end->send_capacity = level(a[2]);
                end->peer_window = level(a[3]);
                update_in_flight(*connection(state, e));
            }
            break;
        case Kind::kernel_zero_window:
            if (EndpointState* end = endpoint(state, trace, e)) end->window = level(a[0]);
            break;
        case Kind::kernel_window_stall:
            // The sender records the stall; the receiver's window_update ends it.
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->stalled = true;
                end->peer_window = level(a[0]);
            }
            break;
        case Kind::kernel_window_update:
            if (EndpointState* end = endpoint(state, trace, e)) end->window = level(a[0]);
            if (EndpointState* sender = other_endpoint(state, trace, e)) {
                sender->stalled = false;
                sender->peer_window = level(a[0]);
            }
            break;
        case Kind::kernel_fin_received:
            if (EndpointState* end = endpoint(state, trace, e)) end->fin_received = true;
            break;
        case Kind::notifier_wait: state.loop.blocked = true; break;
        case Kind::notifier_wake: state.loop.blocked = false; break;
        case Kind::loop_iteration: state.loop.iteration = level(a[0]); break;
        case Kind::loop_phase:
            state.loop.phase = static_cast<LoopPhase>(a[0]);
            state.loop.iteration = level(a[1]);
            break;
        case Kind::loop_poll_timeout: state.loop.poll_timeout = a[0]; break;
        case Kind::loop_read:
            if (EndpointState* end = endpoint(state, trace, e)) end->bytes_read += level(a[0]);
            break;
        case Kind::loop_write:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->bytes_written += level(a[1]);
                // Each chunk that reaches the kernel in full leaves user space.
                end->writable_length = level(a[3]);
            }
            break;
        case Kind::loop_exit: state.loop.exited = true; break;
        case Kind::js_write:
            if (EndpointState* end = endpoint(state, trace, e)) {
                // Once write() has returned false Node waits for 'drain',
                // even if a later write() returns true again.
                end->write_returned_false = end->write_returned_false || a[1] == 0;
                end->writable_length = level(a[2]);
                end->high_water_mark = level(a[3]);
            }
            break;
        case Kind::js_end_call:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->writable_length = level(a[0]);
                end->high_water_mark = level(a[1]);
            }
            break;
        case Kind::js_drain:
            if (EndpointState* end = endpoint(state, trace, e)) {
                end->write_returned_false = false;
                end->writable_length = 0;
            }
            break;
        case Kind::js_queues:
            state.loop.next_tick = level(a[0]);
            state.loop.microtasks = level(a[1]);
            state.loop.immediates = level(a[2]);
            state.loop.timers = level(a[3]);
            break;
        case Kind::pool_submit: state.pool.queued = level(a[1]); break;
        case Kind::pool_start:
            set_worker(state.pool, a[1], a[0]);
            state.pool.queued = level(a[2]);
            break;
        case Kind::pool_done:
            set_worker(state.pool, a[1], -1);
            state.pool.queued = level(a[2]);
            break;
        default:
            // Events without a level of their own still show that a
            // connection exists.
            connection(state, e);
            break;
    }
    // A JavaScript callback is running from its js event until the loop or
    // the notifier does something again.
    const Lane lane = kind_spec(e.kind).lane;
    if (lane == Lane::js) {
        if (field_index(e.kind, "dur") >= 0) state.loop.in_callback = true;  // callbacks carry their duration
    } else if (lane == Lane::loop || lane == Lane::notifier) {
        state.loop.in_callback = false;
    }
}

namespace {

// About how many bytes a copy of `state` occupies, map nodes included.
std::size_t snapshot_bytes(const WorldState& state) {
    constexpr std::size_t map_node = 4 * sizeof(void*);
    return sizeof(WorldState) + state.connections.size() * (sizeof(ConnectionState) + sizeof(std::int32_t) + map_node) +
           state.listeners.size() * (sizeof(ListenerState) + sizeof(std::uint32_t) + map_node) +
           state.pool.workers.size() * sizeof(std::int64_t);
}

}  // namespace

Cursor::Cursor(const Trace& trace, std::size_t keyframe_interval) : trace_(&trace), interval_(keyframe_interval) {
    if (interval_ == 0) {
        // Keyframes cost about one snapshot per interval; the final state is
        // the largest, so sizing from it keeps them near 8 bytes per event.
        WorldState final_state;
        for (const Event& e : trace.events()) apply(final_state, trace, e);
        interval_ = std::max<std::size_t>(1024, snapshot_bytes(final_state) / 8);
    }
    WorldState state;
    keyframes_.reserve(trace.size() / interval_ + 1);
    keyframes_.push_back(state);
    for (std::size_t i = 0; i < trace.size(); ++i) {
        apply(state, trace, trace[i]);
        if ((i + 1) % interval_ == 0) keyframes_.push_back(state);
    }
}

WorldState Cursor::state_at(std::size_t index) const {
    if (trace_->empty()) return {};
    const std::size_t count = std::min(index, trace_->size() - 1) + 1;  // events to apply
    const std::size_t k = std::min(count / interval_, keyframes_.size() - 1);
    WorldState state = keyframes_[k];
    for (std::size_t i = k * interval_; i < count; ++i) apply(state, *trace_, (*trace_)[i]);
    return state;
}

}  // namespace loopscope::trace
