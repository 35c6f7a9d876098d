// Receiving: what each host's kernel does when a segment arrives.
#include <algorithm>

#include "sim/tcp.hpp"

namespace loopscope::sim {

using trace::Kind;

Tcp::Tcp(Scheduler& scheduler, Recorder& recorder, Network& network, Rng& rng, SocketObserver& observer)
    : scheduler_(scheduler), recorder_(recorder), network_(network), rng_(rng), observer_(observer) {}

void Tcp::arrive(Nanos now, std::uint32_t slot) {
    // Move the segment out first: handling it may send new segments that
    // reuse slots.
    // Swap rather than move so payload buffers keep circulating.
    Segment s;
    std::swap(s, arriving_);
    std::swap(s, in_flight_[slot]);
    free_slots_.push_back(slot);
    struct GiveBack {
        Segment& from;
        Segment& to;
        ~GiveBack() { std::swap(from, to); }
    } give_back{s, arriving_};
    Connection& c = connection(s.conn);
    Endpoint& e = c.end(peer_of(s.from));
    const std::uint32_t cause = s.wire_event;

    if (s.flags & trace::tcp_rst) {
        handle_reset(now, e, cause);
        return;
    }
    if (e.side == Side::server && (s.flags & trace::tcp_syn) && !(s.flags & trace::tcp_ack)) {
        handle_syn(now, c, s);
        return;
    }
    switch (e.state) {
        case TcpState::closed:
            // Nothing here any more (or it was aborted): answer with RST,
            // unless this is itself only an ACK of something we sent.
            if (!s.payload.empty() || (s.flags & trace::tcp_fin))
                send_reset(now, e, trace::ResetReason::data_for_closed_socket, cause);
            return;
        case TcpState::syn_sent:
            if ((s.flags & trace::tcp_syn) && (s.flags & trace::tcp_ack)) {
                e.peer_window = s.window;
                disarm(e, TcpTimer::retransmit);
                if (e.retransmits == 0) {
                    // The handshake is the first RTT sample (not when the SYN was re-sent).
                    e.rtt_sent_at = e.syn_sent_at;
                    e.rtt_offset = 0;
                    sample_rtt(now, e);
                }
                e.retransmits = 0;
                const auto est = set_state(now, e, TcpState::established, cause);
                send_ack(now, e, est);
                observer_.on_connected(now, e.conn, est);
                output(now, e, est);
            }
            return;
        case TcpState::syn_received:
            if (s.flags & trace::tcp_ack) handle_handshake_ack(now, c, e, s);
            return;
        default:
            break;
    }
    if ((s.flags & trace::tcp_syn) && (s.flags & trace::tcp_ack)) {
        // A re-sent SYN-ACK: our ACK was dropped by a full accept queue.
        send_ack(now, e, cause);
        return;
    }
    if (s.flags & trace::tcp_ack) handle_ack(now, e, s, cause);
    if (e.state == TcpState::closed) return;
    handle_data(now, e, s, cause);
}

void Tcp::handle_syn(Nanos now, Connection& c, const Segment& s) {
    Endpoint& e = c.server;
    if (e.state != TcpState::closed) {
        // A re-sent SYN for a handshake in progress: answer it again.
        if (e.state == TcpState::syn_received)
            send_segment(now, e, trace::tcp_syn | trace::tcp_ack, 0, {}, true, s.wire_event);
        return;
    }
    Listener* found = nullptr;
    for (Listener& l : listeners_)
        if (l.port == c.server_port) found = &l;
    if (found == nullptr) {
        send_reset(now, e, trace::ResetReason::no_listener, s.wire_event);
        return;
    }
    Listener& l = *found;
    // Linux drops a SYN when the SYN queue is full (no syncookies here); the
    // client re-sends it after its retransmission timeout.
    if (l.syn_queue.size() >= l.backlog) return;
    e.listener = l.id;
    e.peer_window = s.window;
    l.syn_queue.push_back(c.id);
    const auto state = set_state(now, e, TcpState::syn_received, s.wire_event);
    const auto queued = recorder_.emit(now, Kind::kernel_syn_queue, e.host, e.conn, state,
                                       {l.id, static_cast<std::int64_t>(l.syn_queue.size()), l.backlog});
    send_segment(now, e, trace::tcp_syn | trace::tcp_ack, 0, {}, false, queued);
}

void Tcp::handle_handshake_ack(Nanos now, Connection& c, Endpoint& e, const Segment& s) {
    Listener& l = listeners_[e.listener - 1];
    // The accept queue is full only when it holds more than `backlog`
    // connections, so it takes backlog+1 before the final ACK is dropped.
    if (l.accept_queue.size() > l.backlog) {
        const auto dropped = recorder_.emit(now, Kind::kernel_ack_dropped, e.host, e.conn, s.wire_event,
                                            {l.id, static_cast<std::int64_t>(l.accept_queue.size()), l.backlog});
        (void)dropped;
        if (e.timer_deadline[static_cast<int>(TcpTimer::synack)] == 0)
            arm(now, e, TcpTimer::synack, now + (initial_rto_ns << e.synack_attempts));
        return;
    }
    disarm(e, TcpTimer::synack);
    l.syn_queue.erase(std::find(l.syn_queue.begin(), l.syn_queue.end(), c.id));
    const auto left = recorder_.emit(now, Kind::kernel_syn_queue, e.host, e.conn, s.wire_event,
                                     {l.id, static_cast<std::int64_t>(l.syn_queue.size()), l.backlog});
    const auto est = set_state(now, e, TcpState::established, left);
    e.peer_window = s.window;
    l.accept_queue.push_back(c.id);
    const auto queued = recorder_.emit(now, Kind::kernel_accept_queue, e.host, e.conn, est,
                                       {l.id, static_cast<std::int64_t>(l.accept_queue.size()), l.backlog});
    observer_.on_acceptable(now, l.id, queued);
    // The same segment may carry data (the client did not wait).
    if (!s.payload.empty() || (s.flags & trace::tcp_fin)) handle_data(now, e, s, queued);
}

void Tcp::handle_ack(Nanos now, Endpoint& e, const Segment& s, std::uint32_t cause) {
    const bool was_stalled = e.stalled;
    const bool was_writable = writable(e);
    e.peer_window = s.window;
    if (e.stalled && s.window > 0) e.stalled = false;
    // Data acknowledged: wire ack counts the SYN first.
    const std::uint64_t acked_to = s.ack == 0 ? 0 : std::min<std::uint64_t>(s.ack - 1, e.snd_max);
    std::uint32_t last = cause;
    if (acked_to > e.snd_una) {
        const std::uint64_t n = acked_to - e.snd_una;
        e.send_buffer.drop(n);
        e.snd_una = acked_to;
        if (e.snd_nxt < e.snd_una) e.snd_nxt = e.snd_una;
        e.retransmits = 0;
        sample_rtt(now, e);
        // New data got through: forget the exponential backoff (Linux can
        // do this because TCP timestamps give it a valid RTT sample).
        if (e.srtt > 0) e.rto = std::clamp(e.srtt + 4 * e.rttvar, min_rto_ns, max_rto_ns);
        if (e.snd_nxt == e.snd_una) disarm(e, TcpTimer::retransmit);
        else arm(now, e, TcpTimer::retransmit, now + e.rto);
        last = record_send_buffer(now, e, cause);
    }
    // The FIN takes one sequence number after the last data byte.
    if (e.fin_sent && !e.fin_acked && e.send_buffer.empty() && s.ack == e.snd_max + 2) {
        e.fin_acked = true;
        disarm(e, TcpTimer::retransmit);
        if (e.state == TcpState::fin_wait_1) last = set_state(now, e, TcpState::fin_wait_2, last);
        else if (e.state == TcpState::closing) last = set_state(now, e, TcpState::time_wait, last);
        else if (e.state == TcpState::last_ack) {
            set_state(now, e, TcpState::closed, last);
            return;
        }
    }
    if (was_stalled && !e.stalled) {
        disarm(e, TcpTimer::retransmit);
        e.rto = std::max(min_rto_ns, e.srtt + 4 * e.rttvar);
    }
    output(now, e, last);
    if (!was_writable && writable(e)) observer_.on_writable(now, e.conn, e.side, last);
}

void Tcp::handle_data(Nanos now, Endpoint& e, const Segment& s, std::uint32_t cause) {
    const bool fin = (s.flags & trace::tcp_fin) != 0;
    if (s.payload.empty() && !fin) {
        // A pure ACK needs no answer, unless it is a zero-window probe (an
        // old sequence number): answer with the current window.
        if (s.seq < 1 + e.rcv_nxt) send_ack(now, e, cause);
        return;
    }
    if (e.fin_received) {
        if (fin) send_ack(now, e, cause);  // a re-sent FIN: our ACK was lost
        return;
    }
    if (e.app_closed && !s.payload.empty()) {
        // The program closed this socket: nobody can read the data. Linux
        // answers with RST, and the writer sees ECONNRESET / EPIPE.
        send_reset(now, e, trace::ResetReason::data_for_closed_socket, cause);
        return;
    }
    const std::uint64_t expected = 1 + e.rcv_nxt;
    if (s.seq != expected) {
        // Out of order (a segment before it was lost) or a duplicate: keep
        // nothing and repeat the ACK so the sender knows where we are.
        send_ack(now, e, cause);
        return;
    }
    std::uint32_t last = cause;
    if (!s.payload.empty()) {
        const std::uint64_t room = free_space(e);
        const std::uint64_t take = std::min<std::uint64_t>(room, s.payload.size());
        if (take > 0) {
            e.recv_buffer.append(std::string_view(s.payload).substr(0, take));
            e.rcv_nxt += take;
            last = record_recv_buffer(now, e, cause);
        }
        if (take < s.payload.size()) {
            send_ack(now, e, last);  // the rest did not fit: the sender retries
            if (take > 0) observer_.on_readable(now, e.conn, e.side, last);
            return;
        }
    }
    if (fin) {
        handle_fin(now, e, last);
        return;
    }
    if (free_space(e) == 0 && !e.zero_window_advertised) {
        e.zero_window_advertised = true;
        last = recorder_.emit(now, Kind::kernel_zero_window, e.host, e.conn, last,
                              {0, static_cast<std::int64_t>(e.recv_buffer.size())});
    }
    send_ack(now, e, last);
    observer_.on_readable(now, e.conn, e.side, last);
}

void Tcp::handle_fin(Nanos now, Endpoint& e, std::uint32_t cause) {
    e.fin_received = true;
    const auto got = recorder_.emit(now, Kind::kernel_fin_received, e.host, e.conn, cause,
                                    {static_cast<std::int64_t>(e.recv_buffer.size())});
    std::uint32_t last = got;
    switch (e.state) {
        case TcpState::established: last = set_state(now, e, TcpState::close_wait, got); break;
        case TcpState::fin_wait_1:
            last = set_state(now, e, e.fin_acked ? TcpState::time_wait : TcpState::closing, got);
            break;
        case TcpState::fin_wait_2: last = set_state(now, e, TcpState::time_wait, got); break;
        default: break;
    }
    send_ack(now, e, last);
    observer_.on_readable(now, e.conn, e.side, last);
}

void Tcp::handle_reset(Nanos now, Endpoint& e, std::uint32_t cause) {
    if (e.state == TcpState::closed || e.state == TcpState::time_wait) return;
    const bool was_connecting = e.state == TcpState::syn_sent;
    e.error = was_connecting ? ErrorCode::econnrefused : ErrorCode::econnreset;
    e.send_buffer.drop(e.send_buffer.size());
    const auto err = recorder_.emit(now, Kind::kernel_error, e.host, e.conn, cause, {static_cast<std::int64_t>(e.error)});
    const auto closed = set_state(now, e, TcpState::closed, err);
    if (e.app_closed) return;
    observer_.on_readable(now, e.conn, e.side, closed);
}

}  // namespace loopscope::sim
