#include "trace/explain_phrases.hpp"

namespace loopscope::trace::explain_detail {

std::string segment_name(std::uint8_t flags, std::uint64_t len) {
    if (flags & tcp_rst) return "a RST segment (abort the connection!)";
    if ((flags & tcp_syn) && (flags & tcp_ack)) return "a SYN-ACK segment (\"yes, let's connect\")";
    if (flags & tcp_syn) return "a SYN segment (\"may I connect?\")";
    if (flags & tcp_fin) return len > 0 ? "a FIN segment with the last data" : "a FIN segment (\"I am done sending\")";
    if (len > 0) return "a data segment";
    return "an ACK segment";
}

std::string state_meaning(std::string_view state) {
    if (state == "LISTEN") return ": it waits for connections";
    if (state == "SYN_SENT") return ": it has sent a SYN and waits for the answer";
    if (state == "SYN_RECEIVED") return ": it answered a SYN and waits for the final ACK";
    if (state == "ESTABLISHED") return ": the connection is open and data can flow both ways";
    if (state == "FIN_WAIT_1") return ": it has sent its FIN and waits for it to be acknowledged";
    if (state == "FIN_WAIT_2") return ": its FIN was acknowledged; it waits for the peer's FIN";
    if (state == "CLOSE_WAIT") return ": the peer has finished sending, and this side may still send";
    if (state == "CLOSING") return ": both sides sent FIN at the same time";
    if (state == "LAST_ACK") return ": it has sent its own FIN and waits for the last ACK";
    if (state == "TIME_WAIT") return ": it waits a while so that late segments cannot confuse a new connection";
    return ": the socket is gone";
}

std::string error_meaning(std::string_view code) {
    if (code == "ECONNRESET") return "ECONNRESET (the peer reset the connection)";
    if (code == "EPIPE") return "EPIPE (writing to a connection the peer has closed)";
    if (code == "ETIMEDOUT") return "ETIMEDOUT (the peer stopped answering)";
    if (code == "ECONNREFUSED") return "ECONNREFUSED (nobody was listening on that port)";
    return "no error";
}

std::string interest_name(NotifierApi api, std::string_view interest) {
    const bool epoll = api == NotifierApi::epoll;
    if (api == NotifierApi::poll) {
        if (interest == "readable") return "POLLIN (readable)";
        if (interest == "writable") return "POLLOUT (writable)";
        if (interest == "both") return "POLLIN and POLLOUT";
        return "nothing";
    }
    if (interest == "readable") return epoll ? "EPOLLIN (readable)" : "EVFILT_READ (readable)";
    if (interest == "writable") return epoll ? "EPOLLOUT (writable)" : "EVFILT_WRITE (writable)";
    if (interest == "both") return epoll ? "EPOLLIN and EPOLLOUT" : "EVFILT_READ and EVFILT_WRITE";
    return "nothing";
}

std::string phase_meaning(std::string_view phase) {
    if (phase == "timers") return "it runs the setTimeout and setInterval callbacks that are due";
    if (phase == "pending") return "it runs I/O callbacks that were put off from the last iteration";
    if (phase == "idle") return "libuv does internal housekeeping";
    if (phase == "prepare") return "libuv gets ready to wait for I/O";
    if (phase == "poll") return "it waits for I/O and runs the callbacks of sockets that are ready";
    if (phase == "check") return "it runs setImmediate callbacks";
    return "it runs 'close' callbacks of handles that were closed";
}

std::string waiter(NotifierApi api) {
    switch (api) {
        case NotifierApi::epoll: return "epoll_wait()";
        case NotifierApi::kqueue: return "kevent()";
        case NotifierApi::iocp: return "GetQueuedCompletionStatusEx()";
        case NotifierApi::poll: return "poll()";
    }
    return "the notifier";
}

// A callback's CPU time; -1 (unknown) says nothing rather than "forever".
std::string callback_time(const Sentence& s) {
    if (s.arg("dur") < 0) return {};
    return " It runs for " + s.nanos("dur") + " on the main thread.";
}

std::string tls_version(const Sentence& s) { return s.count("version") == 12 ? "1.2" : "1.3"; }

// What each handshake message is for, in a sentence.
std::string handshake_meaning(std::string_view message) {
    if (message == "ClientHello") return "It offers versions, ciphers and (in TLS 1.3) the client's key share.";
    if (message == "ServerHello") return "It picks the version and cipher; in TLS 1.3 it carries the server's key share, so both ends now have keys.";
    if (message == "EncryptedExtensions") return "The first encrypted message: the rest of the server's settings.";
    if (message == "Certificate") return "The server's certificate chain: who it is, signed by a CA.";
    if (message == "CertificateVerify") return "A signature with the certificate's private key over the handshake so far: proof the server owns it.";
    if (message == "ServerKeyExchange") return "The server's ECDHE key share, signed with its certificate's key.";
    if (message == "ServerHelloDone") return "The server's flight is complete: the client's turn.";
    if (message == "ClientKeyExchange") return "The client's ECDHE key share: now both ends can compute the keys.";
    if (message == "Finished") return "A MAC over the whole handshake: nothing was tampered with.";
    return {};
}

// How `level` compares with the highWaterMark, in Node's rule for write().
std::string user_space(const Sentence& s) {
    const auto waiting = s.count("writable_length");
    const auto hwm = s.count("high_water_mark");
    const std::string position = waiting > hwm ? "above" : waiting == hwm ? "exactly at" : "below";
    return format_bytes(waiting) + (waiting == 1 ? " is" : " are") + " still waiting in user space, " + position +
           " the highWaterMark of " + format_bytes(hwm);
}

// The memory levels a thread's start or end leaves behind.
std::string thread_memory(const Sentence& s) {
    return plural(s.count("live"), "thread", "threads") + " now reserve " + s.bytes("virtual") +
           " of stack address space; their stacks and " + plural(s.count("sockets"), "open socket", "open sockets") +
           " use " + s.bytes("resident") + " of memory";
}

}  // namespace loopscope::trace::explain_detail
