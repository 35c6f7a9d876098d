// Sending: segments onto the wire, windows, and the TCP timers.
#include <algorithm>

#include "sim/tcp.hpp"

namespace loopscope::sim {

using trace::Kind;

namespace {
std::uint64_t min3(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return std::min(a, std::min(b, c)); }
}  // namespace

std::uint64_t Tcp::free_space(const Endpoint& e) const {
    const auto level = e.recv_buffer.size();
    return level >= e.recv_capacity ? 0 : e.recv_capacity - level;
}

std::uint64_t Tcp::send_free(const Endpoint& e) const {
    const auto level = e.send_buffer.size();
    return level >= e.send_capacity ? 0 : e.send_capacity - level;
}

bool Tcp::writable(const Endpoint& e) const {
    if (e.error != ErrorCode::none) return true;  // so the writer learns about the error
    if (e.state != TcpState::established && e.state != TcpState::close_wait) return false;
    return e.send_buffer.size() * 3 <= e.send_capacity * 2;
}

bool Tcp::readable(const Endpoint& e) const {
    return !e.recv_buffer.empty() || e.fin_received || e.error != ErrorCode::none;
}

// Acknowledgement number as on the wire: SYN counts 1, then data, then FIN 1.
std::uint64_t Tcp::wire_ack(const Endpoint& e) const { return 1 + e.rcv_nxt + (e.fin_received ? 1 : 0); }

std::uint32_t Tcp::send_segment(Nanos now, Endpoint& e, std::uint8_t flags, std::uint64_t seq,
                                std::string_view payload, bool retransmit, std::uint32_t cause) {
    const bool has_ack = (flags & trace::tcp_ack) != 0;
    const std::uint64_t window = free_space(e);
    e.advertised_window = window;
    // Data segments may be lost; control segments are kept so lessons stay readable.
    const bool lost = !payload.empty() && rng_.chance(network_.loss);
    const Nanos arrival = network_.link_from(e.side).transmit(now, payload.size() + header_bytes);
    const std::uint32_t event = recorder_.emit(
        now, Kind::wire_segment, e.host, e.conn, cause,
        {flags, static_cast<std::int64_t>(seq), has_ack ? static_cast<std::int64_t>(wire_ack(e)) : 0,
         static_cast<std::int64_t>(payload.size()), static_cast<std::int64_t>(window), arrival - now, lost ? 1 : 0,
         retransmit ? 1 : 0});
    if (lost) return event;
    std::uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(in_flight_.size());
        in_flight_.emplace_back();
    }
    Segment& s = in_flight_[slot];
    s.conn = e.conn;
    s.from = e.side;
    s.flags = flags;
    s.seq = seq;
    s.ack = has_ack ? wire_ack(e) : 0;
    s.window = window;
    s.payload.assign(payload);
    s.wire_event = event;
    scheduler_.insert(arrival, ActionType::segment_arrive, slot);
    return event;
}

std::uint32_t Tcp::send_ack(Nanos now, Endpoint& e, std::uint32_t cause) {
    const std::uint64_t seq = 1 + e.snd_nxt + (e.fin_sent ? 1 : 0);
    return send_segment(now, e, trace::tcp_ack, seq, {}, false, cause);
}

void Tcp::send_reset(Nanos now, Endpoint& e, trace::ResetReason reason, std::uint32_t cause) {
    const auto why = recorder_.emit(now, Kind::kernel_reset, e.host, e.conn, cause, {static_cast<std::int64_t>(reason)});
    send_segment(now, e, trace::tcp_rst | trace::tcp_ack, 1 + e.snd_nxt, {}, false, why);
    e.send_buffer.drop(e.send_buffer.size());
    e.recv_buffer.drop(e.recv_buffer.size());
    for (int t = 0; t < tcp_timer_count; ++t) e.timer_deadline[t] = 0;
    set_state(now, e, TcpState::closed, why);
}

std::uint32_t Tcp::set_state(Nanos now, Endpoint& e, TcpState state, std::uint32_t cause) {
    const TcpState prev = e.state;
    e.state = state;
    const auto event = recorder_.emit(now, Kind::kernel_tcp_state, e.host, e.conn, cause,
                                      {static_cast<std::int64_t>(state), static_cast<std::int64_t>(prev)});
    if (state == TcpState::time_wait) {
        disarm(e, TcpTimer::retransmit);
        arm(now, e, TcpTimer::time_wait, now + time_wait_ns);
    }
    if (state == TcpState::closed) {
        for (int t = 0; t < tcp_timer_count; ++t) e.timer_deadline[t] = 0;
    }
    return event;
}

std::uint32_t Tcp::record_send_buffer(Nanos now, const Endpoint& e, std::uint32_t cause) {
    const std::uint64_t level = e.send_buffer.size();
    const std::uint64_t unsent = level - (e.snd_nxt - e.snd_una);
    return recorder_.emit(now, Kind::kernel_send_buffer, e.host, e.conn, cause,
                          {static_cast<std::int64_t>(level), static_cast<std::int64_t>(unsent),
                           static_cast<std::int64_t>(e.send_capacity), static_cast<std::int64_t>(e.peer_window)});
}

