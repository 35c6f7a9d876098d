// The state of the world at a cursor: fold the events up to an index. Events
// carry absolute levels, so each quantity is simply its latest value; a
// Cursor keeps periodic keyframes so any index is reached by folding at most
// one keyframe interval, backward as cheaply as forward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "trace/trace.hpp"

namespace loopscope::trace {

// One end of a TCP connection (the client's or the server's socket).
struct EndpointState {
    bool seen = false;
    TcpState tcp = TcpState::closed;
    std::uint64_t send_level = 0;     // bytes in the kernel send buffer (unsent + unacked)
    std::uint64_t send_unsent = 0;    // of which not yet sent
    std::uint64_t send_capacity = 0;
    std::uint64_t recv_level = 0;     // unread bytes in the kernel receive buffer
    std::uint64_t recv_capacity = 0;
    std::uint64_t window = 0;         // receive window this end advertises
    std::uint64_t peer_window = 0;    // receive window the peer last advertised
    std::uint64_t writable_length = 0;   // Node: bytes still in user space
    std::uint64_t high_water_mark = 0;   // Node: writableHighWaterMark (0 = not a Node socket)
    bool write_returned_false = false;   // waiting for 'drain'
    bool stalled = false;                // zero window: sender waits
    bool fin_received = false;
    std::uint64_t bytes_read = 0;        // total read by the program on this end
    std::uint64_t bytes_written = 0;     // total accepted by the kernel from this end
    // The program closed its socket (js.close, client.close). The kernel may
    // still be finishing the goodbye (FIN_WAIT, LAST_ACK), but a real
    // trace measures nothing more of this end from here.
    bool handle_closed = false;
};

struct ConnectionState {
    std::int32_t id = 0;
    EndpointState client;
    std::uint64_t in_flight = 0;  // payload bytes on the wire right now, both directions
    EndpointState server;
};

struct ListenerState {
    std::uint32_t id = 0;
    std::uint64_t syn_queue = 0;
    std::uint64_t syn_max = 0;
    std::uint64_t accept_queue = 0;
    std::uint64_t backlog = 0;
};

struct LoopState {
    LoopPhase phase = LoopPhase::timers;
    std::uint64_t iteration = 0;
    bool blocked = false;           // inside epoll_wait / kevent / GQCS
    Nanos poll_timeout = 0;         // last computed; -1 = infinite
    std::uint64_t next_tick = 0;
    std::uint64_t microtasks = 0;
    std::uint64_t immediates = 0;
    std::uint64_t timers = 0;
    bool in_callback = false;       // a JS callback is running at this moment
    bool exited = false;
};

struct PoolState {
    std::vector<std::int64_t> workers;  // job id per worker, -1 = idle
    std::uint64_t queued = 0;
};

struct WorldState {
    std::size_t applied = 0;  // number of events folded (cursor index + 1)
    Nanos time = 0;
    std::map<std::int32_t, ConnectionState> connections;  // by connection id
    std::map<std::uint32_t, ListenerState> listeners;     // by listener id
    LoopState loop;
    PoolState pool;
    std::uint64_t caption_step = 0;   // last caption shown
    std::int64_t caption_text = -1;   // string index of the last caption, -1 = none
};

// Applies one event to the state.
void apply(WorldState& state, const Trace& trace, const Event& event);

class Cursor {
public:
    // interval 0 picks one from the trace's size (keyframe memory stays
    // below a few bytes per event).
    explicit Cursor(const Trace& trace, std::size_t keyframe_interval = 0);
    // The world after the events [0, index] have happened.
    WorldState state_at(std::size_t index) const;
    std::size_t keyframe_interval() const { return interval_; }

private:
    const Trace* trace_;
    std::size_t interval_;
    std::vector<WorldState> keyframes_;  // keyframes_[k] = state after k*interval_ events
};

}  // namespace loopscope::trace
