// The OS notifier behind the real loop: one small interface, one file per
// backend (poller_epoll.cpp, poller_kqueue.cpp, poller_poll.cpp,
// poller_iocp.cpp), like Redis's ae_*.c. A poller only reports; the loop
// (real/loop.hpp) decides what to read and write.
//
// Registrations are level-triggered, as libuv uses epoll: a socket that is
// still readable is reported again on the next wait.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "trace/kinds.hpp"

namespace loopscope::real {

using trace::Nanos;

// A socket as the OS names it: a file descriptor on POSIX, a SOCKET handle
// on Windows.
#ifdef _WIN32
using SocketFd = std::uintptr_t;
#else
using SocketFd = int;
#endif

// What the loop waits for on one socket (bits).
enum InterestBits : unsigned { interest_none = 0, interest_readable = 1, interest_writable = 2 };

// One event returned by wait().
struct Readiness {
    std::uint64_t token = 0;  // the token given to add()/modify()
    bool readable = false;    // data, a FIN or a connection to accept
    bool writable = false;    // the send buffer has room
    bool eof = false;         // the peer closed its side (EPOLLRDHUP / EV_EOF / POLLHUP)
    bool error = false;       // the socket has a pending error (EPOLLERR / POLLERR)
    // kqueue: the kevent's data: bytes readable (EVFILT_READ; for a listener,
    // connections waiting), or room to write when only writable. 0 elsewhere.
    std::uint32_t bytes = 0;
};

class Poller {
public:
    virtual ~Poller() = default;
    // "epoll", "kqueue", "poll" or "iocp".
    virtual std::string_view name() const = 0;
    // How traces name this notifier (notifier.* events' `api` field).
    virtual trace::NotifierApi api() const = 0;

    // Starts watching `fd`. `token` comes back in Readiness::token.
    virtual std::error_code add(SocketFd fd, unsigned interest, std::uint64_t token) = 0;
    // Changes what is watched on `fd` (interest_none keeps the registration
    // but reports nothing, like libuv's uv__io_stop without closing).
    virtual std::error_code modify(SocketFd fd, unsigned interest, std::uint64_t token) = 0;
    // Stops watching `fd`. Must be called before the fd is closed: poll and
    // IOCP backends keep their own tables.
    virtual std::error_code remove(SocketFd fd) = 0;

    // Waits at most `timeout` ns (-1: until something happens; 0: do not
    // block) and fills `out` with up to out.size() events. Returns how many.
    // An interrupted wait (EINTR) returns 0 events and no error.
    virtual std::size_t wait(std::span<Readiness> out, Nanos timeout, std::error_code& error) = 0;

    // Sockets currently registered.
    virtual std::size_t watched() const = 0;
};

// "native" (or "") is the platform's own notifier: epoll on Linux, kqueue
// on macOS and the BSDs, IOCP on Windows; "poll" works on every POSIX
// system. Throws std::invalid_argument naming the backends this build has.
std::unique_ptr<Poller> make_poller(std::string_view backend);
// The backends compiled into this build, native first.
std::vector<std::string> available_backends();

// One constructor per backend file; each exists only where it compiles.
std::unique_ptr<Poller> make_epoll_poller();
std::unique_ptr<Poller> make_kqueue_poller();
std::unique_ptr<Poller> make_poll_poller();
std::unique_ptr<Poller> make_iocp_poller();

}  // namespace loopscope::real
