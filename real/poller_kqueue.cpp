// The macOS and BSD backend: kqueue(2) / kevent(2), level-triggered, as
// libuv uses it there.
//
// NOT COMPILED OR RUN ON THIS PROJECT'S MACHINES: there is no kqueue on
// Linux (no BSD or macOS toolchain, no libkqueue package), so this file is
// written against the documented kevent(2) API of macOS and FreeBSD and
// compiles to nothing elsewhere. It was only syntax-checked here, against a
// stand-in <sys/event.h> written from that manual page. The first build on
// a Mac or a BSD is its first real compile; the [real] tests then run on
// it (tests/CMakeLists.txt runs them with kqueue and poll there).
//
// How the Poller contract maps onto kqueue:
// - Each socket has up to two kevents, (fd, EVFILT_READ) and
//   (fd, EVFILT_WRITE). A filter is added (EV_ADD) the first time the
//   interest includes it, and then switched with EV_ENABLE / EV_DISABLE;
//   a listener is never given a write filter it does not need. remove()
//   deletes them (EV_DELETE).
// - Changes are applied at once, one kevent() call per change with no
//   event list: kevent(2) then returns -1 with errno for a change that
//   fails, so add() and modify() can return the error instead of finding it
//   later among the events (and no pending event is consumed by a change).
//   Redis's ae_kqueue.c applies its changes the same way.
// - No EV_CLEAR or EV_ONESHOT: a filter stays triggered while its
//   condition holds, so a socket with unread bytes is reported again on the
//   next wait, like level-triggered epoll.
// - Readiness::bytes is the event's `data`: bytes readable (for a listener,
//   connections waiting in the accept queue) when readable; room in the
//   send buffer when only writable. EV_EOF sets eof, and a socket error
//   that came with it (in `fflags`) sets error; EV_ERROR sets error.
// - One socket's read and write events that come back in one call are
//   merged into one Readiness.
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "real/poller.hpp"

namespace loopscope::real {
namespace {

std::error_code errno_code(int error) { return {error, std::generic_category()}; }

struct Registration {
    std::uint64_t token = 0;
    unsigned interest = interest_none;
    bool read_added = false;
    bool read_enabled = false;
    bool write_added = false;
    bool write_enabled = false;
};

class KqueuePoller final : public Poller {
public:
    KqueuePoller() {
        kq_ = kqueue();
        if (kq_ < 0) throw std::system_error(errno_code(errno), "kqueue");
        // A kqueue is not inherited across fork() anyway; close-on-exec
        // keeps it out of programs this process runs, like the other fds.
        fcntl(kq_, F_SETFD, FD_CLOEXEC);
    }

    ~KqueuePoller() override { ::close(kq_); }

    std::string_view name() const override { return "kqueue"; }
    trace::NotifierApi api() const override { return trace::NotifierApi::kqueue; }

    std::error_code add(SocketFd fd, unsigned interest, std::uint64_t token) override {
        if (registrations_.count(fd) != 0) return std::make_error_code(std::errc::file_exists);
        Registration registration;
        registration.token = token;
        std::error_code error = apply(fd, registration, interest);
        if (error) {
            delete_filters(fd, registration);
            return error;
        }
        registrations_.emplace(fd, registration);
        return {};
    }

