#include "trace/summary.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace loopscope::trace {

namespace {

// Cause chains run all the way back to the first SYN; the notifier event
// that woke a callback is always within a few links of it.
constexpr int max_cause_links = 8;

bool is_callback(Kind kind) {
    switch (kind) {
        case Kind::js_connection: case Kind::js_data: case Kind::js_end: case Kind::js_close:
        case Kind::js_error: case Kind::js_drain: case Kind::js_pool_done: case Kind::http_parse:
            return true;
        default:
            return false;
    }
}

// How long the callback at `index` waited since the notifier reported the
// event behind it, or -1 when no notifier event is near in its causes.
Nanos wait_since_notifier(const Trace& trace, std::size_t index) {
    std::uint32_t at = trace[index].cause;
    for (int link = 0; link < max_cause_links && at != no_event && at < index; ++link) {
        const Event& e = trace[at];
        if (e.kind == Kind::notifier_ready || e.kind == Kind::notifier_complete)
            return trace[index].time - e.time;
        at = e.cause;
    }
    return -1;
}

}  // namespace

Summary summarize(const Trace& trace) {
    Summary s;
    s.source = trace.header.source;
    s.events = trace.size();
    if (!trace.empty()) s.duration_ns = trace[trace.size() - 1].time - trace[0].time;

    const auto is_server = [&](const Event& e) {
        return e.host < trace.header.hosts.size() && trace.header.hosts[e.host].role == "server";
    };
    const int state_field = field_index(Kind::kernel_tcp_state, "state");
    const int read_bytes = field_index(Kind::loop_read, "bytes");
    const int write_bytes = field_index(Kind::js_write, "bytes");
    const int write_returned = field_index(Kind::js_write, "returned");
    const int timer_late = field_index(Kind::js_timer, "late");
    const int request_number = field_index(Kind::js_request, "n");
    const int send_level = field_index(Kind::kernel_send_buffer, "level");
    const int recv_level = field_index(Kind::kernel_recv_buffer, "level");

    std::unordered_set<std::int32_t> connections;
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const Event& e = trace[i];
        if (e.conn != no_conn) connections.insert(e.conn);
        switch (e.kind) {
            case Kind::kernel_tcp_state:
                if (is_server(e) && trace.arg(e, state_field) == static_cast<std::int64_t>(TcpState::established))
                    ++s.handshakes;
                break;
            case Kind::loop_iteration: ++s.loop_iterations; break;
            case Kind::notifier_wake: ++s.poll_wakeups; break;
            case Kind::loop_read:
                if (is_server(e) && trace.arg(e, read_bytes) > 0) {
                    ++s.reads;
                    s.bytes_read += static_cast<std::uint64_t>(trace.arg(e, read_bytes));
                }
                break;
            case Kind::js_write:
                ++s.writes;
                s.bytes_written += static_cast<std::uint64_t>(trace.arg(e, write_bytes));
                if (trace.arg(e, write_returned) == 0) ++s.writes_returned_false;
                break;
            case Kind::js_drain: ++s.drains; break;
            case Kind::js_request:
                ++s.requests;
                // Request 2, 3, ... of a connection rode on keep-alive.
                if (trace.arg(e, request_number) > 1) ++s.connections_reused;
                break;
            case Kind::js_timer: s.max_loop_lag_ns = std::max(s.max_loop_lag_ns, trace.arg(e, timer_late)); break;
            case Kind::kernel_send_buffer:
                s.peak_send_buffer_bytes =
                    std::max(s.peak_send_buffer_bytes, static_cast<std::uint64_t>(trace.arg(e, send_level)));
                break;
            case Kind::kernel_recv_buffer:
                s.peak_recv_buffer_bytes =
                    std::max(s.peak_recv_buffer_bytes, static_cast<std::uint64_t>(trace.arg(e, recv_level)));
                break;
            default: break;
        }
        if (is_callback(e.kind)) s.max_loop_lag_ns = std::max(s.max_loop_lag_ns, wait_since_notifier(trace, i));
    }
    s.connections = connections.size();
    return s;
}

std::string to_json(const Summary& s) {
    nlohmann::ordered_json j;
    j["source"] = s.source;
    j["events"] = s.events;
    j["duration_ns"] = s.duration_ns;
    j["connections"] = s.connections;
    j["handshakes"] = s.handshakes;
    j["loop_iterations"] = s.loop_iterations;
    j["poll_wakeups"] = s.poll_wakeups;
    j["reads"] = s.reads;
    j["bytes_read"] = s.bytes_read;
    j["writes"] = s.writes;
    j["bytes_written"] = s.bytes_written;
    j["writes_returned_false"] = s.writes_returned_false;
    j["drains"] = s.drains;
    j["requests"] = s.requests;
    j["connections_reused"] = s.connections_reused;
    j["max_loop_lag_ns"] = s.max_loop_lag_ns;
    j["peak_send_buffer_bytes"] = s.peak_send_buffer_bytes;
    j["peak_recv_buffer_bytes"] = s.peak_recv_buffer_bytes;
    return j.dump();
}

}  // namespace loopscope::trace
