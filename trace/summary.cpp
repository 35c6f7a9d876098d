#include "trace/summary.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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

// Nearest rank: the smallest sample with at least q of all samples at or below it.
Nanos percentile(const std::vector<Nanos>& sorted, std::uint64_t percent) {
    if (sorted.empty()) return 0;
    const std::size_t rank = (sorted.size() * percent + 99) / 100;
    return sorted[std::max<std::size_t>(rank, 1) - 1];
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

    const int live_field = field_index(Kind::threads_spawn, "live");
    const int sockets_field = field_index(Kind::threads_spawn, "sockets");
    const int virtual_field = field_index(Kind::threads_spawn, "virtual");
    const int resident_field = field_index(Kind::threads_spawn, "resident");
    const int switch_cost = field_index(Kind::threads_switch, "cost");
    const int worker_field = field_index(Kind::pool_start, "worker");
    const int client_read_bytes = field_index(Kind::client_read, "bytes");

    bool thread_model = false;
    std::unordered_set<std::int64_t> pool_workers;
    std::uint64_t open_sockets = 0;  // event loop: js.connection - js.close
    std::unordered_map<std::int32_t, Nanos> asked_at;  // connection -> first write not yet answered
    std::vector<Nanos> latencies;

    std::unordered_set<std::int32_t> connections;
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const Event& e = trace[i];
        if (e.conn != no_conn) connections.insert(e.conn);
        switch (e.kind) {
            case Kind::threads_spawn:
            case Kind::threads_exit:
                thread_model = true;
                s.peak_threads = std::max(s.peak_threads, static_cast<std::uint64_t>(trace.arg(e, live_field)));
                s.peak_open_sockets =
                    std::max(s.peak_open_sockets, static_cast<std::uint64_t>(trace.arg(e, sockets_field)));
                s.peak_virtual_bytes =
                    std::max(s.peak_virtual_bytes, static_cast<std::uint64_t>(trace.arg(e, virtual_field)));
                s.peak_resident_bytes =
                    std::max(s.peak_resident_bytes, static_cast<std::uint64_t>(trace.arg(e, resident_field)));
                break;
            case Kind::threads_switch:
                ++s.context_switches;
                s.switch_cpu_ns += trace.arg(e, switch_cost);
                break;
            case Kind::pool_start: pool_workers.insert(trace.arg(e, worker_field)); break;
            case Kind::js_connection: s.peak_open_sockets = std::max(s.peak_open_sockets, ++open_sockets); break;
            case Kind::js_close:
                if (open_sockets > 0) --open_sockets;
                break;
            case Kind::client_write: asked_at.try_emplace(e.conn, e.time); break;
            case Kind::client_read:
                if (trace.arg(e, client_read_bytes) > 0) {
                    const auto asked = asked_at.find(e.conn);
                    if (asked != asked_at.end()) {
                        latencies.push_back(e.time - asked->second);
                        asked_at.erase(asked);
                    }
                }
                break;
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
    if (!thread_model && s.loop_iterations > 0) {
        s.peak_threads = 1 + pool_workers.size();
        s.peak_virtual_bytes = s.peak_threads * loop_stack_virtual_bytes;
        s.peak_resident_bytes = s.peak_threads * loop_stack_resident_bytes + s.peak_open_sockets * loop_socket_bytes;
    }
    std::sort(latencies.begin(), latencies.end());
    s.latency_samples = latencies.size();
    s.latency_p50_ns = percentile(latencies, 50);
    s.latency_p99_ns = percentile(latencies, 99);
    s.latency_max_ns = latencies.empty() ? 0 : latencies.back();
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
    j["peak_threads"] = s.peak_threads;
    j["context_switches"] = s.context_switches;
    j["switch_cpu_ns"] = s.switch_cpu_ns;
    j["peak_open_sockets"] = s.peak_open_sockets;
    j["peak_virtual_bytes"] = s.peak_virtual_bytes;
    j["peak_resident_bytes"] = s.peak_resident_bytes;
    j["latency_samples"] = s.latency_samples;
    j["latency_p50_ns"] = s.latency_p50_ns;
    j["latency_p99_ns"] = s.latency_p99_ns;
    j["latency_max_ns"] = s.latency_max_ns;
    return j.dump();
}

}  // namespace loopscope::trace