std::uint32_t Tcp::record_recv_buffer(Nanos now, const Endpoint& e, std::uint32_t cause) {
    return recorder_.emit(now, Kind::kernel_recv_buffer, e.host, e.conn, cause,
                          {static_cast<std::int64_t>(e.recv_buffer.size()), static_cast<std::int64_t>(e.recv_capacity),
                           static_cast<std::int64_t>(free_space(e))});
}

// Sends whatever the peer's window allows, then the FIN if one is due.
void Tcp::output(Nanos now, Endpoint& e, std::uint32_t cause) {
    if (e.state != TcpState::established && e.state != TcpState::close_wait &&
        e.state != TcpState::fin_wait_1 && e.state != TcpState::last_ack && e.state != TcpState::closing)
        return;
    bool sent = false;
    std::uint32_t last = cause;
    for (;;) {
        const std::uint64_t outstanding = e.snd_nxt - e.snd_una;
        const std::uint64_t unsent = e.send_buffer.size() - outstanding;
        if (unsent == 0) break;
        const std::uint64_t room = e.peer_window > outstanding ? e.peer_window - outstanding : 0;
        if (room == 0) {
            if (e.peer_window == 0 && !e.stalled && outstanding == 0) {
                e.stalled = true;
                last = recorder_.emit(now, Kind::kernel_window_stall, e.host, e.conn, last,
                                      {0, static_cast<std::int64_t>(unsent)});
                // The persist timer probes the zero window in case the update is lost.
                arm(now, e, TcpTimer::retransmit, now + e.rto);
            }
            break;
        }
        const std::uint64_t n = min3(network_.mss, unsent, room);
        const bool retransmit = e.snd_nxt < e.snd_max;
        std::uint8_t flags = trace::tcp_ack;
        if (n == unsent) flags |= trace::tcp_psh;
        last = send_segment(now, e, flags, 1 + e.snd_nxt, e.send_buffer.peek(outstanding, n), retransmit, last);
        if (e.rtt_sent_at < 0 && !retransmit) {
            e.rtt_sent_at = now;
            e.rtt_offset = e.snd_nxt + n;
        }
        e.snd_nxt += n;
        e.snd_max = std::max(e.snd_max, e.snd_nxt);
        sent = true;
        if (e.timer_deadline[static_cast<int>(TcpTimer::retransmit)] == 0)
            arm(now, e, TcpTimer::retransmit, now + e.rto);
    }
    const bool all_sent = e.snd_nxt - e.snd_una == e.send_buffer.size();
    if (e.shutdown_requested && !e.fin_sent && all_sent) {
        e.fin_sent = true;
        if (e.state == TcpState::established) last = set_state(now, e, TcpState::fin_wait_1, last);
        else if (e.state == TcpState::close_wait) last = set_state(now, e, TcpState::last_ack, last);
        last = send_segment(now, e, trace::tcp_fin | trace::tcp_ack, 1 + e.snd_nxt, {}, false, last);
        if (e.timer_deadline[static_cast<int>(TcpTimer::retransmit)] == 0)
            arm(now, e, TcpTimer::retransmit, now + e.rto);
    }
    if (sent) record_send_buffer(now, e, last);
}

// After the program read from the receive buffer: tell the sender when the
// window has opened enough to matter (from zero, or doubled).
void Tcp::maybe_window_update(Nanos now, Endpoint& e, std::uint32_t cause) {
    if (e.state == TcpState::closed || e.state == TcpState::time_wait) return;
    const std::uint64_t window = free_space(e);
    const std::uint64_t before = e.advertised_window;
    const bool from_small = before < network_.mss && window >= network_.mss;
    const bool doubled = window >= 2 * before && window - before >= 2 * network_.mss;
    if (!from_small && !doubled) return;
    std::uint32_t why = cause;
    if (e.zero_window_advertised || before < network_.mss) {
        e.zero_window_advertised = false;
        why = recorder_.emit(now, Kind::kernel_window_update, e.host, e.conn, cause,
                             {static_cast<std::int64_t>(window), static_cast<std::int64_t>(e.recv_buffer.size())});
    }
    send_ack(now, e, why);
}

void Tcp::arm(Nanos now, Endpoint& e, TcpTimer timer, Nanos at) {
    (void)now;
    const int t = static_cast<int>(timer);
    const Nanos before = e.timer_deadline[t];
    e.timer_deadline[t] = at;
    // An action already scheduled no later than `at` re-checks the deadline
    // when it fires; only an earlier deadline needs a new action.
    if (before != 0 && before <= at) return;
    const std::uint64_t generation = ++e.timer_generation[t];
    scheduler_.insert(at, ActionType::tcp_timer, endpoint_index(e), generation * tcp_timer_count + t);
}

