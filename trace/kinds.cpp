// The table behind kinds.hpp. Field order here is the order of the values an
// emitter passes and the order the writer prints them in.
#include "trace/kinds.hpp"

#include <array>
#include <string>

namespace loopscope::trace {
namespace {

using F = FieldType;

// Field lists, one per kind (shared where two kinds carry the same fields).
constexpr FieldSpec f_caption[] = {
    {"text", F::text, "the lesson's caption for this step"},
    {"step", F::count, "caption number within the lesson, from 1"},
};
constexpr FieldSpec f_client_connect[] = {
    {"port", F::count, "server port the client connects to"},
};
constexpr FieldSpec f_client_connected[] = {
    {"handshake", F::nanos, "time from connect() to the socket becoming writable: the 3-way handshake"},
    {"rtt", F::nanos, "the kernel's smoothed round-trip time for the connection (TCP_INFO tcpi_rtt)"},
};
constexpr FieldSpec f_client_write[] = {
    {"bytes", F::bytes, "bytes the program asked to write"},
    {"accepted", F::bytes, "bytes the kernel's send buffer took"},
    {"total", F::bytes, "bytes this program has written so far, after this write"},
    {"data", F::text, "the accepted bytes up to the first that is not printable ASCII, CR, LF or TAB, at most 2048 of them (\"\" when the first already is not)"},
};
constexpr FieldSpec f_client_read[] = {
    {"bytes", F::bytes, "bytes read by this call"},
    {"total", F::bytes, "bytes this program has read so far, after this read"},
    {"eof", F::flag, "the peer had closed its side and everything was read"},
};
constexpr FieldSpec f_client_done[] = {
    {"sent", F::bytes, "bytes sent over the whole run"},
    {"received", F::bytes, "bytes received over the whole run"},
};
constexpr FieldSpec f_segment[] = {
    {"flags", F::tcp_flags, "TCP flags, e.g. \"SYN|ACK\""},
    {"seq", F::count, "sequence number, relative to this side's initial sequence number"},
    {"ack", F::count, "acknowledgement number, relative (0 when ACK is not set)"},
    {"len", F::bytes, "payload bytes"},
    {"win", F::bytes, "receive window advertised by the sender"},
    {"dur", F::nanos, "time from being handed to the link to reaching the receiver: waiting behind earlier segments, serialisation, latency"},
    {"lost", F::flag, "the network dropped this segment; it never arrives"},
    {"retransmit", F::flag, "this is a re-sent copy of an earlier segment"},
};
constexpr FieldSpec f_tcp_state[] = {
    {"state", F::tcp_state, "the new TCP state"},
    {"prev", F::tcp_state, "the state before"},
};
constexpr FieldSpec f_syn_queue[] = {
    {"listener", F::count, "listener id"},
    {"len", F::count, "connections in the SYN queue after this change"},
    {"max", F::count, "SYN queue capacity"},
};
constexpr FieldSpec f_accept_queue[] = {
    {"listener", F::count, "listener id"},
    {"len", F::count, "connections waiting in the accept queue after this change"},
    {"backlog", F::count, "listen() backlog; the queue holds backlog+1"},
};
constexpr FieldSpec f_synack_retransmit[] = {
    {"listener", F::count, "listener id"},
    {"attempt", F::count, "how many times the SYN-ACK has been re-sent"},
};
constexpr FieldSpec f_recv_buffer[] = {
    {"level", F::bytes, "bytes waiting in the receive buffer after this change"},
    {"capacity", F::bytes, "receive buffer size"},
    {"window", F::bytes, "receive window this side now advertises (free space)"},
};
constexpr FieldSpec f_send_buffer[] = {
    {"level", F::bytes, "bytes held in the send buffer (unsent + sent but unacknowledged)"},
    {"unsent", F::bytes, "bytes not yet sent at all"},
    {"capacity", F::bytes, "send buffer size"},
    {"peer_window", F::bytes, "receive window last advertised by the peer"},
};
constexpr FieldSpec f_window[] = {
    {"window", F::bytes, "the window concerned (0 when stalled)"},
    {"waiting", F::bytes, "bytes waiting to be sent (sender) or buffered (receiver)"},
};
constexpr FieldSpec f_retransmit[] = {
    {"seq", F::count, "relative sequence number re-sent from"},
    {"len", F::bytes, "payload bytes re-sent"},
    {"rto", F::nanos, "retransmission timeout that expired"},
    {"attempt", F::count, "retransmission attempt for this data, from 1"},
};
constexpr FieldSpec f_fin_received[] = {
    {"level", F::bytes, "unread bytes still ahead of the end-of-stream mark"},
};
constexpr FieldSpec f_reset[] = {
    {"reason", F::reset_reason, "why the kernel sent RST"},
};
constexpr FieldSpec f_error[] = {
    {"code", F::error_code, "errno the socket now reports"},
};
constexpr FieldSpec f_register[] = {
    {"api", F::notifier_api, "the OS notifier"},
    {"op", F::register_op, "add, modify or remove the registration"},
    {"interest", F::interest, "what the loop now waits for on this socket"},
    {"listener", F::count, "listener id when the socket is a listener, else 0"},
};
constexpr FieldSpec f_wait[] = {
    {"api", F::notifier_api, "the OS notifier"},
    {"timeout", F::nanos, "how long the call may block; -1 = until something happens"},
    {"watched", F::count, "sockets (or pending operations) being watched"},
};
constexpr FieldSpec f_wake[] = {
    {"api", F::notifier_api, "the OS notifier"},
    {"ready", F::count, "readiness or completion events returned"},
    {"blocked", F::nanos, "how long the call blocked"},
};
constexpr FieldSpec f_ready[] = {
    {"api", F::notifier_api, "epoll or kqueue"},
    {"readable", F::flag, "data, a FIN or a new connection can be read"},
    {"writable", F::flag, "the send buffer has room"},
    {"eof", F::flag, "the peer closed its side (EPOLLRDHUP / EV_EOF)"},
    {"bytes", F::bytes, "kqueue only: bytes readable (EVFILT_READ data) or writable"},
    {"listener", F::count, "listener id when the socket is a listener, else 0"},
};
constexpr FieldSpec f_iocp[] = {
    {"op", F::iocp_op, "the overlapped operation"},
    {"bytes", F::bytes, "bytes requested (submit) or transferred (complete)"},
    {"listener", F::count, "listener id for AcceptEx, else 0"},
};
constexpr FieldSpec f_iteration[] = {
    {"n", F::count, "iteration number, from 1"},
};
constexpr FieldSpec f_phase[] = {
    {"phase", F::phase, "the libuv phase the loop enters"},
    {"iteration", F::count, "iteration number"},
};
constexpr FieldSpec f_poll_timeout[] = {
    {"timeout", F::nanos, "poll timeout; -1 = infinite"},
    {"reason", F::poll_reason, "why this timeout"},
};
constexpr FieldSpec f_accept[] = {
    {"listener", F::count, "listener id"},
    {"len", F::count, "accept-queue length after this accept"},
    {"backlog", F::count, "listen() backlog"},
};
constexpr FieldSpec f_read[] = {
    {"bytes", F::bytes, "bytes read (at most 65536, libuv's read buffer)"},
    {"left", F::bytes, "bytes still in the kernel's receive buffer after the read"},
    {"eof", F::flag, "read returned 0: the peer sent FIN"},
    {"eagain", F::flag, "nothing to read (EAGAIN)"},
};
constexpr FieldSpec f_write[] = {
    {"bytes", F::bytes, "bytes libuv offered to the kernel"},
    {"accepted", F::bytes, "bytes the kernel's send buffer took"},
    {"eagain", F::flag, "the send buffer was full (EAGAIN)"},
    {"writable_length", F::bytes, "socket.writableLength after this write (bytes still in user space)"},
    {"data", F::text, "the accepted bytes up to the first that is not printable ASCII, CR, LF or TAB, at most 2048 of them (\"\" when the first already is not)"},
};
constexpr FieldSpec f_dur[] = {
    {"dur", F::nanos, "CPU time the callback ran on the main thread"},
};
constexpr FieldSpec f_data[] = {
    {"bytes", F::bytes, "size of the chunk (Buffer) handed to the callback"},
    {"dur", F::nanos, "CPU time the callback ran on the main thread"},
};
constexpr FieldSpec f_close[] = {
    {"had_error", F::flag, "the socket closed because of an error"},
    {"dur", F::nanos, "CPU time the callback ran"},
};
constexpr FieldSpec f_js_error[] = {
    {"code", F::error_code, "the error's code"},
    {"dur", F::nanos, "CPU time the callback ran"},
};
constexpr FieldSpec f_timer[] = {
    {"late", F::nanos, "how long after its due time the timer ran (event-loop lag)"},
    {"dur", F::nanos, "CPU time the callback ran"},
};
constexpr FieldSpec f_pool_done[] = {
    {"job", F::count, "thread-pool job id"},
    {"dur", F::nanos, "CPU time the callback ran"},
};
constexpr FieldSpec f_js_write[] = {
    {"bytes", F::bytes, "bytes passed to write()"},
    {"returned", F::flag, "write()'s return value: false means wait for 'drain'"},
    {"writable_length", F::bytes, "socket.writableLength after the call (bytes still in user space)"},
    {"high_water_mark", F::bytes, "writableHighWaterMark"},
};
constexpr FieldSpec f_writable[] = {
    {"writable_length", F::bytes, "socket.writableLength (bytes still in user space)"},
    {"high_water_mark", F::bytes, "writableHighWaterMark"},
};
constexpr FieldSpec f_queues[] = {
    {"next_tick", F::count, "process.nextTick callbacks waiting"},
    {"microtasks", F::count, "promise microtasks waiting"},
    {"immediates", F::count, "setImmediate callbacks waiting"},
    {"timers", F::count, "active timers"},
};
constexpr FieldSpec f_pool_submit[] = {
    {"job", F::count, "job id"},
    {"queued", F::count, "jobs waiting for a free worker after this submit"},
    {"work", F::nanos, "how long the job will run on a worker"},
};
constexpr FieldSpec f_pool_worker[] = {
    {"job", F::count, "job id"},
    {"worker", F::count, "worker thread number, from 1"},
    {"queued", F::count, "jobs still waiting for a worker"},
};
constexpr FieldSpec f_tls_handshake[] = {
    {"message", F::text, "the handshake message, e.g. \"ClientHello\""},
    {"bytes", F::bytes, "the message's size, its 4-byte header included"},
    {"version", F::count, "the TLS version of the connection: 13 or 12"},
};
constexpr FieldSpec f_tls_record[] = {
    {"type", F::text, "the record's real content type: handshake, change_cipher_spec, alert or application_data"},
    {"plain", F::bytes, "plaintext bytes the record carries"},
    {"wire", F::bytes, "bytes on the wire: the 5-byte header, the plaintext and the AEAD's overhead"},
};
constexpr FieldSpec f_tls_crypto[] = {
    {"what", F::text, "the computation, e.g. \"X25519 key share\" or \"ECDSA P-256 signature\""},
    {"dur", F::nanos, "CPU time it takes on the thread that runs the handshake"},
};
constexpr FieldSpec f_tls_established[] = {
    {"version", F::count, "the TLS version: 13 or 12"},
    {"round_trips", F::count, "round trips the handshake cost before the client could send data"},
    {"handshake_ns", F::nanos, "time from the ClientHello (sent by the client, received by the server) to now"},
};

constexpr FieldSpec f_thread_memory[] = {
    {"thread", F::count, "thread id, from 1 (1 is the acceptor)"},
    {"live", F::count, "threads alive after this change"},
    {"sockets", F::count, "open server sockets (accepted, not yet closed) after this change"},
    {"virtual", F::bytes, "address space reserved for all live threads' stacks"},
    {"resident", F::bytes, "memory actually used: every live thread's resident stack plus the kernel's memory for every open socket"},
};
constexpr FieldSpec f_thread_block[] = {
    {"thread", F::count, "thread id"},
    {"on", F::blocked_on, "the blocking call the thread sleeps in: accept, read or write"},
};
constexpr FieldSpec f_thread_wake[] = {
    {"thread", F::count, "thread id"},
    {"on", F::blocked_on, "the call it was blocked in, which can now go on"},
    {"runnable", F::count, "threads waiting in the run queue for a core after this wake-up"},
};
constexpr FieldSpec f_thread_run[] = {
    {"thread", F::count, "thread id"},
    {"core", F::count, "CPU core number, from 1"},
    {"dur", F::nanos, "CPU time the thread ran on the core before it blocked, exited or was preempted"},
};
constexpr FieldSpec f_thread_switch[] = {
    {"core", F::count, "CPU core number, from 1"},
    {"from", F::count, "thread the core ran last"},
    {"to", F::count, "thread the core switches to"},
    {"cost", F::nanos, "CPU time the switch itself takes, not spent on any request"},
};

constexpr FieldSpec f_http_parse[] = {
    {"bytes", F::bytes, "bytes of the chunk libuv read, fed to the parser"},
    {"dur", F::nanos, "CPU time of the parser and the JavaScript it called on the main thread"},
};
constexpr FieldSpec f_http_nth[] = {
    {"n", F::count, "request number on this connection, from 1"},
};
constexpr FieldSpec f_http_url[] = {
    {"text", F::text, "this piece of the URL (a URL split across packets arrives in pieces)"},
    {"bytes", F::bytes, "length of the piece"},
};
constexpr FieldSpec f_http_headers[] = {
    {"method", F::text, "request method, e.g. \"GET\""},
    {"url", F::text, "the whole URL"},
    {"version", F::text, "HTTP version, e.g. \"1.1\""},
    {"headers", F::count, "header lines"},
    {"keep_alive", F::flag, "the connection may serve another request (HTTP/1.1 without Connection: close)"},
    {"chunked", F::flag, "the body comes with Transfer-Encoding: chunked"},
    {"content_length", F::bytes, "the Content-Length header, 0 when there is none"},
};
constexpr FieldSpec f_http_body[] = {
    {"bytes", F::bytes, "body bytes the parser found in this chunk"},
};
constexpr FieldSpec f_http_chunk_header[] = {
    {"size", F::bytes, "size the chunk header announces (0: the last chunk)"},
};
constexpr FieldSpec f_http_parse_error[] = {
    {"error", F::text, "the parser's error (http_errno name, e.g. HPE_INVALID_METHOD)"},
    {"status", F::count, "status of the response Node sends before closing (400 or 431)"},
};
constexpr FieldSpec f_http_response[] = {
    {"status", F::count, "status code"},
    {"framing", F::text, "how the body's end is marked: \"content-length\", \"chunked\" or \"close\""},
    {"content_length", F::bytes, "Content-Length when framing is content-length, else 0"},
    {"keep_alive", F::flag, "Connection: keep-alive (else Connection: close)"},
    {"header_bytes", F::bytes, "bytes of the status line and headers"},
    {"n", F::count, "request number on this connection this response answers"},
};
constexpr FieldSpec f_http_response_chunk[] = {
    {"bytes", F::bytes, "body bytes in this chunk"},
    {"framed", F::bytes, "bytes written for it, with the hex size line and CRLFs"},
};
constexpr FieldSpec f_http_response_end[] = {
    {"n", F::count, "request number this response answered"},
    {"body", F::bytes, "body bytes of the whole response"},
};
constexpr FieldSpec f_http_keep_alive_timeout[] = {
    {"timeout", F::nanos, "keepAliveTimeout the idle connection waited"},
    {"requests", F::count, "requests this connection served"},
};
constexpr FieldSpec f_http_request_timeout[] = {
    {"timeout", F::nanos, "the limit that passed: headersTimeout while the head was incomplete, else requestTimeout"},
    {"headers_complete", F::flag, "the request's head had arrived (so requestTimeout expired, not headersTimeout)"},
    {"status", F::count, "status of the response Node sends before closing: 408, or 0 when a response had already begun"},
};
constexpr FieldSpec f_js_request[] = {
    {"method", F::text, "req.method"},
    {"url", F::text, "req.url"},
    {"n", F::count, "request number on this connection, from 1"},
};
constexpr FieldSpec f_js_req_data[] = {
    {"bytes", F::bytes, "size of the body chunk req emits"},
};
constexpr FieldSpec f_js_req_end[] = {
    {"bytes", F::bytes, "body bytes req delivered in all"},
};
constexpr FieldSpec f_js_res_end[] = {
    {"bytes", F::bytes, "bytes passed to res.end()"},
    {"body", F::bytes, "body bytes of the whole response"},
};
constexpr FieldSpec f_js_file_read[] = {
    {"bytes", F::bytes, "bytes this fs.read returned (0: end of file)"},
    {"position", F::bytes, "file offset the read started at"},
    {"readable_length", F::bytes, "readStream.readableLength after the read: bytes read but not yet handed to 'data'"},
    {"reads_in_flight", F::count, "fs.read jobs on the thread pool after this one (the stream keeps at most one)"},
};
constexpr FieldSpec f_js_pipe_pause[] = {
    {"writable_length", F::bytes, "res.writableLength that made res.write() return false"},
    {"readable_length", F::bytes, "readStream.readableLength when it pauses"},
};
constexpr FieldSpec f_js_pipe_resume[] = {
    {"readable_length", F::bytes, "readStream.readableLength when it resumes: the chunk it writes first"},
    {"piped", F::bytes, "bytes of the file written to res so far"},
};

constexpr FieldSpec f_memory[] = {
    {"sockets", F::count, "sockets (kernel) or net.Socket objects (Node) open on the server host"},
    {"bytes", F::bytes, "their memory: about 4 KB of kernel slab per socket, about 3.7 KB of RSS per idle net.Socket (measured, docs/simulator.md)"},
};

constexpr std::span<const FieldSpec> none{};

constexpr KindSpec table[] = {
    {Kind::note_caption, "note.caption", Lane::note, f_caption, "A caption of the lesson: what to notice at this step."},
    {Kind::client_connect, "client.connect", Lane::client, f_client_connect, "A client program calls connect()."},
    {Kind::client_connected, "client.connected", Lane::client, f_client_connected, "A client's connect() completed: the handshake is done (real mode measures it)."},
    {Kind::client_write, "client.write", Lane::client, f_client_write, "A client program writes bytes to its socket."},
    {Kind::client_read, "client.read", Lane::client, f_client_read, "A client program reads bytes from its socket."},
    {Kind::client_end, "client.end", Lane::client, none, "A client program finishes sending (shutdown: FIN after its data)."},
    {Kind::client_close, "client.close", Lane::client, none, "A client program closes its socket."},
    {Kind::client_done, "client.done", Lane::client, f_client_done, "A client program has finished its work."},
    {Kind::wire_segment, "wire.segment", Lane::wire, f_segment, "A TCP segment leaves the sending host (event host) for the other end of the connection."},
    {Kind::kernel_tcp_state, "kernel.tcp_state", Lane::kernel, f_tcp_state, "The TCP state of one end of a connection changes."},
    {Kind::kernel_syn_queue, "kernel.syn_queue", Lane::kernel, f_syn_queue, "A half-open connection enters or leaves the listener's SYN queue."},
    {Kind::kernel_accept_queue, "kernel.accept_queue", Lane::kernel, f_accept_queue, "The handshake completed and the connection waits in the accept queue."},
    {Kind::kernel_ack_dropped, "kernel.ack_dropped", Lane::kernel, f_accept_queue, "The accept queue was full (backlog+1), so the handshake's final ACK was dropped."},
    {Kind::kernel_synack_retransmit, "kernel.synack_retransmit", Lane::kernel, f_synack_retransmit, "The server re-sends a SYN-ACK for a handshake it could not finish."},
    {Kind::kernel_recv_buffer, "kernel.recv_buffer", Lane::kernel, f_recv_buffer, "The level of a socket's receive buffer changes (data arrived or was read)."},
    {Kind::kernel_send_buffer, "kernel.send_buffer", Lane::kernel, f_send_buffer, "The level of a socket's send buffer changes (written, sent, or acknowledged)."},
    {Kind::kernel_zero_window, "kernel.zero_window", Lane::kernel, f_window, "The receive buffer is full: this side advertises a zero window."},
    {Kind::kernel_window_stall, "kernel.window_stall", Lane::kernel, f_window, "The sender has data but the peer's window is zero: it must wait."},
    {Kind::kernel_window_update, "kernel.window_update", Lane::kernel, f_window, "The reader freed space: the receiver advertises an open window again."},
    {Kind::kernel_retransmit, "kernel.retransmit", Lane::kernel, f_retransmit, "The retransmission timer expired: unacknowledged data is sent again."},
    {Kind::kernel_fin_received, "kernel.fin_received", Lane::kernel, f_fin_received, "The peer's FIN arrived: no more data will come on this connection."},
    {Kind::kernel_reset, "kernel.reset", Lane::kernel, f_reset, "The kernel sends RST to abort a connection."},
    {Kind::kernel_error, "kernel.error", Lane::kernel, f_error, "A socket now reports an error (for example after receiving RST)."},
    {Kind::notifier_register, "notifier.register", Lane::notifier, f_register, "The loop tells the OS notifier what to watch on a socket (epoll_ctl, kevent, CreateIoCompletionPort)."},
    {Kind::notifier_wait, "notifier.wait", Lane::notifier, f_wait, "The loop calls epoll_wait / kevent / GetQueuedCompletionStatusEx and may block."},
    {Kind::notifier_wake, "notifier.wake", Lane::notifier, f_wake, "The notifier call returns to the loop."},
    {Kind::notifier_ready, "notifier.ready", Lane::notifier, f_ready, "One readiness event returned by epoll or kqueue."},
    {Kind::notifier_submit, "notifier.submit", Lane::notifier, f_iocp, "IOCP: libuv starts an overlapped operation (zero-byte read, write, AcceptEx)."},
    {Kind::notifier_complete, "notifier.complete", Lane::notifier, f_iocp, "IOCP: one completion packet returned by GetQueuedCompletionStatusEx."},
    {Kind::loop_iteration, "loop.iteration", Lane::loop, f_iteration, "The event loop starts a new iteration (uv_run updates its clock)."},
    {Kind::loop_phase, "loop.phase", Lane::loop, f_phase, "The event loop enters a phase."},
    {Kind::loop_poll_timeout, "loop.poll_timeout", Lane::loop, f_poll_timeout, "The poll phase computes how long it may block, and why."},
    {Kind::loop_accept, "loop.accept", Lane::loop, f_accept, "libuv calls accept() and takes a connection from the accept queue."},
    {Kind::loop_read, "loop.read", Lane::loop, f_read, "libuv calls read() on a socket."},
    {Kind::loop_write, "loop.write", Lane::loop, f_write, "libuv writes user-space bytes into the kernel's send buffer."},
    {Kind::loop_async_wakeup, "loop.async_wakeup", Lane::loop, none, "A thread-pool worker wakes the loop through its async handle (eventfd)."},
    {Kind::loop_exit, "loop.exit", Lane::loop, none, "The loop has no active handles left and uv_run returns."},
    {Kind::js_listening, "js.listening", Lane::js, f_dur, "server.listen() is done: the 'listening' callback runs."},
    {Kind::js_connection, "js.connection", Lane::js, f_dur, "net.Server emits 'connection' with a new net.Socket."},
    {Kind::js_data, "js.data", Lane::js, f_data, "A net.Socket emits 'data' with one chunk."},
    {Kind::js_end, "js.end", Lane::js, f_dur, "A net.Socket emits 'end': the peer finished sending."},
    {Kind::js_close, "js.close", Lane::js, f_close, "A net.Socket emits 'close': the handle is closed."},
    {Kind::js_error, "js.error", Lane::js, f_js_error, "A net.Socket emits 'error'."},
    {Kind::js_drain, "js.drain", Lane::js, f_dur, "A net.Socket emits 'drain': its user-space buffer emptied, write again."},
    {Kind::js_timer, "js.timer", Lane::js, f_timer, "A setTimeout / setInterval callback runs (timers phase)."},
    {Kind::js_immediate, "js.immediate", Lane::js, f_dur, "A setImmediate callback runs (check phase)."},
    {Kind::js_next_tick, "js.next_tick", Lane::js, f_dur, "A process.nextTick callback runs, right after the callback that queued it."},
    {Kind::js_microtask, "js.microtask", Lane::js, f_dur, "A promise microtask runs, after the nextTick queue is empty."},
    {Kind::js_pool_done, "js.pool_done", Lane::js, f_pool_done, "The JavaScript callback of a finished thread-pool job runs."},
    {Kind::js_write, "js.write", Lane::js, f_js_write, "JavaScript calls socket.write(chunk)."},
    {Kind::js_end_call, "js.end_call", Lane::js, f_writable, "JavaScript calls socket.end(): FIN once the buffered bytes are written."},
    {Kind::js_destroy, "js.destroy", Lane::js, none, "JavaScript calls socket.destroy(): close now, buffered bytes are dropped."},
    {Kind::js_pause, "js.pause", Lane::js, none, "JavaScript calls socket.pause(): libuv stops reading this socket."},
    {Kind::js_resume, "js.resume", Lane::js, none, "JavaScript calls socket.resume(): libuv reads this socket again."},
    {Kind::js_queues, "js.queues", Lane::js, f_queues, "The lengths of the loop's JavaScript queues changed."},
    {Kind::http_parse, "http.parse", Lane::http, f_http_parse, "Node's HTTP parser runs over a chunk libuv read from the socket (in C++: no 'data' event reaches JavaScript)."},
    {Kind::http_message_begin, "http.message_begin", Lane::http, f_http_nth, "The parser sees the first byte of a new request."},
    {Kind::http_url, "http.url", Lane::http, f_http_url, "The parser reads (a piece of) the request's URL."},
    {Kind::http_headers_complete, "http.headers_complete", Lane::http, f_http_headers, "The request line and headers are complete: Node builds req and res."},
    {Kind::http_body, "http.body", Lane::http, f_http_body, "The parser hands on body bytes."},
    {Kind::http_chunk_header, "http.chunk_header", Lane::http, f_http_chunk_header, "The parser reads a chunk-size line of a chunked body."},
    {Kind::http_chunk_complete, "http.chunk_complete", Lane::http, none, "A chunk of a chunked body is complete."},
    {Kind::http_message_complete, "http.message_complete", Lane::http, f_http_nth, "The request, body included, is complete."},
    {Kind::http_parse_error, "http.parse_error", Lane::http, f_http_parse_error, "The bytes are not valid HTTP: Node answers with an error status and closes the connection."},
    {Kind::http_response, "http.response", Lane::http, f_http_response, "Node writes the status line and headers of a response."},
    {Kind::http_response_chunk, "http.response_chunk", Lane::http, f_http_response_chunk, "Node frames a piece of the response body (a chunk when chunked)."},
    {Kind::http_response_end, "http.response_end", Lane::http, f_http_response_end, "The response is complete (the last chunk 0 when chunked)."},
    {Kind::http_keep_alive_timeout, "http.keep_alive_timeout", Lane::http, f_http_keep_alive_timeout, "An idle keep-alive connection reached keepAliveTimeout: Node closes it."},
    {Kind::http_request_timeout, "http.request_timeout", Lane::http, f_http_request_timeout, "A request did not arrive in time (headersTimeout or requestTimeout): Node answers 408 and closes the connection."},
    {Kind::js_request, "js.request", Lane::js, f_js_request, "http.Server emits 'request': your handler gets req and res."},
    {Kind::js_req_data, "js.req_data", Lane::js, f_js_req_data, "req (a readable stream) emits 'data' with a body chunk."},
    {Kind::js_req_end, "js.req_end", Lane::js, f_js_req_end, "req emits 'end': the whole body has been read."},
    {Kind::js_res_write, "js.res_write", Lane::js, f_js_write, "JavaScript calls res.write(chunk)."},
    {Kind::js_res_end, "js.res_end", Lane::js, f_js_res_end, "JavaScript calls res.end(): the response is finished."},
    {Kind::kernel_memory, "kernel.memory", Lane::kernel, f_memory, "The kernel memory of the server host's sockets changed (one more or one fewer)."},
    {Kind::js_memory, "js.memory", Lane::js, f_memory, "The memory Node spends on net.Socket objects changed (one more or one fewer)."},
    {Kind::js_file_read, "js.file_read", Lane::js, f_js_file_read, "An fs.ReadStream's read completed: the bytes join the stream (then 'data' if it flows)."},
    {Kind::js_pipe_pause, "js.pipe_pause", Lane::js, f_js_pipe_pause, "pipe() pauses the file stream because res.write() returned false."},
    {Kind::js_pipe_resume, "js.pipe_resume", Lane::js, f_js_pipe_resume, "res emitted 'drain': pipe() resumes the file stream."},
    {Kind::pool_submit, "pool.submit", Lane::pool, f_pool_submit, "Work is queued for the libuv thread pool."},
    {Kind::pool_start, "pool.start", Lane::pool, f_pool_worker, "A pool worker thread picks up a job."},
    {Kind::pool_done, "pool.done", Lane::pool, f_pool_worker, "A pool worker finishes a job and signals the loop."},
    {Kind::tls_handshake, "tls.handshake", Lane::tls, f_tls_handshake, "One end of a TLS connection sends a handshake message."},
    {Kind::tls_record, "tls.record", Lane::tls, f_tls_record, "One end of a TLS connection frames bytes as a TLS record for TCP."},
    {Kind::tls_crypto, "tls.crypto", Lane::tls, f_tls_crypto, "The server computes part of the handshake's cryptography (a key share, a signature)."},
    {Kind::tls_established, "tls.established", Lane::tls, f_tls_established, "This end has finished the TLS handshake: application data can flow."},
    {Kind::threads_spawn, "threads.spawn", Lane::threads, f_thread_memory, "A server thread is created (pthread_create) with its own stack; memory levels after it."},
    {Kind::threads_exit, "threads.exit", Lane::threads, f_thread_memory, "A server thread ends and its stack is released; memory levels after it."},
    {Kind::threads_block, "threads.block", Lane::threads, f_thread_block, "A server thread sleeps in a blocking call (accept, read or write) and leaves its core."},
    {Kind::threads_wake, "threads.wake", Lane::threads, f_thread_wake, "The kernel wakes a blocked server thread: it is runnable and waits for a core."},
    {Kind::threads_run, "threads.run", Lane::threads, f_thread_run, "A server thread runs on a CPU core (a span: its CPU time on the core)."},
    {Kind::threads_switch, "threads.switch", Lane::threads, f_thread_switch, "A core switches from one server thread to another (a context switch) and pays its cost."},
};
static_assert(std::size(table) == kind_count, "every Kind needs one row, in enum order");

constexpr std::string_view lane_names[] = {
    "wire", "kernel", "notifier", "loop", "js", "http", "tls", "pool", "threads", "client", "note",
};
constexpr std::string_view tcp_state_names[] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};
constexpr std::string_view phase_names[] = {"timers", "pending", "idle", "prepare", "poll", "check", "close"};
constexpr std::string_view poll_reason_names[] = {
    "immediates_pending", "pending_callbacks", "timer_due", "no_timers", "loop_stopping",
};
constexpr std::string_view api_names[] = {"epoll", "kqueue", "iocp", "poll"};
constexpr std::string_view register_op_names[] = {"add", "modify", "remove"};
constexpr std::string_view interest_names[] = {"none", "readable", "writable", "both"};
constexpr std::string_view iocp_op_names[] = {"zero_read", "read", "write", "accept"};
constexpr std::string_view error_code_names[] = {"none", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED"};
constexpr std::string_view reset_reason_names[] = {"data_for_closed_socket", "abort", "no_listener"};
constexpr std::string_view blocked_on_names[] = {"accept", "read", "write"};

struct FlagName {
    std::uint8_t bit;
    std::string_view name;
};
// Printed in the order Wireshark uses, so "SYN|ACK" reads as people expect.
constexpr FlagName flag_names[] = {
    {tcp_syn, "SYN"}, {tcp_fin, "FIN"}, {tcp_rst, "RST"}, {tcp_psh, "PSH"}, {tcp_ack, "ACK"},
};

}  // namespace

std::string_view lane_name(Lane lane) { return lane_names[static_cast<int>(lane)]; }

std::optional<Lane> lane_from_name(std::string_view name) {
    for (int i = 0; i < lane_count; ++i)
        if (lane_names[i] == name) return static_cast<Lane>(i);
    return std::nullopt;
}

const KindSpec& kind_spec(Kind kind) { return table[static_cast<int>(kind)]; }

std::span<const KindSpec> all_kinds() { return table; }

std::optional<Kind> kind_from_name(std::string_view name) {
    for (const KindSpec& spec : table)
        if (spec.name == name) return spec.kind;
    return std::nullopt;
}

int field_index(Kind kind, std::string_view field) {
    const auto& fields = kind_spec(kind).fields;
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == field) return static_cast<int>(i);
    return -1;
}

