// TCP endpoints and listeners for both hosts: the kernel's part of the
// story. Segments travel over the Network; what the kernel does with them
// (queues, buffers, windows, states) is recorded on the kernel lane.
//
// Index: tcp.hpp (types and the socket API) - tcp_input.cpp (segments
// arriving) - tcp_output.cpp (sending, windows, timers) - tcp_socket.cpp
// (what programs call: connect, listen, accept, read, write, shutdown, close).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/byte_queue.hpp"
#include "sim/network.hpp"
#include "sim/recorder.hpp"
#include "sim/scheduler.hpp"

namespace loopscope::sim {

using trace::ErrorCode;
using trace::TcpState;

// Who is told when a socket changes: the Node runtime on the server host,
// the client programs on the client host. `cause` is the event that did it.
class SocketObserver {
public:
    virtual ~SocketObserver() = default;
    virtual void on_readable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) = 0;
    virtual void on_writable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) = 0;
    virtual void on_connected(Nanos now, std::int32_t conn, std::uint32_t cause) = 0;
    virtual void on_acceptable(Nanos now, std::uint32_t listener, std::uint32_t cause) = 0;
};

enum class TcpTimer : std::uint8_t { retransmit, synack, time_wait };
inline constexpr int tcp_timer_count = 3;

struct Endpoint {
    std::int32_t conn = 0;
    Side side = Side::client;
    std::uint8_t host = 0;
    TcpState state = TcpState::closed;

    // Sending. send_buffer holds every byte from snd_una on: sent but not yet
    // acknowledged, then not yet sent. Offsets count data bytes only.
    ByteQueue send_buffer;
    std::uint64_t send_capacity = 0;
    std::uint64_t snd_una = 0;
    std::uint64_t snd_nxt = 0;
    std::uint64_t snd_max = 0;  // highest offset ever sent (to flag retransmissions)
    std::uint64_t peer_window = 0;
    bool stalled = false;
    bool shutdown_requested = false;
    bool fin_sent = false;
    bool fin_acked = false;

    // Receiving.
    ByteQueue recv_buffer;
    std::uint64_t recv_capacity = 0;
    std::uint64_t rcv_nxt = 0;  // data bytes received in order
    std::uint64_t advertised_window = 0;
    bool zero_window_advertised = false;
    bool fin_received = false;
    bool app_closed = false;
    ErrorCode error = ErrorCode::none;

    // Retransmission (RFC 6298 with Linux's 200 ms floor).
    Nanos rto = 1'000'000'000;
    Nanos srtt = 0;
    Nanos rttvar = 0;
    std::uint32_t retransmits = 0;
    std::uint64_t rtt_offset = 0;  // sample: when this offset is acked...
    Nanos rtt_sent_at = -1;        // ...it was first sent at this time
    Nanos syn_sent_at = 0;
    Nanos timer_deadline[tcp_timer_count] = {0, 0, 0};
    std::uint64_t timer_generation[tcp_timer_count] = {0, 0, 0};

    // Server side before accept().
    std::uint32_t listener = 0;
    std::uint32_t synack_attempts = 0;
    bool accepted = false;
};

struct Listener {
    std::uint32_t id = 0;
    std::uint32_t port = 0;
    std::uint32_t backlog = 0;
    std::deque<std::int32_t> syn_queue;
    std::deque<std::int32_t> accept_queue;
};

struct Connection {
    std::int32_t id = 0;
    std::uint32_t client_port = 0;
    std::uint32_t server_port = 0;
    Endpoint client;
    Endpoint server;
    Endpoint& end(Side side) { return side == Side::client ? client : server; }
};

class Tcp {
public:
    Tcp(Scheduler& scheduler, Recorder& recorder, Network& network, Rng& rng, SocketObserver& observer);

    // --- what programs call (tcp_socket.cpp) ---
    std::uint32_t listen(Nanos now, std::uint32_t port, std::uint32_t backlog);
    std::int32_t connect(Nanos now, std::uint32_t port, std::uint64_t send_capacity,
                         std::uint64_t recv_capacity, std::uint64_t server_send_capacity,
                         std::uint64_t server_recv_capacity, std::uint32_t cause);
    // Takes the oldest connection from the accept queue.
    std::optional<std::int32_t> accept(Nanos now, std::uint32_t listener, std::uint32_t cause);
    // Copies as much as fits into the send buffer; returns the bytes taken.
    std::uint64_t write(Nanos now, std::int32_t conn, Side side, std::string_view bytes, std::uint32_t cause);
    std::string read(Nanos now, std::int32_t conn, Side side, std::uint64_t max, std::uint32_t cause);
    void shutdown(Nanos now, std::int32_t conn, Side side, std::uint32_t cause);
    void close(Nanos now, std::int32_t conn, Side side, std::uint32_t cause);

