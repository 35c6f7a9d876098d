#include "real/tcp_stream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>

#include "real/probes.hpp"
#include "trace/stream_text.hpp"

namespace loopscope::real {

using trace::Kind;

namespace {

#if defined(MSG_NOSIGNAL)
constexpr int send_flags = MSG_NOSIGNAL;  // EPIPE as an error, never SIGPIPE
#else
constexpr int send_flags = 0;  // macOS: SO_NOSIGPIPE is set on the socket instead
#endif

trace::ErrorCode error_code_of(std::error_code e) {
    switch (e.value()) {
        case ECONNRESET: return trace::ErrorCode::econnreset;
        case EPIPE: return trace::ErrorCode::epipe;
        case ETIMEDOUT: return trace::ErrorCode::etimedout;
        case ECONNREFUSED: return trace::ErrorCode::econnrefused;
        default: return trace::ErrorCode::none;
    }
}

std::uint16_t port_of(SocketFd fd, bool peer) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size)
                        : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    if (rc < 0) return 0;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    return 0;
}

void apply_options(SocketFd fd, const StreamOptions& options) {
    const int one = 1;
    if (options.no_delay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (options.send_buffer != 0) {
        const int size = static_cast<int>(options.send_buffer);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    if (options.recv_buffer != 0) {
        const int size = static_cast<int>(options.recv_buffer);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
}

// Linux's TCP_* state numbers (include/net/tcp_states.h) in trace terms.
std::optional<trace::TcpState> from_linux_state(std::uint8_t state) {
    using S = trace::TcpState;
    switch (state) {
        case 1: return S::established;
        case 2: return S::syn_sent;
        case 3: return S::syn_received;
        case 4: return S::fin_wait_1;
        case 5: return S::fin_wait_2;
        case 6: return S::time_wait;
        case 7: return S::closed;
        case 8: return S::close_wait;
        case 9: return S::last_ack;
        case 10: return S::listen;
        case 11: return S::closing;
        default: return std::nullopt;
    }
}

}  // namespace

// The kernel's TCP state as TCP_INFO reports it, recorded when it changed.
// Real mode sees the state only when it asks (after connect, accept, a
// FIN read, a shutdown), not at the moment a packet changes it.
void TcpStream::record_tcp_state() {
    if (!loop_.tracer().enabled()) return;
    const auto info = tcp_info(fd_);
    if (!info) return;
    const auto state = from_linux_state(info->state);
    if (!state || static_cast<std::uint8_t>(*state) == tcp_state_) return;
    loop_.tracer().record(Kind::kernel_tcp_state, conn_, {static_cast<std::int64_t>(*state), tcp_state_});
    tcp_state_ = static_cast<std::uint8_t>(*state);
}

// One entry per write() call the kernel has not fully taken. Node counts a
// chunk in writableLength until its last byte has reached the kernel, so
// `size` is the whole chunk's, not what is left of it.
struct TcpStream::WriteQueue {
    struct Chunk {
        std::string bytes;
        std::size_t offset = 0;
    };
    std::deque<Chunk> chunks;
};

TcpStream::TcpStream(Loop& loop, SocketFd fd, StreamEvents& events, StreamOptions options)
    : TcpStream(loop, fd, events, options, false) {}

TcpStream::TcpStream(Loop& loop, SocketFd fd, StreamEvents& events, StreamOptions options, bool connecting)
    : loop_(loop), fd_(fd), events_(&events), options_(options) {
    client_side_ = connecting;
    connecting_ = connecting;
    connected_ = !connecting;
    local_port_ = port_of(fd_, false);
    if (connecting) {
        conn_ = local_port_;
    } else {
        apply_options(fd_, options_);
        peer_port_ = port_of(fd_, true);
        conn_ = peer_port_;
    }
    loop_.set_conn(fd_, conn_);
    loop_.ref();
    if (!connecting) {
        record_tcp_state();
        update_interest();
    }
}

std::unique_ptr<TcpStream> TcpStream::connect(Loop& loop, const std::string& host, std::uint16_t port,
                                              StreamEvents& events, StreamOptions options) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
        throw std::invalid_argument("not an IPv4 address: \"" + host + "\"");
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    // Buffer sizes must be set before connect(): the receive buffer decides
    // the window scale the SYN offers.
    apply_options(fd, options);
    const Nanos started = monotonic_now();
    const Stamp started_stamp = cycle_stamp();
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const int connect_errno = rc < 0 ? errno : 0;
    std::unique_ptr<TcpStream> stream(new TcpStream(loop, fd, events, options, true));
    stream->connect_started_ = started;
    stream->peer_port_ = port;
    // Stamped with the time connect() was called: on loopback the server's
    // loop may accept before this thread gets to record anything.
    const std::int64_t port_field = port;
    loop.tracer().record_at(started_stamp, Kind::client_connect, stream->conn_, &port_field, 1);
    stream->record_tcp_state();
    if (rc == 0 || connect_errno == EINPROGRESS) {
        stream->update_interest();  // writable: the handshake is done
    } else {
        TcpStream* raw = stream.get();
        const std::error_code error(connect_errno, std::generic_category());
        loop.defer([raw, error] { raw->fail(error); });
    }
    return stream;
}

TcpStream::~TcpStream() {
    if (alive_) *alive_ = false;
    if (!closing_) {
        loop_.unwatch(fd_);
        loop_.clear_conn(fd_);
        ::close(fd_);
        loop_.unref();
    }
}

// ---- connecting ----

void TcpStream::finish_connect() {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
        fail(std::error_code(error, std::generic_category()));
        return;
    }
    connecting_ = false;
    connected_ = true;
    record_tcp_state();
    const Nanos handshake = monotonic_now() - connect_started_;
    const auto info = tcp_info(fd_);
    loop_.tracer().record(Kind::client_connected, conn_,
                          {handshake, info ? static_cast<Nanos>(info->rtt_us) * 1000 : -1});
    update_interest();
    events_->on_connect(*this);
    if (!closing_ && queue_ && !queue_->chunks.empty()) flush_queue();
}

