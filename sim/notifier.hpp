// The OS notifier as libuv uses it on each platform, in its own terms:
// - epoll (Linux): level-triggered readiness, one event per socket with
//   EPOLLIN/EPOLLOUT, up to maxevents per epoll_wait;
// - kqueue (macOS): readiness per filter (EVFILT_READ, EVFILT_WRITE), each
//   event carrying a byte count;
// - IOCP (Windows): completions. libuv posts a zero-byte WSARecv to learn
//   that data is there, then reads; writes complete as overlapped WSASends;
//   connections arrive through AcceptEx.
// The loop asks for ready items after it calls the wait function; what it
// then does with an item depends on what the item says, not on the OS.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/scenario.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

enum class ReadyWhat : std::uint8_t {
    acceptable,      // epoll/kqueue: the listener has connections in its accept queue
    readable,        // epoll/kqueue: data, FIN or an error can be read
    writable,        // epoll/kqueue: the send buffer has room again
    accept_done,     // IOCP: AcceptEx completed with one connection
    read_done,       // IOCP: the zero-byte read completed: data is there
    write_done,      // IOCP: an overlapped write completed
};

struct ReadyItem {
    ReadyWhat what = ReadyWhat::readable;
    std::int32_t conn = trace::no_conn;
    std::uint32_t listener = 0;
    std::uint64_t bytes = 0;
    std::uint32_t cause = trace::no_event;  // the kernel event that made it ready
};

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual trace::NotifierApi api() const = 0;

    // The loop starts watching a listener (epoll_ctl ADD / kevent EV_ADD /
    // AcceptEx posted).
    virtual void watch_listener(Nanos now, std::uint32_t listener, std::uint32_t cause) = 0;
    // The loop's interest in a socket changed: reading on/off, waiting for
    // writability on/off.
    virtual void set_interest(Nanos now, std::int32_t conn, bool reading, bool want_write,
                              std::uint32_t cause) = 0;
    virtual void forget(Nanos now, std::int32_t conn, std::uint32_t cause) = 0;

    // IOCP only: hand bytes to an overlapped write; they complete later.
    virtual bool overlapped_writes() const { return false; }
    virtual void submit_write(Nanos, std::int32_t, std::string, std::uint32_t) {}
    virtual std::uint64_t overlapped_pending(std::int32_t) const { return 0; }

    // The kernel tells the notifier that something changed.
    virtual void socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) = 0;
    virtual void listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause) = 0;

    // Whether a wait would return at once.
    virtual bool has_ready() const = 0;
    virtual std::size_t watched() const = 0;
    // Takes up to `max` ready items (the wait returning).
    virtual void collect(std::size_t max, std::vector<ReadyItem>& out) = 0;
    // Records one returned item (notifier.ready / notifier.complete) and
    // returns the event index.
    virtual std::uint32_t report(Nanos now, const ReadyItem& item, std::uint32_t cause) = 0;
};

std::unique_ptr<Notifier> make_notifier(Os os, Tcp& tcp, Recorder& recorder);

}  // namespace loopscope::sim