    // --- what the loop and programs may look at ---
    Connection& connection(std::int32_t conn) { return connections_[static_cast<std::size_t>(conn - 1)]; }
    Endpoint& end(std::int32_t conn, Side side) { return connection(conn).end(side); }
    const Listener& listener(std::uint32_t id) const { return listeners_[id - 1]; }
    std::size_t connection_count() const { return connections_.size(); }
    std::uint64_t send_free(const Endpoint& e) const;
    // Linux reports a socket writable when at most 2/3 of its send buffer is
    // in use (sk_stream_wspace >= sk_stream_min_wspace).
    bool writable(const Endpoint& e) const;
    bool readable(const Endpoint& e) const;

    // --- the scheduler's entry points (tcp_input.cpp, tcp_output.cpp) ---
    void arrive(Nanos now, std::uint32_t slot);
    void timer_fired(Nanos now, std::uint32_t endpoint_index, std::uint64_t arg);

private:
    // tcp_input.cpp
    void handle_syn(Nanos now, Connection& c, const Segment& s);
    void handle_handshake_ack(Nanos now, Connection& c, Endpoint& e, const Segment& s);
    void handle_ack(Nanos now, Endpoint& e, const Segment& s, std::uint32_t cause);
    void handle_data(Nanos now, Endpoint& e, const Segment& s, std::uint32_t cause);
    void handle_fin(Nanos now, Endpoint& e, std::uint32_t cause);
    void handle_reset(Nanos now, Endpoint& e, std::uint32_t cause);

    // tcp_output.cpp
    std::uint32_t send_segment(Nanos now, Endpoint& e, std::uint8_t flags, std::uint64_t seq,
                               std::string_view payload, bool retransmit, std::uint32_t cause);
    std::uint32_t send_ack(Nanos now, Endpoint& e, std::uint32_t cause);
    void send_reset(Nanos now, Endpoint& e, trace::ResetReason reason, std::uint32_t cause);
    void output(Nanos now, Endpoint& e, std::uint32_t cause);
    void maybe_window_update(Nanos now, Endpoint& e, std::uint32_t cause);
    std::uint32_t record_send_buffer(Nanos now, const Endpoint& e, std::uint32_t cause);
    std::uint32_t record_recv_buffer(Nanos now, const Endpoint& e, std::uint32_t cause);
    std::uint32_t set_state(Nanos now, Endpoint& e, TcpState state, std::uint32_t cause);
    void arm(Nanos now, Endpoint& e, TcpTimer timer, Nanos at);
    void disarm(Endpoint& e, TcpTimer timer) { e.timer_deadline[static_cast<int>(timer)] = 0; }
    void on_retransmit_timer(Nanos now, Endpoint& e);
    void on_synack_timer(Nanos now, Endpoint& e);
    void sample_rtt(Nanos now, Endpoint& e);
    std::uint64_t free_space(const Endpoint& e) const;
    std::uint64_t wire_ack(const Endpoint& e) const;
    std::uint32_t endpoint_index(const Endpoint& e) const {
        return static_cast<std::uint32_t>((e.conn - 1) * 2 + (e.side == Side::server ? 1 : 0));
    }
    Endpoint& endpoint_at(std::uint32_t index) {
        return connection(static_cast<std::int32_t>(index / 2 + 1)).end(index % 2 ? Side::server : Side::client);
    }

    Scheduler& scheduler_;
    Recorder& recorder_;
    Network& network_;
    Rng& rng_;
    SocketObserver& observer_;
    std::deque<Connection> connections_;  // stable addresses; id = index + 1
    std::vector<Listener> listeners_;
    std::vector<Segment> in_flight_;      // slots for segments on the wire
    std::vector<std::uint32_t> free_slots_;
    Segment arriving_;  // spare segment whose buffer arrive() reuses
};

// Linux constants the model uses (see docs/architecture.md).
inline constexpr Nanos min_rto_ns = 200'000'000;        // TCP_RTO_MIN
inline constexpr Nanos initial_rto_ns = 1'000'000'000;  // TCP_TIMEOUT_INIT
inline constexpr Nanos max_rto_ns = 120'000'000'000;    // TCP_RTO_MAX
inline constexpr Nanos time_wait_ns = 60'000'000'000;   // TCP_TIMEWAIT_LEN
inline constexpr std::uint32_t max_retransmits = 15;    // tcp_retries2
inline constexpr std::uint32_t max_synack_retries = 5;  // tcp_synack_retries

}  // namespace loopscope::sim