void Tcp::timer_fired(Nanos now, std::uint32_t index, std::uint64_t arg) {
    Endpoint& e = endpoint_at(index);
    const int t = static_cast<int>(arg % tcp_timer_count);
    const std::uint64_t generation = arg / tcp_timer_count;
    const Nanos deadline = e.timer_deadline[t];
    if (deadline == 0) return;  // disarmed
    if (generation != e.timer_generation[t] && deadline > now) {
        return;  // a newer action exists for this timer
    }
    if (deadline > now) {  // pushed back since this action was scheduled
        const std::uint64_t next = ++e.timer_generation[t];
        scheduler_.insert(deadline, ActionType::tcp_timer, index, next * tcp_timer_count + t);
        return;
    }
    e.timer_deadline[t] = 0;
    switch (static_cast<TcpTimer>(t)) {
        case TcpTimer::retransmit: on_retransmit_timer(now, e); break;
        case TcpTimer::synack: on_synack_timer(now, e); break;
        case TcpTimer::time_wait: set_state(now, e, TcpState::closed, trace::no_event); break;
    }
}

void Tcp::on_retransmit_timer(Nanos now, Endpoint& e) {
    if (e.state == TcpState::closed || e.state == TcpState::time_wait) return;
    const Nanos expired = e.rto;
    e.rto = std::min(e.rto * 2, max_rto_ns);
    if (e.state == TcpState::syn_sent) {
        ++e.retransmits;
        const auto why = recorder_.emit(now, Kind::kernel_retransmit, e.host, e.conn, trace::no_event,
                                        {0, 0, expired, static_cast<std::int64_t>(e.retransmits)});
        send_segment(now, e, trace::tcp_syn, 0, {}, true, why);
        arm(now, e, TcpTimer::retransmit, now + e.rto);
        return;
    }
    const std::uint64_t outstanding = e.snd_nxt - e.snd_una;
    const bool fin_outstanding = e.fin_sent && !e.fin_acked;
    if (outstanding == 0 && !fin_outstanding) {
        if (e.stalled) {
            // Zero-window probe: an old sequence number makes the receiver
            // answer with its current window.
            send_segment(now, e, trace::tcp_ack, e.snd_nxt, {}, false, trace::no_event);
            arm(now, e, TcpTimer::retransmit, now + e.rto);
        }
        return;
    }
    if (++e.retransmits > max_retransmits) {
        e.error = ErrorCode::etimedout;
        const auto why = recorder_.emit(now, Kind::kernel_error, e.host, e.conn, trace::no_event,
                                        {static_cast<std::int64_t>(e.error)});
        set_state(now, e, TcpState::closed, why);
        observer_.on_readable(now, e.conn, e.side, why);
        return;
    }
    const std::uint64_t len = std::min<std::uint64_t>(network_.mss, outstanding);
    const auto why = recorder_.emit(now, Kind::kernel_retransmit, e.host, e.conn, trace::no_event,
                                    {static_cast<std::int64_t>(1 + e.snd_una), static_cast<std::int64_t>(len), expired,
                                     static_cast<std::int64_t>(e.retransmits)});
    // Go back to the first unacknowledged byte; Karn's rule: no RTT sample
    // from retransmitted data.
    e.snd_nxt = e.snd_una;
    e.rtt_sent_at = -1;
    if (fin_outstanding && outstanding == 0) {
        send_segment(now, e, trace::tcp_fin | trace::tcp_ack, 1 + e.snd_nxt, {}, true, why);
    } else {
        if (fin_outstanding) e.fin_sent = false;
        output(now, e, why);
    }
    arm(now, e, TcpTimer::retransmit, now + e.rto);
}

void Tcp::on_synack_timer(Nanos now, Endpoint& e) {
    if (e.state != TcpState::syn_received) return;
    if (++e.synack_attempts > max_synack_retries) return;
    const auto why = recorder_.emit(now, Kind::kernel_synack_retransmit, e.host, e.conn, trace::no_event,
                                    {e.listener, e.synack_attempts});
    send_segment(now, e, trace::tcp_syn | trace::tcp_ack, 0, {}, true, why);
    arm(now, e, TcpTimer::synack, now + (initial_rto_ns << e.synack_attempts));
}

void Tcp::sample_rtt(Nanos now, Endpoint& e) {
    if (e.rtt_sent_at < 0 || e.snd_una < e.rtt_offset) return;
    const Nanos r = now - e.rtt_sent_at;
    e.rtt_sent_at = -1;
    if (e.srtt == 0) {
        e.srtt = r;
        e.rttvar = r / 2;
    } else {
        const Nanos delta = e.srtt > r ? e.srtt - r : r - e.srtt;
        e.rttvar = (3 * e.rttvar + delta) / 4;
        e.srtt = (7 * e.srtt + r) / 8;
    }
    e.rto = std::clamp(e.srtt + 4 * e.rttvar, min_rto_ns, max_rto_ns);
}

}  // namespace loopscope::sim