// ---- writing ----

// `started` is the stamp taken just before send(): on loopback the kernel
// hands the bytes to the peer inside the call, so the peer's loop can read
// them before this thread returns; stamped afterwards, the read would come
// before the write in the trace.
std::uint32_t TcpStream::record_write(Stamp started, std::size_t offered, long accepted, bool eagain,
                                      std::string_view data) {
    Tracer& tracer = loop_.tracer();
    if (!tracer.enabled()) return no_record;
    const auto taken = static_cast<std::int64_t>(std::max(0L, accepted));
    const std::int64_t text =
        options_.trace_payload_text && taken > 0 ? tracer.text(trace::printable_prefix(data.substr(0, taken))) : -1;
    if (client_side_)
        return tracer.record_at(started, Kind::client_write, conn_,
                                {static_cast<std::int64_t>(offered), taken, static_cast<std::int64_t>(total_sent_), text});
    const std::uint32_t r = tracer.record_at(started, Kind::loop_write, conn_,
                                             {static_cast<std::int64_t>(offered), taken, eagain,
                                              static_cast<std::int64_t>(queued_bytes_), text});
    // The kernel's side of the same moment: SIOCOUTQ / SIOCOUTQNSD. Only
    // when bytes are waiting, where the levels tell the backpressure story;
    // a write the kernel took whole leaves nothing worth a syscall each.
    if (eagain || queued_bytes_ != 0) record_send_buffer();
    return r;
}

void TcpStream::record_send_buffer() {
    const auto level = unacked_bytes(fd_);
    if (!level) return;
    const auto unsent = unsent_bytes(fd_);
    const auto capacity = send_buffer_size(fd_);
    const auto info = tcp_info(fd_);
    loop_.tracer().record(Kind::kernel_send_buffer, conn_,
                          {static_cast<std::int64_t>(*level), static_cast<std::int64_t>(unsent.value_or(0)),
                           static_cast<std::int64_t>(capacity.value_or(0)),
                           static_cast<std::int64_t>(info ? info->snd_wnd : 0)});
}

bool TcpStream::write(std::string_view bytes) {
    if (closing_ || ending_) {
        // Node emits 'error' (ERR_STREAM_WRITE_AFTER_END) and drops the
        // bytes; the programs here never do it, so it is a broken invariant.
        return false;
    }
    std::size_t taken = 0;
    bool eagain = false;
    const bool queue_empty = !queue_ || queue_->chunks.empty();
    const Stamp started = loop_.tracer().enabled() ? cycle_stamp() : Stamp{};
    if (connected_ && queue_empty && !bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), send_flags);
        if (n >= 0) {
            taken = static_cast<std::size_t>(n);
            total_sent_ += taken;
            bytes_written_ += taken;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            eagain = true;
        } else {
            // Node reports a failed write from the next tick, not inside write().
            const std::error_code error(errno, std::generic_category());
            record_write(started, bytes.size(), -1, false, {});
            loop_.defer([this, error, alive = alive_token()] {
                if (*alive) fail(error);
            });
            return false;
        }
    }
    if (taken < bytes.size()) {
        if (!queue_) queue_ = std::make_unique<WriteQueue>();
        queue_->chunks.push_back(WriteQueue::Chunk{std::string(bytes), taken});
        queued_bytes_ += bytes.size();
    }
    if (connected_ && queue_empty && !bytes.empty()) record_write(started, bytes.size(), static_cast<long>(taken), eagain, bytes);
    const bool ok = queued_bytes_ < options_.high_water_mark;
    if (!ok) need_drain_ = true;
    if (!client_side_)
        loop_.tracer().record(Kind::js_write, conn_,
                              {static_cast<std::int64_t>(bytes.size()), ok, static_cast<std::int64_t>(queued_bytes_),
                               static_cast<std::int64_t>(options_.high_water_mark)});
    if (taken < bytes.size()) update_interest();
    return ok;
}

