// The socket calls programs make: the system-call side of the kernel.
#include <algorithm>

#include "sim/tcp.hpp"

namespace loopscope::sim {

using trace::Kind;

std::uint32_t Tcp::listen(Nanos now, std::uint32_t port, std::uint32_t backlog) {
    (void)now;
    Listener l;
    l.id = static_cast<std::uint32_t>(listeners_.size() + 1);
    l.port = port;
    l.backlog = backlog;
    listeners_.push_back(l);
    return l.id;
}

std::int32_t Tcp::connect(Nanos now, std::uint32_t port, std::uint64_t send_capacity, std::uint64_t recv_capacity,
                          std::uint64_t server_send_capacity, std::uint64_t server_recv_capacity,
                          std::uint32_t cause) {
    Connection& c = connections_.emplace_back();
    c.id = static_cast<std::int32_t>(connections_.size());
    // Ephemeral ports as Linux hands them out (ip_local_port_range starts at 32768).
    c.client_port = 32768 + static_cast<std::uint32_t>((c.id - 1) % 28232);
    c.server_port = port;
    for (Side side : {Side::client, Side::server}) {
        Endpoint& e = c.end(side);
        e.conn = c.id;
        e.side = side;
        e.host = side == Side::client ? client_host : server_host;
        e.send_capacity = side == Side::client ? send_capacity : server_send_capacity;
        e.recv_capacity = side == Side::client ? recv_capacity : server_recv_capacity;
        e.rto = initial_rto_ns;
    }
    Endpoint& e = c.client;
    e.syn_sent_at = now;
    const auto state = set_state(now, e, TcpState::syn_sent, cause);
    send_segment(now, e, trace::tcp_syn, 0, {}, false, state);
    arm(now, e, TcpTimer::retransmit, now + e.rto);
    return c.id;
}

std::optional<std::int32_t> Tcp::accept(Nanos now, std::uint32_t listener_id, std::uint32_t cause) {
    (void)now;
    (void)cause;
    Listener& l = listeners_[listener_id - 1];
    if (l.accept_queue.empty()) return std::nullopt;
    const std::int32_t conn = l.accept_queue.front();
    l.accept_queue.pop_front();
    connection(conn).server.accepted = true;
    return conn;
}

std::uint64_t Tcp::write(Nanos now, std::int32_t conn, Side side, std::string_view bytes, std::uint32_t cause) {
    Endpoint& e = end(conn, side);
    if (e.error != ErrorCode::none || e.shutdown_requested) return 0;
    if (e.state != TcpState::established && e.state != TcpState::close_wait) return 0;
    const std::uint64_t take = std::min<std::uint64_t>(send_free(e), bytes.size());
    if (take == 0) return 0;
    e.send_buffer.append(bytes.substr(0, take));
    const auto level = record_send_buffer(now, e, cause);
    output(now, e, level);
    return take;
}

std::string Tcp::read(Nanos now, std::int32_t conn, Side side, std::uint64_t max, std::uint32_t cause) {
    Endpoint& e = end(conn, side);
    if (e.recv_buffer.empty()) return {};
    std::string out = e.recv_buffer.take(max);
    const auto level = record_recv_buffer(now, e, cause);
    maybe_window_update(now, e, level);
    return out;
}

void Tcp::shutdown(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) {
    Endpoint& e = end(conn, side);
    if (e.shutdown_requested || e.state == TcpState::closed) return;
    e.shutdown_requested = true;
    output(now, e, cause);
}

void Tcp::close(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) {
    Endpoint& e = end(conn, side);
    if (e.app_closed) return;
    e.app_closed = true;
    if (e.state == TcpState::closed || e.state == TcpState::time_wait) return;
    // Closing with unread data aborts the connection (RFC 2525; Linux does it).
    if (!e.recv_buffer.empty()) {
        send_reset(now, e, trace::ResetReason::abort, cause);
        return;
    }
    shutdown(now, conn, side, cause);
}

}  // namespace loopscope::sim
