// The portable backend: poll(2). It keeps no state in the kernel, so the
// loop's whole interest list is handed over on every wait; that is why it
// costs O(watched sockets) per wakeup where epoll costs O(ready sockets).
// Selectable everywhere with --backend poll, so it is tested on Linux too.
#if !defined(_WIN32)

#include <poll.h>

#include <cerrno>
#include <unordered_map>
#include <vector>

#include "real/poller.hpp"

namespace loopscope::real {
namespace {

short poll_bits(unsigned interest) {
    short bits = 0;
    if (interest & interest_readable) bits |= POLLIN;
    if (interest & interest_writable) bits |= POLLOUT;
    return bits;
}

class PollPoller final : public Poller {
public:
    std::string_view name() const override { return "poll"; }
    trace::NotifierApi api() const override { return trace::NotifierApi::poll; }

    std::error_code add(SocketFd fd, unsigned interest, std::uint64_t token) override {
        if (slot_.count(fd) != 0) return std::make_error_code(std::errc::file_exists);
        slot_[fd] = fds_.size();
        fds_.push_back(pollfd{fd, poll_bits(interest), 0});
        tokens_.push_back(token);
        return {};
    }
    std::error_code modify(SocketFd fd, unsigned interest, std::uint64_t token) override {
        const auto it = slot_.find(fd);
        if (it == slot_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        fds_[it->second].events = poll_bits(interest);
        tokens_[it->second] = token;
        return {};
    }
    std::error_code remove(SocketFd fd) override {
        const auto it = slot_.find(fd);
        if (it == slot_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        // Swap with the last entry so removal stays O(1).
        const std::size_t slot = it->second;
        const std::size_t last = fds_.size() - 1;
        if (slot != last) {
            fds_[slot] = fds_[last];
            tokens_[slot] = tokens_[last];
            slot_[fds_[slot].fd] = slot;
        }
        fds_.pop_back();
        tokens_.pop_back();
        slot_.erase(fd);
        return {};
    }

    std::size_t wait(std::span<Readiness> out, Nanos timeout, std::error_code& error) override {
        const int ms = timeout < 0 ? -1 : static_cast<int>((timeout + 999'999) / 1'000'000);
        const int n = ::poll(fds_.data(), fds_.size(), ms);
        if (n < 0) {
            if (errno != EINTR) error = {errno, std::generic_category()};
            return 0;
        }
        std::size_t count = 0;
        // Start the scan where the last one stopped, so a loop that only
        // takes out.size() events per wait does not always favour the
        // sockets at the front of the array.
        const std::size_t size = fds_.size();
        for (std::size_t k = 0; k < size && count < out.size(); ++k) {
            const std::size_t i = (scan_from_ + k) % size;
            const short bits = fds_[i].revents;
            if (bits == 0) continue;
            Readiness& r = out[count++];
            r = Readiness{};
            r.token = tokens_[i];
            r.readable = (bits & (POLLIN | POLLHUP | POLLERR)) != 0;
            r.writable = (bits & (POLLOUT | POLLHUP | POLLERR)) != 0;
            r.eof = (bits & POLLHUP) != 0;
            r.error = (bits & (POLLERR | POLLNVAL)) != 0;
            fds_[i].revents = 0;
            if (count == out.size()) scan_from_ = (i + 1) % size;
        }
        return count;
    }

    std::size_t watched() const override { return fds_.size(); }

private:
    std::vector<pollfd> fds_;
    std::vector<std::uint64_t> tokens_;
    std::unordered_map<SocketFd, std::size_t> slot_;
    std::size_t scan_from_ = 0;
};

}  // namespace

std::unique_ptr<Poller> make_poll_poller() { return std::make_unique<PollPoller>(); }

}  // namespace loopscope::real

#endif
