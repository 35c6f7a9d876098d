// The catalogue of event kinds: the one vocabulary that sim/, real/ and ui/
// share. Every kind belongs to one lane and has a fixed list of fields; the
// JSONL reader and writer, the explanations, the state fold and the docs are
// all driven by this table, so adding a kind means adding one row here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace loopscope::trace {

// Time is integer nanoseconds everywhere; never floating point seconds.
using Nanos = std::int64_t;

enum class Lane : std::uint8_t {
    wire, kernel, notifier, loop, js, http, tls, pool, threads, client, note,
};
inline constexpr int lane_count = 11;
std::string_view lane_name(Lane lane);
std::optional<Lane> lane_from_name(std::string_view name);

// How a field's integer value is written, read and explained.
enum class FieldType : std::uint8_t {
    count,      // non-negative integer (queue lengths, ports, sequence numbers)
    bytes,      // non-negative integer, a number of bytes
    nanos,      // integer nanoseconds; -1 means "infinite" where the field says so
    flag,       // JSON true/false, stored as 0/1
    text,       // JSON string, stored as an index into the trace's string pool
    tcp_state,  // JSON string from tcp_state_names
    tcp_flags,  // JSON string like "SYN|ACK" (bits from TcpFlag)
    phase,      // JSON string from loop_phase_names
    poll_reason,
    notifier_api,
    register_op,
    interest,
    iocp_op,
    error_code,
    reset_reason,
    blocked_on,  // JSON string from blocked_on_names
};

struct FieldSpec {
    std::string_view name;
    FieldType type;
    std::string_view doc;  // one line for docs/trace-format.md
};

enum class Kind : std::uint16_t {
    // note
    note_caption,
    // client (the peer programs, on a client host)
    client_connect, client_connected, client_write, client_read, client_end, client_close, client_done,
    // wire
    wire_segment,
    // kernel (TCP, per host and connection)
    kernel_tcp_state, kernel_syn_queue, kernel_accept_queue, kernel_ack_dropped,
    kernel_synack_retransmit, kernel_recv_buffer, kernel_send_buffer,
    kernel_zero_window, kernel_window_stall, kernel_window_update,
    kernel_retransmit, kernel_fin_received, kernel_reset, kernel_error,
    // notifier (epoll / kqueue / IOCP on the server host)
    notifier_register, notifier_wait, notifier_wake, notifier_ready,
    notifier_submit, notifier_complete,
    // loop (libuv)
    loop_iteration, loop_phase, loop_poll_timeout, loop_accept, loop_read,
    loop_write, loop_async_wakeup, loop_exit,
    // js (Node callbacks and stream calls)
    js_listening, js_connection, js_data, js_end, js_close, js_error, js_drain,
    js_timer, js_immediate, js_next_tick, js_microtask, js_pool_done,
    js_write, js_end_call, js_destroy, js_pause, js_resume, js_queues,
    // http (Node's http.Server: the parser and the response framing) and the
    // js events of req and res
    http_parse, http_message_begin, http_url, http_headers_complete, http_body, http_chunk_header,
    http_chunk_complete, http_message_complete, http_parse_error, http_response, http_response_chunk,
    http_response_end, http_keep_alive_timeout, http_request_timeout,
    js_request, js_req_data, js_req_end, js_res_write, js_res_end,
    kernel_memory, js_memory,
    // js: fs.createReadStream(file).pipe(res) (the stream program)
    js_file_read, js_pipe_pause, js_pipe_resume,
    // pool (libuv thread pool)
    pool_submit, pool_start, pool_done,
    // tls (the TLS layer of either end; host = the end that does it)
    tls_handshake, tls_record, tls_crypto, tls_established,
    // threads (the thread-per-connection server model, sim/thread_server.hpp)
    threads_spawn, threads_exit, threads_block, threads_wake, threads_run, threads_switch,
};
inline constexpr int kind_count = static_cast<int>(Kind::threads_switch) + 1;

struct KindSpec {
    Kind kind;
    std::string_view name;  // "wire.segment"
    Lane lane;
    std::span<const FieldSpec> fields;
    std::string_view doc;  // what the event means, for docs
};

const KindSpec& kind_spec(Kind kind);
std::optional<Kind> kind_from_name(std::string_view name);
std::span<const KindSpec> all_kinds();

// Index of a field in a kind's field list, or -1.
int field_index(Kind kind, std::string_view field);

// ---- Enumerations carried in fields (stored as their integer value). ----

enum class TcpState : std::uint8_t {
    closed, listen, syn_sent, syn_received, established, fin_wait_1,
    fin_wait_2, close_wait, closing, last_ack, time_wait,
};

// TCP header flag bits, as on the wire.
enum TcpFlag : std::uint8_t {
    tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_psh = 0x08, tcp_ack = 0x10,
};

enum class LoopPhase : std::uint8_t { timers, pending, idle, prepare, poll, check, close };

// Why the poll phase waits as long as it does (libuv's uv_backend_timeout).
enum class PollReason : std::uint8_t {
    immediates_pending,  // setImmediate callbacks waiting: do not block
    pending_callbacks,   // deferred I/O callbacks or closing handles: do not block
    timer_due,           // block until the nearest timer
    no_timers,           // nothing scheduled: block until I/O arrives
    loop_stopping,       // no active handles left
};

// poll() is the portable fallback of real mode (--backend poll); the
// simulator models the three native notifiers only.
enum class NotifierApi : std::uint8_t { epoll, kqueue, iocp, poll };
enum class RegisterOp : std::uint8_t { add, modify, remove };
enum class Interest : std::uint8_t { none, readable, writable, both };
enum class IocpOp : std::uint8_t { zero_read, read, write, accept };
enum class ErrorCode : std::uint8_t { none, econnreset, epipe, etimedout, econnrefused };
enum class ResetReason : std::uint8_t { data_for_closed_socket, abort, no_listener };
// The blocking call a server thread sleeps in.
enum class BlockedOn : std::uint8_t { accept, read, write };

// Names as written in the trace ("ESTABLISHED", "poll", "epoll", ...).
std::span<const std::string_view> enum_names(FieldType type);
std::optional<std::int64_t> enum_from_name(FieldType type, std::string_view name);
bool is_enum(FieldType type);

// "SYN|ACK" <-> bits. An empty string and "-" both mean no flags.
std::string tcp_flags_text(std::uint8_t flags);
std::optional<std::uint8_t> tcp_flags_from_text(std::string_view text);

}  // namespace loopscope::trace
