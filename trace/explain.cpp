// The explanation catalogue: one sentence per event kind, written for a
// student who is meeting epoll, kqueue and IOCP for the first time. The
// sentences are functions rather than "{placeholder}" templates because each
// OS must be explained in its own terms (epoll_ctl, EVFILT_READ, a zero-byte
// WSARecv), which is a choice, not a substitution.
//
// Here: the table (one row per Kind, checked at compile time) and
// explain(). The Sentence helper is in explain_sentence.hpp, phrases shared
// by several kinds in explain_phrases.cpp, the number formats (bytes,
// counts, durations) in format.cpp.
#include "trace/explain.hpp"

#include "trace/explain_phrases.hpp"
#include "trace/explain_sentence.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace loopscope::trace {

namespace {

using namespace explain_detail;

// ---- the catalogue ----

using Explainer = std::string (*)(const Sentence&);
struct Row {
    Kind kind;
    Explainer explain;
};

constexpr Row rows[] = {
    {Kind::note_caption, [](const Sentence& s) { return s.text("text"); }},
    {Kind::client_connect, [](const Sentence& s) {
         return "The client calls connect() to port " + s.plain("port") + " for " + s.conn() +
                ": its kernel sends a SYN to start the 3-way handshake.";
     }},
    {Kind::client_connected, [](const Sentence& s) {
         return "connect() completed for " + s.conn() + " after " + s.nanos("handshake") +
                ": SYN, SYN-ACK and ACK went back and forth, and the kernel now measures a round trip at " +
                s.nanos("rtt") + ".";
     }},
    {Kind::client_write, [](const Sentence& s) {
         std::string text = "The client writes " + s.bytes("bytes") + " on " + s.conn() + "; its kernel's send buffer takes ";
         if (s.count("accepted") < s.count("bytes")) text += "only " + s.bytes("accepted") + ", the rest must wait for room";
         else text += "all of it";
         return text + " (" + s.bytes("total") + " written so far).";
     }},
    {Kind::client_read, [](const Sentence& s) {
         if (s.flag("eof"))
             return "The client reads the end of " + s.conn() + ": the server closed its side and everything (" +
                    s.bytes("total") + ") has been read.";
         return "The client reads " + s.bytes("bytes") + " from " + s.conn() + " (" + s.bytes("total") + " so far).";
     }},
    {Kind::client_end, [](const Sentence& s) {
         return "The client has finished sending on " + s.conn() +
                ": its kernel will send a FIN after the last buffered byte.";
     }},
    {Kind::client_close, [](const Sentence& s) { return "The client closes its socket for " + s.conn() + "."; }},
    {Kind::client_done, [](const Sentence& s) {
         return "The client program is done: it sent " + s.bytes("sent") + " and received " + s.bytes("received") + ".";
     }},
    {Kind::wire_segment, [](const Sentence& s) {
         const auto flags = static_cast<std::uint8_t>(s.arg("flags"));
         std::string text = (s.flag("retransmit") ? "Again, " + s.who() : s.Who()) + " sends " +
                            segment_name(flags, s.count("len"));
         if (s.count("len") > 0) text += " with " + s.bytes("len") + " of data";
         text += " on " + s.conn() + " (flags " + tcp_flags_text(flags) + ", seq " + s.number("seq");
         if (flags & tcp_ack) text += ", ack " + s.number("ack");
         text += ", window " + s.bytes("win") + ")";
         if (s.flag("lost")) return text + ", but the network loses it: it never arrives.";
         // `dur` counts from being handed to the link, so it includes any
         // wait behind earlier segments, not only the trip itself.
         return text + "; it reaches " + s.peer() + " " + s.nanos("dur") + " later.";
     }},
    {Kind::kernel_tcp_state, [](const Sentence& s) {
         return "The TCP state of " + s.whose() + " end of " + s.conn() + " changes from " + std::string(s.name("prev")) +
                " to " + std::string(s.name("state")) + state_meaning(s.name("state")) + ".";
     }},
    {Kind::kernel_syn_queue, [](const Sentence& s) {
         return "The SYN queue of listener " + s.plain("listener") + " now holds " +
                plural(s.count("len"), "half-open connection", "half-open connections") + " (room for " +
                s.number("max") + "): each waits for the client's final ACK.";
     }},
    {Kind::kernel_accept_queue, [](const Sentence& s) {
         const std::string queued = "The kernel finished the 3-way handshake and put " + s.conn() +
                                    " in the accept queue (" + s.number("len") + " of " +
                                    with_commas(s.count("backlog") + 1) + ")";
         if (s.os() == "windows") return queued + "; the AcceptEx that libuv posted takes it from there at once.";
         return queued + ".";
     }},
    {Kind::kernel_ack_dropped, [](const Sentence& s) {
         return "The accept queue of listener " + s.plain("listener") + " is full (" + s.number("len") + " of " +
                with_commas(s.count("backlog") + 1) + "), so the kernel drops the client's final ACK for " + s.conn() +
                ": the client believes it is connected, but the server will send its SYN-ACK again.";
     }},
    {Kind::kernel_synack_retransmit, [](const Sentence& s) {
         return "The server sends its SYN-ACK for " + s.conn() + " again (attempt " + s.number("attempt") +
                "), hoping the accept queue of listener " + s.plain("listener") + " has room now.";
     }},
    {Kind::kernel_recv_buffer, [](const Sentence& s) {
         const std::string head = "The receive buffer of " + s.whose() + " socket on " + s.conn();
         const std::string window = ", so it advertises a window of " + s.bytes("window") + ".";
         if (s.count("level") == 0) return head + " is empty (everything has been read)" + window;
         return head + " now holds " + s.bytes("level") + " of " + s.bytes("capacity") + " waiting to be read" + window;
     }},
    {Kind::kernel_send_buffer, [](const Sentence& s) {
         const std::string head = "The send buffer of " + s.whose() + " socket on " + s.conn();
         const std::string window = "; " + s.peer() + "'s window is " + s.bytes("peer_window") + ".";
         if (s.count("level") == 0) return head + " is empty: everything sent has been acknowledged" + window;
         std::string parts;
         if (s.count("unsent") == 0) parts = "all sent, waiting to be acknowledged";
         else if (s.count("unsent") >= s.count("level")) parts = "none of it sent yet";
         else parts = s.bytes("unsent") + " not sent yet, the rest sent but not yet acknowledged";
         return head + " now holds " + s.bytes("level") + " of " + s.bytes("capacity") + " (" + parts + ")" + window;
     }},
    {Kind::kernel_zero_window, [](const Sentence& s) {
         return "The receive buffer of " + s.whose() + " socket on " + s.conn() + " is full (" + s.bytes("waiting") +
                " waiting to be read), so it advertises a zero window: " + s.peer() + " must stop sending.";
     }},
    {Kind::kernel_window_stall, [](const Sentence& s) {
         return s.Who() + " has " + s.bytes("waiting") + " to send on " + s.conn() + ", but " + s.peer() +
                "'s window is zero: its kernel must wait until the reader makes room.";
     }},
    {Kind::kernel_window_update, [](const Sentence& s) {
         return "The program on " + s.who() + " read data and freed space: its kernel advertises a window of " +
                s.bytes("window") + " on " + s.conn() + " again, so " + s.peer() + " may send more.";
     }},
    {Kind::kernel_retransmit, [](const Sentence& s) {
         return "No ACK arrived within " + s.nanos("rto") + ": " + s.whose() + " kernel sends " + s.bytes("len") +
                " of " + s.conn() + " again, from sequence " + s.number("seq") + " (attempt " + s.number("attempt") + ").";
     }},
    {Kind::kernel_fin_received, [](const Sentence& s) {
         std::string text = s.Peer() + "'s FIN arrived on " + s.conn() + ": no more data will come. ";
         if (s.count("level") == 0) return text + "Everything has been read, so the next read reports the end.";
         return text + s.bytes("level") + " must still be read before the end.";
     }},
    {Kind::kernel_reset, [](const Sentence& s) {
         const std::string_view reason = s.name("reason");
         const std::string why = reason == "data_for_closed_socket" ? "data arrived for a socket that is already closed"
                                 : reason == "abort" ? "the program aborted the connection"
                                                     : "nobody is listening on that port";
         return "The kernel of " + s.who() + " sends RST on " + s.conn() + ": " + why + ".";
     }},
    {Kind::kernel_error, [](const Sentence& s) {
         return "The socket of " + s.who() + " on " + s.conn() + " now reports " + error_meaning(s.name("code")) + ".";
     }},
    {Kind::notifier_register, [](const Sentence& s) {
         const std::string_view op = s.name("op");
         const std::string_view interest = s.name("interest");
         switch (s.api()) {
             case NotifierApi::epoll: {
                 const std::string ctl = op == "add" ? "EPOLL_CTL_ADD" : op == "modify" ? "EPOLL_CTL_MOD" : "EPOLL_CTL_DEL";
                 if (op == "remove") return "libuv calls epoll_ctl(" + ctl + "): epoll stops watching " + s.socket() + ".";
                 return "libuv calls epoll_ctl(" + ctl + ") so that epoll watches " + s.socket() + " for " +
                        interest_name(s.api(), interest) + ".";
             }
             case NotifierApi::kqueue:
                 if (op == "remove") return "libuv calls kevent() with EV_DELETE: kqueue stops watching " + s.socket() + ".";
                if (interest == "none")
                    return "libuv calls kevent() with EV_DELETE for its filters: kqueue stops reporting " + s.socket() +
                           " (nothing to read or write for now).";
                 return "libuv calls kevent() with EV_ADD so that kqueue watches " + s.socket() + " for " +
                        interest_name(s.api(), interest) + ".";
             case NotifierApi::poll:
                 // poll() has no registration call: the loop rebuilds the
                 // array of pollfd it passes on every wait.
                 if (op == "remove") return "The loop drops " + s.socket() + " from the pollfd array it passes to poll().";
                 return "The loop puts " + s.socket() + " in the pollfd array it passes to poll(), asking for " +
                        interest_name(s.api(), interest) + ". poll() keeps no state: the whole array is handed over on every call.";
             case NotifierApi::iocp:
                 if (op == "remove") return "libuv stops using the completion port for " + s.socket() + ".";
                 return "libuv associates " + s.socket() +
                        " with its I/O completion port (CreateIoCompletionPort): finished operations will be queued there.";
         }
         return std::string();
     }},
    {Kind::notifier_wait, [](const Sentence& s) {
         const Nanos timeout = s.arg("timeout");
         const bool iocp = s.api() == NotifierApi::iocp;
         const std::string until = iocp ? "an overlapped operation completes" : "a socket is ready";
         std::string text = "libuv calls " + waiter(s.api());
         if (timeout == -1) text += " and sleeps until " + until + " (no timeout).";
         else if (timeout == 0) text += " with a timeout of 0: it only checks, without sleeping.";
         else text += " and sleeps until " + until + ", for at most " + format_nanos(timeout) + ".";
         return text + " " + (iocp ? plural(s.count("watched"), "operation is", "operations are") + " pending."
                                   : plural(s.count("watched"), "socket is", "sockets are") + " watched.");
     }},
    {Kind::notifier_wake, [](const Sentence& s) {
         const bool iocp = s.api() == NotifierApi::iocp;
         std::string text = waiter(s.api()) + " returns after " + s.nanos("blocked") + " with ";
         if (s.count("ready") == 0) return text + "nothing to report: the timeout ran out.";
         return text + (iocp ? plural(s.count("ready"), "completion", "completions")
                             : plural(s.count("ready"), "ready socket", "ready sockets")) +
                ": the loop wakes up.";
     }},
    {Kind::notifier_ready, [](const Sentence& s) {
         const bool listener = s.count("listener") != 0;
         const bool kqueue = s.api() == NotifierApi::kqueue;
         std::string what;
         if (s.flag("readable")) {
             if (listener) what = "readable: a new connection waits in the accept queue";
             else if (kqueue) what = "readable (EVFILT_READ) with " + s.bytes("bytes") + " to read";
             else what = "readable (EPOLLIN)";
         }
         if (s.flag("writable")) {
             if (!what.empty()) what += ", and ";
             what += kqueue ? "writable (EVFILT_WRITE) with " + s.bytes("bytes") + " of room"
                            : "writable (EPOLLOUT): its send buffer has room";
         }
         if (what.empty()) what = "ready";
         const bool poll = s.api() == NotifierApi::poll;
         if (s.flag("eof"))
             what += kqueue ? "; EV_EOF says the peer closed its side"
                     : poll ? "; POLLHUP says the connection is closed"
                            : "; EPOLLRDHUP says the peer closed its side";
         if (poll) {
             if (what.find("(EPOLLIN)") != std::string::npos) what.replace(what.find("(EPOLLIN)"), 9, "(POLLIN)");
             if (what.find("(EPOLLOUT)") != std::string::npos) what.replace(what.find("(EPOLLOUT)"), 10, "(POLLOUT)");
         }
         return (kqueue ? "kevent() reports " : poll ? "poll() reports " : "epoll_wait() reports ") + s.socket() + " " + what + ".";
     }},
    {Kind::notifier_submit, [](const Sentence& s) {
         const std::string_view op = s.name("op");
         if (op == "zero_read")
             return "libuv posts a zero-byte WSARecv on " + s.conn() +
                    ": Windows will report when data arrives, without holding a buffer until then.";
         if (op == "read") return "libuv posts a WSARecv for up to " + s.bytes("bytes") + " on " + s.conn() + ".";
         if (op == "write")
             return "libuv starts an overlapped WSASend of " + s.bytes("bytes") + " on " + s.conn() +
                    ": Windows will report when it is done.";
         return "libuv posts an AcceptEx on listener " + s.plain("listener") +
                ", so Windows can hand over the next connection as a completion.";
     }},
    {Kind::notifier_complete, [](const Sentence& s) {
         const std::string_view op = s.name("op");
         const std::string head = "GetQueuedCompletionStatusEx returned a completion: ";
         if (op == "zero_read")
             return head + "the zero-byte read on " + s.conn() + " finished, so data is waiting to be read.";
         if (op == "read") return head + "the WSARecv on " + s.conn() + " transferred " + s.bytes("bytes") + ".";
         if (op == "write")
             return head + "the WSASend on " + s.conn() + " finished: the kernel has taken " + s.bytes("bytes") + ".";
         return head + "AcceptEx on listener " + s.plain("listener") + " accepted " + s.conn() + ".";
     }},
    {Kind::loop_iteration, [](const Sentence& s) {
         return "The event loop starts iteration " + s.number("n") + " and updates its idea of \"now\".";
     }},
    {Kind::loop_phase, [](const Sentence& s) {
         return "The loop enters the " + std::string(s.name("phase")) + " phase (iteration " + s.number("iteration") +
                "): " + phase_meaning(s.name("phase")) + ".";
     }},
    {Kind::loop_poll_timeout, [](const Sentence& s) {
         const std::string_view reason = s.name("reason");
         if (reason == "immediates_pending")
             return std::string("setImmediate callbacks are waiting, so the poll phase must not block (timeout 0).");
         if (reason == "pending_callbacks")
             return std::string("Callbacks or closing handles are waiting, so the poll phase must not block (timeout 0).");
         if (reason == "timer_due")
             return "The nearest timer is due in " + s.nanos("timeout") + ", so the poll phase may block at most that long.";
         if (reason == "no_timers")
             return std::string("No timers are set, so the poll phase may block until I/O arrives (no timeout).");
         return std::string("No active handles are left: the loop is about to stop.");
     }},
    {Kind::loop_accept, [](const Sentence& s) {
         if (s.os() == "windows")
             return "The AcceptEx that libuv posted has completed: " + s.conn() +
                    " is already accepted, so libuv hands the new socket to Node and posts the next AcceptEx (" +
                    s.number("len") + " connections still waiting in the accept queue).";
         return "libuv calls accept() and takes " + s.conn() + " from the accept queue of listener " +
                s.plain("listener") + " (" + s.number("len") + " of " + with_commas(s.count("backlog") + 1) +
                " still waiting).";
     }},
    {Kind::loop_read, [](const Sentence& s) {
         if (s.flag("eagain"))
             return "libuv calls read() on " + s.conn() + ", but nothing is there (EAGAIN): it goes back to waiting.";
         if (s.flag("eof")) return "read() returns 0 on " + s.conn() + ": the peer sent FIN, so the stream has ended.";
         return "libuv reads " + s.bytes("bytes") + " from the receive buffer of " + s.conn() +
                " into its 64 KiB buffer; " + s.bytes("left") + " stay in the kernel.";
     }},
    {Kind::loop_write, [](const Sentence& s) {
         if (s.flag("eagain"))
             return "libuv tries to write " + s.bytes("bytes") + " on " + s.conn() +
                    ", but the send buffer is full (EAGAIN): it waits until the socket is writable.";
         if (s.count("accepted") < s.count("bytes"))
             return "libuv writes " + s.bytes("bytes") + " on " + s.conn() + ", but the kernel's send buffer takes only " +
                    s.bytes("accepted") + "; the rest stays in user space.";
         return "libuv writes " + s.bytes("bytes") + " into the kernel's send buffer for " + s.conn() + ".";
     }},
    {Kind::loop_async_wakeup, [](const Sentence& s) {
         return std::string("A thread-pool worker wakes the loop through its async handle") +
                (s.os() == "linux" ? " (an eventfd)" : "") + ", so the poll phase returns.";
     }},
    {Kind::loop_exit, [](const Sentence&) {
         return std::string("The loop has no active handles left, so uv_run() returns and the process can exit.");
     }},
    {Kind::js_listening, [](const Sentence& s) {
         return "server.listen() is done: the 'listening' callback runs." + callback_time(s);
     }},
    {Kind::js_connection, [](const Sentence& s) {
         return "net.Server emits 'connection': your callback gets a new net.Socket for " + s.conn() + "." +
                callback_time(s);
     }},
    {Kind::js_data, [](const Sentence& s) {
         return "The socket of " + s.conn() + " emits 'data' with a chunk of " + s.bytes("bytes") + "." + callback_time(s);
     }},
    {Kind::js_end, [](const Sentence& s) {
         return "The socket of " + s.conn() + " emits 'end': " + s.peer() + " has finished sending." + callback_time(s);
     }},
    {Kind::js_close, [](const Sentence& s) {
         return "The socket of " + s.conn() + " emits 'close'" +
                (s.flag("had_error") ? ": it closed because of an error." : ": it is fully closed.") + callback_time(s);
     }},
    {Kind::js_error, [](const Sentence& s) {
         return "The socket of " + s.conn() + " emits 'error' with " + error_meaning(s.name("code")) + "." +
                callback_time(s);
     }},
    {Kind::js_drain, [](const Sentence& s) {
         return "The socket of " + s.conn() + " emits 'drain': its user-space buffer has emptied, so it is time to write again." +
                callback_time(s);
     }},
    {Kind::js_timer, [](const Sentence& s) {
         const std::string when = s.arg("late") <= 0 ? "right on time"
                                                     : s.nanos("late") + " after its due time (that delay is event-loop lag)";
         return "A timer callback runs " + when + "." + callback_time(s);
     }},
    {Kind::js_immediate, [](const Sentence& s) {
         return "A setImmediate callback runs in the check phase." + callback_time(s);
     }},
    {Kind::js_next_tick, [](const Sentence& s) {
         return "A process.nextTick callback runs, right after the callback that queued it." + callback_time(s);
     }},
    {Kind::js_microtask, [](const Sentence& s) {
         return "A promise microtask runs, now that the nextTick queue is empty." + callback_time(s);
     }},
    {Kind::js_pool_done, [](const Sentence& s) {
         return "The JavaScript callback of thread-pool job " + s.plain("job") + " runs on the main thread." +
                callback_time(s);
     }},
    {Kind::js_write, [](const Sentence& s) {
         const std::string head = "JavaScript called socket.write() with " + s.bytes("bytes") + "; ";
         if (!s.flag("returned")) return head + user_space(s) + ", so write() returned false: wait for 'drain'.";
         if (s.count("writable_length") == 0)
             return head + "libuv handed it all to the kernel at once, so write() returned true: keep writing.";
         return head + user_space(s) + ", so write() returned true: keep writing.";
     }},
    {Kind::js_end_call, [](const Sentence& s) {
         return "JavaScript called socket.end() on " + s.conn() + ": a FIN will follow once the " +
                s.bytes("writable_length") + " still in user space are written.";
     }},
    {Kind::js_destroy, [](const Sentence& s) {
         return "JavaScript called socket.destroy() on " + s.conn() + ": it closes at once and buffered bytes are dropped.";
     }},
    {Kind::js_pause, [](const Sentence& s) {
         return "JavaScript called socket.pause(): libuv stops reading " + s.conn() +
                ", so new data piles up in the kernel's receive buffer.";
     }},
    {Kind::js_resume, [](const Sentence& s) {
         return "JavaScript called socket.resume(): libuv reads " + s.conn() + " again.";
     }},
    {Kind::js_queues, [](const Sentence& s) {
         return "JavaScript callbacks waiting now: " + plural(s.count("next_tick"), "nextTick", "nextTicks") + ", " +
                plural(s.count("microtasks"), "microtask", "microtasks") + ", " +
                plural(s.count("immediates"), "immediate", "immediates") + " and " +
                plural(s.count("timers"), "active timer", "active timers") + ".";
     }},
    {Kind::http_parse, [](const Sentence& s) {
         return "Node's HTTP parser (C++, not JavaScript) runs over the " + s.bytes("bytes") + " libuv read from " +
                s.conn() + "; what it finds follows on the http lane." + callback_time(s);
     }},
    {Kind::http_message_begin, [](const Sentence& s) {
         return "The parser sees the first byte of request " + s.plain("n") + " on " + s.conn() + ".";
     }},
    {Kind::http_url, [](const Sentence& s) {
         return "The parser reads the URL" + std::string(s.count("bytes") > 0 ? " (or a piece of it): \"" + s.text("text") + "\"" : "") + ".";
     }},
    {Kind::http_headers_complete, [](const Sentence& s) {
         std::string body = s.flag("chunked") ? "a chunked body follows"
                            : s.count("content_length") > 0 ? "a body of " + s.bytes("content_length") + " follows"
                                                             : "no body follows";
         return "The headers are complete: " + s.text("method") + " " + s.text("url") + " HTTP/" + s.text("version") +
                " with " + plural(s.count("headers"), "header", "headers") + "; " + body + ", and the connection " +
                (s.flag("keep_alive") ? "may stay open (keep-alive)." : "closes after the response.");
     }},
    {Kind::http_body, [](const Sentence& s) {
         return "The parser hands on " + s.bytes("bytes") + " of the request body.";
     }},
    {Kind::http_chunk_header, [](const Sentence& s) {
         if (s.count("size") == 0) return std::string("The parser reads the last chunk header (size 0): the chunked body ends.");
         return "The parser reads a chunk header: " + s.bytes("size") + " of body follow.";
     }},
    {Kind::http_chunk_complete, [](const Sentence&) { return std::string("A chunk of the request body is complete."); }},
    {Kind::http_message_complete, [](const Sentence& s) {
         return "Request " + s.plain("n") + " on " + s.conn() + " is complete, body included.";
     }},
    {Kind::http_parse_error, [](const Sentence& s) {
         return "These bytes are not valid HTTP (" + s.text("error") + "): Node answers " + s.plain("status") +
                (s.count("status") == 431 ? " Request Header Fields Too Large" : " Bad Request") +
                " and destroys the connection; your handler never sees this request.";
     }},
    {Kind::http_response, [](const Sentence& s) {
         const std::string framing = s.text("framing");
         std::string how = framing == "content-length" ? "Content-Length: " + s.plain("content_length") +
                                                             " says where the body ends"
                           : framing == "chunked" ? "the length is not known yet, so the body goes as chunks (Transfer-Encoding: chunked)"
                                                  : "the body ends when the connection closes";
         return "Node writes the status line and headers (" + s.bytes("header_bytes") + ") of a " + s.plain("status") +
                " response: " + how + "; Connection: " + (s.flag("keep_alive") ? "keep-alive" : "close") + ".";
     }},
    {Kind::http_response_chunk, [](const Sentence& s) {
         if (s.count("framed") > s.count("bytes"))
             return "Node frames " + s.bytes("bytes") + " of body as a chunk (hex size line and CRLFs: " +
                    s.bytes("framed") + " in all).";
         return "Node sends " + s.bytes("bytes") + " of body as they are.";
     }},
    {Kind::http_response_end, [](const Sentence& s) {
         return "Response " + s.plain("n") + " is complete (" + s.bytes("body") + " of body).";
     }},
    {Kind::http_keep_alive_timeout, [](const Sentence& s) {
         return s.Who() + " closes " + s.conn() + ": it stayed idle for keepAliveTimeout (" + s.nanos("timeout") +
                ") after serving " + plural(s.count("requests"), "request", "requests") + ".";
     }},
    {Kind::http_request_timeout, [](const Sentence& s) {
         const std::string limit = s.flag("headers_complete") ? "requestTimeout" : "headersTimeout";
         const std::string answer = s.count("status") == 0 ? "closes it (a response had already begun, so no 408)"
                                                            : "answers 408 Request Timeout and closes it";
         return s.Who() + " gave up on " + s.conn() + ": its request took longer than " + limit + " (" +
                s.nanos("timeout") + "), so it " + answer + ".";
     }},
    {Kind::js_request, [](const Sentence& s) {
         return "http.Server emits 'request' for " + s.text("method") + " " + s.text("url") + " (request " + s.plain("n") +
                " on " + s.conn() + "): your handler runs with req and res.";
     }},
    {Kind::js_req_data, [](const Sentence& s) {
         return "req emits 'data' with " + s.bytes("bytes") + " of the request body.";
     }},
    {Kind::js_req_end, [](const Sentence& s) {
         return "req emits 'end': the whole body (" + s.bytes("bytes") + ") has arrived.";
     }},
    {Kind::js_res_write, [](const Sentence& s) {
         const std::string head = "JavaScript called res.write() with " + s.bytes("bytes") + "; ";
         if (!s.flag("returned")) return head + user_space(s) + ", so it returned false: wait for 'drain'.";
         return head + user_space(s) + ", so it returned true.";
     }},
    {Kind::js_res_end, [](const Sentence& s) {
         return "JavaScript called res.end()" + std::string(s.count("bytes") > 0 ? " with " + s.bytes("bytes") : "") +
                ": the response (" + s.bytes("body") + " of body) is finished.";
     }},
    {Kind::kernel_memory, [](const Sentence& s) {
         return "The server's kernel now holds " + plural(s.count("sockets"), "socket", "sockets") + ", about " +
                s.bytes("bytes") + " of kernel memory (about 4 KB each): connections cost memory, not threads.";
     }},
    {Kind::js_memory, [](const Sentence& s) {
         return "Node now holds " + plural(s.count("sockets"), "net.Socket", "net.Sockets") + ", about " + s.bytes("bytes") +
                " (about 3.7 KB each when idle); all of them are served by the one event-loop thread.";
     }},
    {Kind::js_file_read, [](const Sentence& s) {
         if (s.count("bytes") == 0)
             return std::string("The file stream's last read returned 0 bytes: end of file, so pipe() will call res.end().");
         return "A thread-pool read of " + s.bytes("bytes") + " at offset " + s.plain("position") +
                " finished; the file stream holds " + s.bytes("readable_length") + " not yet written to res.";
     }},
    {Kind::js_pipe_pause, [](const Sentence& s) {
         return "res.write() returned false (" + s.bytes("writable_length") +
                " wait in user space), so pipe() pauses the file stream: no new reads until 'drain'.";
     }},
    {Kind::js_pipe_resume, [](const Sentence& s) {
         return "res emitted 'drain', so pipe() resumes the file stream (" + s.bytes("readable_length") +
                " buffered, " + s.bytes("piped") + " of the file written so far).";
     }},
    {Kind::pool_submit, [](const Sentence& s) {
         return "Job " + s.plain("job") + " is queued for the libuv thread pool; it needs " + s.nanos("work") +
                " of work (" + plural(s.count("queued"), "job waits", "jobs wait") + " for a free worker).";
     }},
    {Kind::pool_start, [](const Sentence& s) {
         return "Worker " + s.plain("worker") + " of the thread pool picks up job " + s.plain("job") + " (" +
                plural(s.count("queued"), "job", "jobs") + " still waiting).";
     }},
    {Kind::pool_done, [](const Sentence& s) {
         return "Worker " + s.plain("worker") + " finishes job " + s.plain("job") +
                " and signals the loop, which will run its JavaScript callback.";
     }},
    {Kind::tls_handshake, [](const Sentence& s) {
         std::string text = s.Who() + " sends the TLS " + tls_version(s) + " handshake message " + s.text("message") +
                            " (" + s.bytes("bytes") + ").";
         const std::string meaning = handshake_meaning(s.text("message"));
         if (!meaning.empty()) text += " " + meaning;
         return text;
     }},
    {Kind::tls_record, [](const Sentence& s) {
         const std::string type = s.text("type");
         const std::uint64_t overhead = s.count("wire") - std::min(s.count("wire"), s.count("plain"));
         std::string text = s.Who() + " wraps " + s.bytes("plain") + " of " + type + " in a TLS record of " +
                            s.bytes("wire") + " for TCP (" + format_bytes(overhead) + " of header";
         text += overhead > 5 ? " and encryption overhead)." : ", not encrypted).";
         if (type == "application_data")
             text += " To TCP these are ordinary bytes: they travel as normal segments and arrive as normal chunks.";
         return text;
     }},
    {Kind::tls_crypto, [](const Sentence& s) {
         return s.Who() + " computes the " + s.text("what") + " for the handshake: " + s.nanos("dur") +
                " of CPU. Node runs OpenSSL on the main thread, so the event loop can do nothing else meanwhile.";
     }},
    {Kind::tls_established, [](const Sentence& s) {
         return "The TLS " + tls_version(s) + " handshake is complete at " + s.whose() + " end after " +
                plural(s.count("round_trips"), "round trip", "round trips") + " (" + s.nanos("handshake_ns") +
                "); from now on application data flows, encrypted, in TLS records.";
     }},
    {Kind::threads_spawn, [](const Sentence& s) {
         return "Thread " + s.plain("thread") + " is created" +
                (s.count("thread") == 1 ? std::string(", the acceptor") : " to serve " + s.conn()) + ": " +
                thread_memory(s) + ".";
     }},
    {Kind::threads_exit, [](const Sentence& s) {
         return "Thread " + s.plain("thread") + " ends and gives its stack back: " + thread_memory(s) + ".";
     }},
    {Kind::threads_block, [](const Sentence& s) {
         return "Thread " + s.plain("thread") + " sleeps in " + std::string(s.name("on")) +
                "() and leaves its core; only the kernel can wake it.";
     }},
    {Kind::threads_wake, [](const Sentence& s) {
         return "The kernel wakes thread " + s.plain("thread") + " (its " + std::string(s.name("on")) +
                "() can go on); it now waits for a core behind " +
                plural(s.count("runnable") > 0 ? s.count("runnable") - 1 : 0, "other thread", "other threads") + ".";
     }},
    {Kind::threads_run, [](const Sentence& s) {
         return "Thread " + s.plain("thread") + " runs on core " + s.plain("core") + " for " + s.nanos("dur") + ".";
     }},
    {Kind::threads_switch, [](const Sentence& s) {
         return "Core " + s.plain("core") + " switches from thread " + s.plain("from") + " to thread " + s.plain("to") +
                ": saving one thread's registers and loading the other's costs " + s.nanos("cost") +
                " of CPU that serves no request.";
     }},
};

constexpr bool rows_follow_enum_order() {
    for (std::size_t i = 0; i < std::size(rows); ++i)
        if (static_cast<std::size_t>(rows[i].kind) != i) return false;
    return true;
}
static_assert(std::size(rows) == kind_count, "the catalogue needs exactly one sentence per Kind");
static_assert(rows_follow_enum_order(), "catalogue rows must follow the order of enum Kind");

}  // namespace

std::string explain(const Trace& trace, std::size_t index) {
    if (index >= trace.size()) return {};
    const Event& e = trace[index];
    return rows[static_cast<std::size_t>(e.kind)].explain(Sentence(trace, e));
}

}  // namespace loopscope::trace