// Called when the socket is writable again: hand the kernel as much of the
// queue as it takes, then 'drain' if write() had said stop.
void TcpStream::flush_queue() {
    while (queue_ && !queue_->chunks.empty()) {
        WriteQueue::Chunk& chunk = queue_->chunks.front();
        const std::string_view rest = std::string_view(chunk.bytes).substr(chunk.offset);
        const Stamp started = loop_.tracer().enabled() ? cycle_stamp() : Stamp{};
        const ssize_t n = ::send(fd_, rest.data(), rest.size(), send_flags);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                record_write(started, rest.size(), 0, true, {});
                break;
            }
            fail(std::error_code(errno, std::generic_category()));
            return;
        }
        const auto taken = static_cast<std::size_t>(n);
        total_sent_ += taken;
        bytes_written_ += taken;
        chunk.offset += taken;
        const bool finished = chunk.offset == chunk.bytes.size();
        if (finished) {
            queued_bytes_ -= chunk.bytes.size();
            // Record after the level changes: writable_length is "after this write".
            const std::string bytes = std::move(chunk.bytes);
            queue_->chunks.pop_front();
            record_write(started, rest.size(), n, false, std::string_view(bytes).substr(bytes.size() - taken));
        } else {
            record_write(started, rest.size(), n, false, rest);
            break;  // the kernel took part: it is full now
        }
    }
    if (queue_ && queue_->chunks.empty()) queue_.reset();  // an idle connection keeps no queue
    update_interest();
    if (queued_bytes_ == 0) {
        if (need_drain_ && !closing_) {
            need_drain_ = false;
            const std::uint32_t r = client_side_ ? no_record : loop_.tracer().record(Kind::js_drain, conn_, {0});
            const Stamp started = cycle_stamp();
            events_->on_drain(*this);
            loop_.tracer().set_duration(r, 0, started);
        }
        if (ending_ && !fin_sent_ && !closing_) {
            ::shutdown(fd_, SHUT_WR);
            fin_sent_ = true;
            record_tcp_state();
            maybe_close();
        }
    }
}

void TcpStream::end() {
    if (ending_ || closing_) return;
    ending_ = true;
    if (client_side_) loop_.tracer().record(Kind::client_end, conn_, {});
    else
        loop_.tracer().record(Kind::js_end_call, conn_,
                              {static_cast<std::int64_t>(queued_bytes_), static_cast<std::int64_t>(options_.high_water_mark)});
    if (queued_bytes_ == 0 && connected_) {
        ::shutdown(fd_, SHUT_WR);
        fin_sent_ = true;
        record_tcp_state();
        maybe_close();
    }
}

// Node (allowHalfOpen false) destroys the socket once both directions have ended.
void TcpStream::maybe_close() {
    if (fin_sent_ && eof_ && !closing_) close_now(false);
}

