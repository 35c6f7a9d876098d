// The Linux backend: epoll, level-triggered, as libuv uses it. EPOLLRDHUP
// is asked for so a peer's FIN shows as `eof` on the readiness event.
#if defined(__linux__)

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "real/poller.hpp"

namespace loopscope::real {
namespace {

std::uint32_t epoll_bits(unsigned interest) {
    std::uint32_t bits = 0;
    if (interest & interest_readable) bits |= EPOLLIN | EPOLLRDHUP;
    if (interest & interest_writable) bits |= EPOLLOUT;
    return bits;
}

class EpollPoller final : public Poller {
public:
    EpollPoller() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
        if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    }
    ~EpollPoller() override { ::close(epfd_); }

    std::string_view name() const override { return "epoll"; }
    trace::NotifierApi api() const override { return trace::NotifierApi::epoll; }

    std::error_code add(SocketFd fd, unsigned interest, std::uint64_t token) override {
        epoll_event ev{};
        ev.events = epoll_bits(interest);
        ev.data.u64 = token;
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) return {errno, std::generic_category()};
        ++watched_;
        return {};
    }
    std::error_code modify(SocketFd fd, unsigned interest, std::uint64_t token) override {
        epoll_event ev{};
        ev.events = epoll_bits(interest);
        ev.data.u64 = token;
        if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) < 0) return {errno, std::generic_category()};
        return {};
    }
    std::error_code remove(SocketFd fd) override {
        // Linux before 2.6.9 needed a non-null event pointer for DEL.
        epoll_event ev{};
        if (epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) < 0) return {errno, std::generic_category()};
        --watched_;
        return {};
    }

    std::size_t wait(std::span<Readiness> out, Nanos timeout, std::error_code& error) override {
        if (events_.size() < out.size()) events_.resize(out.size());
        // epoll_wait counts in milliseconds: round up, so a timer due in
        // 0.3 ms does not become a busy 0 ms poll.
        const int ms = timeout < 0 ? -1 : static_cast<int>((timeout + 999'999) / 1'000'000);
        const int n = epoll_wait(epfd_, events_.data(), static_cast<int>(out.size()), ms);
        if (n < 0) {
            if (errno != EINTR) error = {errno, std::generic_category()};
            return 0;
        }
        for (int i = 0; i < n; ++i) {
            const std::uint32_t bits = events_[i].events;
            Readiness& r = out[i];
            r = Readiness{};
            r.token = events_[i].data.u64;
            // EPOLLHUP and EPOLLERR are always reported; libuv treats them
            // as readable and writable so the next read or write sees the error.
            r.readable = (bits & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0;
            r.writable = (bits & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
            r.eof = (bits & (EPOLLRDHUP | EPOLLHUP)) != 0;
            r.error = (bits & EPOLLERR) != 0;
        }
        return static_cast<std::size_t>(n);
    }

    std::size_t watched() const override { return watched_; }

private:
    int epfd_;
    std::size_t watched_ = 0;
    std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Poller> make_epoll_poller() { return std::make_unique<EpollPoller>(); }

}  // namespace loopscope::real

#endif
