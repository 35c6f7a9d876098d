#include "real/tcp_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "real/probes.hpp"

namespace loopscope::real {

using trace::Kind;

TcpListener::TcpListener(Loop& loop, std::uint32_t listener_id, OnConnection on_connection)
    : loop_(loop), id_(listener_id), on_connection_(std::move(on_connection)) {}

TcpListener::~TcpListener() { close(); }

std::error_code TcpListener::listen(const std::string& address, std::uint16_t port, std::uint32_t backlog) {
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(port);
    if (inet_pton(AF_INET, address.c_str(), &where.sin_addr) != 1)
        return std::make_error_code(std::errc::invalid_argument);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return {errno, std::generic_category()};
    // SO_REUSEADDR lets a restarted server bind while old connections sit
    // in TIME_WAIT (Node sets it too).
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) < 0 ||
        ::listen(fd, static_cast<int>(backlog)) < 0) {
        const std::error_code error(errno, std::generic_category());
        ::close(fd);
        return error;
    }
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
    fd_ = fd;
    port_ = ntohs(bound.sin_port);
    backlog_ = backlog;
    if (const std::error_code error = loop_.watch(fd_, interest_readable, this, id_)) {
        ::close(fd_);
        fd_ = -1;
        return error;
    }
    loop_.ref();
    loop_.tracer().record(Kind::js_listening, trace::no_conn, {0});
    return {};
}

void TcpListener::close() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
    loop_.unref();
}

void TcpListener::on_readable(const Readiness&) {
    for (int i = 0; i < accepts_per_wakeup && fd_ >= 0; ++i) {
        sockaddr_in peer{};
        socklen_t size = sizeof peer;
        const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                // Out of file descriptors: the connection stays in the accept
                // queue. libuv closes a reserve fd to accept and drop it; we
                // count it and let the level-triggered notifier retry.
                ++accept_failures_;
            }
            return;  // EAGAIN: the accept queue is empty
        }
        ++accepted_;
        // On a listening socket TCP_INFO's tcpi_unacked is the accept
        // queue's length and tcpi_sacked the backlog (facts.md).
        const auto info = tcp_info(fd_);
        const std::int32_t conn = ntohs(peer.sin_port);
        const std::uint32_t accepted =
            loop_.tracer().record(Kind::loop_accept, conn, {id_, info ? info->unacked : 0, info ? info->sacked : backlog_},
                                  loop_.io_cause());
        const Loop::CauseScope cause(loop_, accepted);
        on_connection_(fd);
    }
}

}  // namespace loopscope::real