std::span<const std::string_view> enum_names(FieldType type) {
    switch (type) {
        case F::tcp_state: return tcp_state_names;
        case F::phase: return phase_names;
        case F::poll_reason: return poll_reason_names;
        case F::notifier_api: return api_names;
        case F::register_op: return register_op_names;
        case F::interest: return interest_names;
        case F::iocp_op: return iocp_op_names;
        case F::error_code: return error_code_names;
        case F::reset_reason: return reset_reason_names;
        case F::blocked_on: return blocked_on_names;
        default: return {};
    }
}

bool is_enum(FieldType type) { return !enum_names(type).empty(); }

std::optional<std::int64_t> enum_from_name(FieldType type, std::string_view name) {
    const auto names = enum_names(type);
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<std::int64_t>(i);
    return std::nullopt;
}

std::string tcp_flags_text(std::uint8_t flags) {
    std::string text;
    for (const FlagName& flag : flag_names) {
        if ((flags & flag.bit) == 0) continue;
        if (!text.empty()) text += '|';
        text += flag.name;
    }
    return text.empty() ? std::string("-") : text;
}

std::optional<std::uint8_t> tcp_flags_from_text(std::string_view text) {
    if (text.empty() || text == "-") return std::uint8_t{0};
    std::uint8_t flags = 0;
    while (!text.empty()) {
        const auto bar = text.find('|');
        const std::string_view part = text.substr(0, bar);
        bool known = false;
        for (const FlagName& flag : flag_names) {
            if (flag.name == part) {
                flags |= flag.bit;
                known = true;
            }
        }
        if (!known) return std::nullopt;
        if (bar == std::string_view::npos) break;
        text.remove_prefix(bar + 1);
        if (text.empty()) return std::nullopt;  // trailing '|'
    }
    return flags;
}

}  // namespace loopscope::trace