    std::error_code modify(SocketFd fd, unsigned interest, std::uint64_t token) override {
        auto found = registrations_.find(fd);
        if (found == registrations_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        found->second.token = token;
        return apply(fd, found->second, interest);
    }

    std::error_code remove(SocketFd fd) override {
        auto found = registrations_.find(fd);
        if (found == registrations_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        std::error_code error = delete_filters(fd, found->second);
        registrations_.erase(found);
        return error;
    }

    std::size_t wait(std::span<Readiness> out, Nanos timeout, std::error_code& error) override {
        error.clear();
        if (out.empty()) return 0;
        timespec limit{};
        timespec* limit_or_forever = nullptr;  // NULL: wait until an event arrives
        if (timeout >= 0) {
            limit.tv_sec = static_cast<time_t>(timeout / 1'000'000'000);
            limit.tv_nsec = static_cast<long>(timeout % 1'000'000'000);
            limit_or_forever = &limit;
        }
        // Each kevent is one filter of one socket, so out.size() kevents
        // merge into at most out.size() Readiness entries.
        events_.resize(std::min<std::size_t>(out.size(), INT_MAX));
        int count = kevent(kq_, nullptr, 0, events_.data(), static_cast<int>(events_.size()), limit_or_forever);
        if (count < 0) {
            if (errno != EINTR) error = errno_code(errno);
            return 0;  // EINTR: a signal arrived; the loop simply goes round again
        }
        slots_.clear();
        std::size_t filled = 0;
        for (int i = 0; i < count; ++i) {
            const struct kevent& event = events_[static_cast<std::size_t>(i)];
            SocketFd fd = static_cast<SocketFd>(event.ident);
            auto registration = registrations_.find(fd);
            if (registration == registrations_.end()) continue;  // removed: its filters are gone too
            auto [slot, first] = slots_.emplace(fd, filled);
            if (first) {
                out[filled] = Readiness{};
                out[filled].token = registration->second.token;
                ++filled;
            }
            merge(out[slot->second], event);
        }
        return filled;
    }

    std::size_t watched() const override { return registrations_.size(); }

private:
    static std::uint32_t clamp_to_u32(std::int64_t value) {
        if (value < 0) return 0;
        return value > static_cast<std::int64_t>(UINT32_MAX) ? UINT32_MAX : static_cast<std::uint32_t>(value);
    }

    static void merge(Readiness& readiness, const struct kevent& event) {
        if ((event.flags & EV_ERROR) != 0) {
            readiness.error = true;  // `data` holds the errno
            return;
        }
        bool eof = (event.flags & EV_EOF) != 0;
        if (eof) {
            readiness.eof = true;
            if (event.fflags != 0) readiness.error = true;  // the socket error that ended the stream
        }
        if (event.filter == EVFILT_READ) {
            readiness.readable = true;
            readiness.bytes = clamp_to_u32(static_cast<std::int64_t>(event.data));
        } else if (event.filter == EVFILT_WRITE) {
            readiness.writable = true;
            if (!readiness.readable) readiness.bytes = clamp_to_u32(static_cast<std::int64_t>(event.data));
        }
    }

    // One change, applied now. Returns errno as an error_code.
    std::error_code change(SocketFd fd, short filter, unsigned short flags) {
        struct kevent request;
        // udata 0: a null pointer where it is a pointer (macOS, FreeBSD),
        // zero where it is an integer (older NetBSD).
        EV_SET(&request, static_cast<uintptr_t>(fd), filter, flags, 0, 0, 0);
        const timespec no_wait{};
        for (;;) {
            if (kevent(kq_, &request, 1, nullptr, 0, &no_wait) == 0) return {};
            if (errno != EINTR) return errno_code(errno);
        }
    }

    // Brings one socket's two filters to `interest`, changing only what differs.
    std::error_code apply(SocketFd fd, Registration& registration, unsigned interest) {
        struct Filter {
            short filter;
            bool wanted;
            bool& added;
            bool& enabled;
        };
        Filter filters[] = {
            {EVFILT_READ, (interest & interest_readable) != 0, registration.read_added, registration.read_enabled},
            {EVFILT_WRITE, (interest & interest_writable) != 0, registration.write_added, registration.write_enabled},
        };
        for (Filter& f : filters) {
            if (f.wanted == f.enabled) continue;
            unsigned short flags = f.wanted ? (f.added ? EV_ENABLE : EV_ADD | EV_ENABLE) : EV_DISABLE;
            std::error_code error = change(fd, f.filter, flags);
            if (error) return error;
            f.added = true;
            f.enabled = f.wanted;
        }
        registration.interest = interest;
        return {};
    }

    std::error_code delete_filters(SocketFd fd, Registration& registration) {
        std::error_code first_error;
        auto remove_filter = [&](short filter, bool& added) {
            if (!added) return;
            std::error_code error = change(fd, filter, EV_DELETE);
            // ENOENT: the kernel already dropped it (the fd was closed).
            if (error && error != std::errc::no_such_file_or_directory && !first_error) first_error = error;
            added = false;
        };
        remove_filter(EVFILT_READ, registration.read_added);
        remove_filter(EVFILT_WRITE, registration.write_added);
        return first_error;
    }

    int kq_ = -1;
    std::unordered_map<SocketFd, Registration> registrations_;
    std::vector<struct kevent> events_;
    std::unordered_map<SocketFd, std::size_t> slots_;  // this wait's fd -> index in out
};

}  // namespace

std::unique_ptr<Poller> make_kqueue_poller() { return std::make_unique<KqueuePoller>(); }

}  // namespace loopscope::real

#endif