void TcpStream::destroy(bool reset) {
    if (closing_) return;
    if (!client_side_) loop_.tracer().record(Kind::js_destroy, conn_, {});
    if (reset) {
        // SO_LINGER with a zero timeout: close() sends RST and drops the send buffer.
        linger option{1, 0};
        setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
    close_now(false);
}

void TcpStream::pause() {
    if (paused_) return;
    paused_ = true;
    if (!client_side_) loop_.tracer().record(Kind::js_pause, conn_, {});
    update_interest();
}

void TcpStream::resume() {
    if (!paused_) return;
    paused_ = false;
    if (!client_side_) loop_.tracer().record(Kind::js_resume, conn_, {});
    update_interest();
}

void TcpStream::update_interest() {
    if (closing_) return;
    unsigned interest = interest_none;
    if (connected_ && !paused_ && !eof_) interest |= interest_readable;
    if (connecting_ || (queue_ && !queue_->chunks.empty())) interest |= interest_writable;
    if (interest == interest_ && interest_ != interest_none) return;
    interest_ = interest;
    if (const std::error_code e = loop_.watch(fd_, interest, this)) {
        // EPOLL_CTL_ADD on a socket the kernel already closed: report it.
        loop_.defer([this, e, alive = alive_token()] {
            if (*alive) fail(e);
        });
    }
}

// ---- reading ----

void TcpStream::on_readable(const Readiness&) {
    if (connecting_) return;  // the writable side completes the connect
    read_some();
}

void TcpStream::read_some() {
    char* buffer = loop_.read_buffer();
    const std::size_t limit = options_.max_read_bytes != 0 ? std::min(options_.max_read_bytes, read_buffer_bytes)
                                                           : read_buffer_bytes;
    Tracer& tracer = loop_.tracer();
    for (int i = 0; i < options_.reads_per_wakeup && !paused_ && !closing_ && !eof_; ++i) {
        const ssize_t n = ::recv(fd_, buffer, limit, 0);
        if (n > 0) {
            bytes_read_ += static_cast<std::uint64_t>(n);
            if (client_side_) {
                tracer.record(Kind::client_read, conn_, {n, static_cast<std::int64_t>(bytes_read_), 0});
                events_->on_data(*this, std::string_view(buffer, static_cast<std::size_t>(n)));
            } else {
                // A read that did not fill the buffer emptied the receive
                // queue at that moment: nothing was left, and no FIONREAD
                // (a syscall per request) is needed to say so.
                const bool filled = static_cast<std::size_t>(n) == limit;
                const auto left = tracer.enabled() && filled ? unread_bytes(fd_).value_or(0) : 0;
                const std::uint32_t read =
                    tracer.record(Kind::loop_read, conn_, {n, static_cast<std::int64_t>(left), 0, 0}, loop_.io_cause());
                const Loop::CauseScope cause(loop_, read);
                const std::uint32_t r =
                    options_.trace_data_callback ? tracer.record(Kind::js_data, conn_, {n, 0}, read) : no_record;
                const Stamp started = r != no_record ? cycle_stamp() : Stamp{};
                events_->on_data(*this, std::string_view(buffer, static_cast<std::size_t>(n)));
                tracer.set_duration(r, 1, started);
            }
            // libuv stops when a read did not fill the buffer: the kernel had no more.
            if (static_cast<std::size_t>(n) < limit) return;
            continue;
        }
        if (n == 0) {
            eof_ = true;
            record_tcp_state();
            std::uint32_t end_record = no_record;
            if (client_side_) {
                tracer.record(Kind::client_read, conn_, {0, static_cast<std::int64_t>(bytes_read_), 1});
            } else {
                const std::uint32_t read = tracer.record(Kind::loop_read, conn_, {0, 0, 1, 0}, loop_.io_cause());
                end_record = tracer.record(Kind::js_end, conn_, {0}, read);
            }
            update_interest();
            const Loop::CauseScope cause(loop_, end_record);
            const Stamp started = end_record != no_record ? cycle_stamp() : Stamp{};
            events_->on_end(*this);
            tracer.set_duration(end_record, 0, started);
            // allowHalfOpen is false for net.Server's sockets: 'end' ends our side too.
            if (!closing_) {
                end();
                maybe_close();
            }
            return;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!client_side_) tracer.record(Kind::loop_read, conn_, {0, 0, 0, 1}, loop_.io_cause());
            return;
        }
        if (errno == EINTR) continue;
        fail(std::error_code(errno, std::generic_category()));
        return;
    }
}

void TcpStream::on_writable(const Readiness&) {
    if (connecting_) {
        finish_connect();
        return;
    }
    flush_queue();
}

// ---- closing ----

void TcpStream::fail(std::error_code error) {
    if (closing_) return;
    Tracer& tracer = loop_.tracer();
    if (client_side_) {
        tracer.record(Kind::kernel_error, conn_, {static_cast<std::int64_t>(error_code_of(error))});
    } else {
        tracer.record(Kind::js_error, conn_, {static_cast<std::int64_t>(error_code_of(error)), 0});
    }
    events_->on_error(*this, error);
    close_now(true);
}

void TcpStream::close_now(bool had_error) {
    if (closing_) return;
    closing_ = true;
    record_tcp_state();
    loop_.unwatch(fd_);
    loop_.clear_conn(fd_);
    ::close(fd_);
    loop_.unref();
    queue_.reset();
    queued_bytes_ = 0;
    // 'close' is emitted from the close phase, like uv_close's callback.
    loop_.close_later([this, had_error, alive = alive_token()] {
        if (!*alive) return;
        if (client_side_) loop_.tracer().record(Kind::client_close, conn_, {});
        else loop_.tracer().record(Kind::js_close, conn_, {had_error, 0});
        events_->on_close(*this, had_error);
    });
}

std::shared_ptr<bool> TcpStream::alive_token() {
    if (!alive_) alive_ = std::make_shared<bool>(true);
    return alive_;
}

}  // namespace loopscope::real
