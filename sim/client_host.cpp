#include "sim/client_host.hpp"

#include <algorithm>

#include "sim/tls_client.hpp"

namespace loopscope::sim {

using trace::Kind;

ClientHost::ClientHost(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp)
    : scenario_(scenario), scheduler_(scheduler), recorder_(recorder), tcp_(tcp),
      program_(with_tls(scenario, make_client_program(scenario), recorder)) {
    sockets_.reserve(static_cast<std::size_t>(scenario.clients.count) + 1);
}

void ClientHost::start_all() {
    for (std::uint32_t i = 0; i < scenario_.clients.count; ++i)
        scheduler_.insert(scenario_.clients.start_at_ns + static_cast<Nanos>(i) * scenario_.clients.start_interval_ns,
                          ActionType::client_start, i);
}

void ClientHost::start(Nanos now, std::uint32_t client) { program_->start(*this, now, client); }

std::int32_t ClientHost::connect(Nanos now, std::uint32_t client) {
    const auto call = recorder_.emit(now, Kind::client_connect, client_host, static_cast<std::int32_t>(tcp_.connection_count() + 1),
                                     trace::no_event, {scenario_.server.port});
    const std::int32_t conn = tcp_.connect(now, scenario_.server.port, scenario_.clients.send_buffer, scenario_.clients.recv_buffer,
                                           scenario_.server.send_buffer, scenario_.server.recv_buffer, call);
    if (sockets_.size() <= static_cast<std::size_t>(conn)) sockets_.resize(static_cast<std::size_t>(conn) + 1);
    at(conn) = ClientSocket{};
    at(conn).client = client;
    at(conn).connect_started = now;
    return conn;
}

void ClientHost::on_connected(Nanos now, std::int32_t conn, std::uint32_t cause) {
    // The client's handshake is one round trip (SYN out, SYN-ACK back), and
    // that round trip is the kernel's first RTT sample, as tcpi_rtt shows
    // it right after connect() on a real machine.
    const Nanos handshake = now - at(conn).connect_started;
    cause = recorder_.emit(now, Kind::client_connected, client_host, conn, cause, {handshake, handshake});
    at(conn).cause = cause;
    program_->on_connected(*this, now, conn);
}

void ClientHost::on_socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) {
    ClientSocket& s = at(conn);
    s.cause = cause;
    if (s.wake_scheduled || s.closed) return;
    s.wake_scheduled = true;
    scheduler_.insert(now, ActionType::client_wake, static_cast<std::uint32_t>(conn));
}

void ClientHost::wake(Nanos now, std::int32_t conn) {
    ClientSocket& s = at(conn);
    s.wake_scheduled = false;
    if (s.closed) return;
    if (tcp_.end(conn, Side::client).error != trace::ErrorCode::none) {
        close(now, conn);
        return;
    }
    program_->on_wake(*this, now, conn);
    close_if_finished(now, conn);
}

void ClientHost::tick(Nanos now, std::int32_t conn, std::uint64_t tag) {
    if (at(conn).closed) return;
    program_->on_timer(*this, now, conn, tag);
    close_if_finished(now, conn);
}

void ClientHost::close_if_finished(Nanos now, std::int32_t conn) {
    // The peer closed and the program has read everything: nothing more
    // can happen on this connection.
    if (at(conn).eof) close(now, conn);
}

std::uint64_t ClientHost::send_room(std::int32_t conn) const {
    return tcp_.send_free(tcp_.end(conn, Side::client));
}

ClientWrite ClientHost::write(Nanos now, std::int32_t conn, std::string_view bytes, std::uint64_t asked) {
    ClientSocket& s = at(conn);
    const std::uint64_t n = std::min<std::uint64_t>(send_room(conn), bytes.size());
    if (n == 0 || s.ended || s.closed) return {};  // the send buffer is full: wait until it drains
    const std::string_view taken = bytes.substr(0, static_cast<std::size_t>(n));
    const auto call = recorder_.emit(now, Kind::client_write, client_host, conn, s.cause,
                                     {static_cast<std::int64_t>(std::max<std::uint64_t>(asked, bytes.size())),
                                      static_cast<std::int64_t>(n), static_cast<std::int64_t>(s.sent + n),
                                      recorder_.payload_text(taken)});
    tcp_.write(now, conn, Side::client, taken, call);
    s.sent += n;
    return {n, call};
}

std::string ClientHost::read(Nanos now, std::int32_t conn, std::uint64_t max) {
    ClientSocket& s = at(conn);
    const Endpoint& e = tcp_.end(conn, Side::client);
    const std::uint64_t level = e.recv_buffer.size();
    if (level > 0 && max > 0) {
        const std::uint64_t n = std::min(level, max);
        const auto call = recorder_.emit(now, Kind::client_read, client_host, conn, s.cause,
                                         {static_cast<std::int64_t>(n), static_cast<std::int64_t>(s.received + n), 0});
        std::string bytes = tcp_.read(now, conn, Side::client, n, call);
        s.received += bytes.size();
        return bytes;
    }
    if (level == 0 && e.fin_received && !s.eof) {
        s.eof = true;
        recorder_.emit(now, Kind::client_read, client_host, conn, s.cause, {0, static_cast<std::int64_t>(s.received), 1});
    }
    return {};
}

void ClientHost::end(Nanos now, std::int32_t conn, std::uint32_t cause) {
    ClientSocket& s = at(conn);
    if (s.ended || s.closed) return;
    s.ended = true;
    const auto call = recorder_.emit(now, Kind::client_end, client_host, conn,
                                     cause == trace::no_event ? s.cause : cause, {});
    tcp_.shutdown(now, conn, Side::client, call);
}

void ClientHost::close(Nanos now, std::int32_t conn) {
    ClientSocket& s = at(conn);
    if (s.closed) return;
    s.closed = true;
    const auto call = recorder_.emit(now, Kind::client_close, client_host, conn, s.cause, {});
    tcp_.close(now, conn, Side::client, call);
    recorder_.emit(now, Kind::client_done, client_host, conn, call,
                   {static_cast<std::int64_t>(s.sent), static_cast<std::int64_t>(s.received)});
}

void ClientHost::set_timer(Nanos now, std::int32_t conn, Nanos delay, std::uint64_t tag) {
    scheduler_.insert(now + delay, ActionType::client_tick, static_cast<std::uint32_t>(conn), tag);
}

}  // namespace loopscope::sim
