// A small peer for the client tests, written with plain POSIX sockets on
// its own thread (no loopscope code): it listens on 127.0.0.1 port 0 and
// counts what the clients do. One poll() loop serves every connection:
//   sink     reads everything; at the client's FIN sends its own and closes
//   payload  writes payload_bytes to each new connection, then FIN
//   http     answers each request head ("\r\n\r\n") with a 200 and a body;
//            Connection: close in the request makes it close after that
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace loopscope::test {

class PeerServer {
public:
    enum class Mode { sink, payload, http };

    explicit PeerServer(Mode mode, std::uint64_t payload_bytes = 0, std::size_t body_bytes = 100)
        : mode_(mode), payload_bytes_(payload_bytes), body_(body_bytes, 'b') {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 4096) != 0)
            throw std::runtime_error("test server: cannot listen");
        socklen_t size = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
        port_ = ntohs(address.sin_port);
        if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("test server: pipe");
        thread_ = std::thread([this] { serve(); });
    }

    ~PeerServer() {
        stop_ = true;
        const char byte = 0;
        [[maybe_unused]] const auto n = ::write(wake_[1], &byte, 1);
        thread_.join();
        for (auto& [fd, c] : conns_) ::close(fd);
        ::close(listener_);
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    std::uint16_t port() const { return port_; }
    std::uint64_t accepted() const { return accepted_; }
    std::uint64_t open() const { return open_; }
    std::uint64_t peak_open() const { return peak_open_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    std::uint64_t requests() const { return requests_; }

private:
    struct Conn {
        std::string in;
        std::string out;
        bool close_after_out = false;
        bool fin_after_out = false;
        bool fin_sent = false;
    };

    void serve() {
        std::vector<pollfd> fds;
        char buffer[65536];
        while (!stop_) {
            fds.clear();
            fds.push_back({wake_[0], POLLIN, 0});
            fds.push_back({listener_, POLLIN, 0});
            for (auto& [fd, c] : conns_)
                fds.push_back({fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
            if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) return;
            if (fds[1].revents & POLLIN) accept_all();
            for (std::size_t i = 2; i < fds.size(); ++i) {
                const int fd = fds[i].fd;
                auto it = conns_.find(fd);
                if (it == conns_.end()) continue;
                bool gone = false;
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) gone = read_from(fd, it->second, buffer, sizeof buffer);
                if (!gone && (fds[i].revents & POLLOUT)) gone = write_to(fd, it->second);
                if (gone) drop(fd);
            }
        }
    }

    void accept_all() {
        for (;;) {
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            ++accepted_;
            ++open_;
            peak_open_ = std::max<std::uint64_t>(peak_open_, open_);
            Conn& c = conns_[fd];
            if (mode_ == Mode::payload) {
                c.out.assign(static_cast<std::size_t>(payload_bytes_), 'p');
                c.fin_after_out = true;
            }
        }
    }

    // Returns true when the connection is finished.
    bool read_from(int fd, Conn& c, char* buffer, std::size_t size) {
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, size, 0);
            if (n > 0) {
                bytes_received_ += static_cast<std::uint64_t>(n);
                if (mode_ == Mode::http) {
                    c.in.append(buffer, static_cast<std::size_t>(n));
                    answer_requests(c);
                }
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return write_to(fd, c);
            if (n < 0 && errno == EINTR) continue;
            return true;  // FIN or an error: close our side too
        }
    }

    void answer_requests(Conn& c) {
        std::size_t end;
        while (!c.close_after_out && (end = c.in.find("\r\n\r\n")) != std::string::npos) {
            const std::string head = c.in.substr(0, end);
            c.in.erase(0, end + 4);
            ++requests_;
            const bool close = head.find("Connection: close") != std::string::npos;
            c.out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body_.size()) +
                     "\r\nConnection: " + (close ? "close" : "keep-alive") + "\r\n\r\n" + body_;
            if (close) c.close_after_out = true;
        }
    }

    bool write_to(int fd, Conn& c) {
        while (!c.out.empty()) {
            const ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n < 0) return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
            c.out.erase(0, static_cast<std::size_t>(n));
        }
        if (c.close_after_out) return true;
        if (c.fin_after_out && !c.fin_sent) {
            ::shutdown(fd, SHUT_WR);
            c.fin_sent = true;
        }
        return false;
    }

    void drop(int fd) {
        ::close(fd);
        conns_.erase(fd);
        --open_;
    }

    Mode mode_;
    std::uint64_t payload_bytes_;
    std::string body_;
    int listener_ = -1;
    int wake_[2] = {-1, -1};
    std::uint16_t port_ = 0;
    std::map<int, Conn> conns_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> accepted_{0}, open_{0}, peak_open_{0}, bytes_received_{0}, requests_{0};
    std::thread thread_;
};

}  // namespace loopscope::test
