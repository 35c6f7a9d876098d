// A listening TCP socket on the real loop: net.Server's handle. When the
// notifier says the listener is readable, it accepts (non-blocking) until
// EAGAIN or a bounded number per wakeup, records loop.accept with the accept
// queue's length and backlog read from TCP_INFO, and hands each socket on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

#include "real/loop.hpp"

namespace loopscope::real {

inline constexpr std::uint32_t default_backlog = 511;  // Node's listen backlog
inline constexpr int accepts_per_wakeup = 128;

class TcpListener final : public IoHandler {
public:
    // Called with each accepted socket (non-blocking, close-on-exec). The
    // callee owns the fd (usually wraps it in a TcpStream).
    using OnConnection = std::function<void(SocketFd fd)>;

    TcpListener(Loop& loop, std::uint32_t listener_id, OnConnection on_connection);
    ~TcpListener() override;
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    // Binds (SO_REUSEADDR) and listens. `port` 0 picks a free port. Servers
    // bind to 127.0.0.1 unless the user asked for another address.
    std::error_code listen(const std::string& address, std::uint16_t port, std::uint32_t backlog = default_backlog);
    void close();

    std::uint16_t port() const { return port_; }
    std::uint32_t id() const { return id_; }
    std::uint32_t backlog() const { return backlog_; }
    std::uint64_t accepted() const { return accepted_; }
    // accept() failed with EMFILE/ENFILE (out of file descriptors).
    std::uint64_t accept_failures() const { return accept_failures_; }

    void on_readable(const Readiness& event) override;
    void on_writable(const Readiness&) override {}

private:
    Loop& loop_;
    std::uint32_t id_;
    OnConnection on_connection_;
    SocketFd fd_ = -1;
    std::uint16_t port_ = 0;
    std::uint32_t backlog_ = default_backlog;
    std::uint64_t accepted_ = 0;
    std::uint64_t accept_failures_ = 0;
};

}  // namespace loopscope::real
