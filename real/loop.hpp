// The real event loop: libuv's uv_run, on real sockets. run_once() is the
// phase list (timers, pending, idle, prepare, poll, check, close) and
// nothing else; every phase and every notifier wait is recorded in the
// loop's Tracer, with the same kinds the simulator uses.
//
// One Loop belongs to one thread. The only call another thread may make is
// post(), which wakes the poll phase through an eventfd (a pipe where there
// is none), as libuv's uv_async_send does.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "real/poller.hpp"
#include "real/tracer.hpp"
#include "trace/trace.hpp"

namespace loopscope::real {

// Something registered with the notifier. The loop calls these when the
// poller reports the socket; after each call it looks the registration up
// again before touching it, since a callback may have closed any socket
// (Redis's ae does the same re-check).
class IoHandler {
public:
    virtual ~IoHandler() = default;
    virtual void on_readable(const Readiness& event) = 0;
    virtual void on_writable(const Readiness& event) = 0;
};

struct LoopOptions {
    std::string backend = "native";  // see make_poller()
    bool trace = true;
    std::uint8_t host = 0;           // the trace's host index for this loop's events
    TracerLimits trace_limits = {};
    // Readiness events fetched per wait, like libuv's 1024 for epoll.
    std::size_t max_events = 1024;
    // Record the loop's own events (iterations, phases, notifier calls).
    // A client program's loop turns this off: the lesson's loop is the
    // server's, and the client's sockets record the client lane only.
    bool record_loop = true;
};

// libuv reads into 64 KiB buffers; the loop owns one and every stream
// reads into it, so an idle connection holds no read buffer.
inline constexpr std::size_t read_buffer_bytes = 65536;

using TimerId = std::uint64_t;

class Loop {
public:
    explicit Loop(LoopOptions options = {});
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    Poller& poller() { return *poller_; }
    Tracer& tracer() { return tracer_; }
    bool records_loop() const { return record_loop_; }
    char* read_buffer() { return read_buffer_.get(); }
    trace::NotifierApi api() const { return poller_->api(); }
    // The loop's time, updated at the start of each iteration (uv_now).
    Nanos now() const { return now_; }
    std::uint64_t iteration() const { return iteration_; }

    // ---- timers (a heap; equal due times run in start order) ----
    TimerId start_timer(Nanos delay, std::function<void()> callback);
    void stop_timer(TimerId id);

    // ---- queues of the other phases ----
    void defer(std::function<void()> callback);          // pending: next iteration, before poll
    void set_immediate(std::function<void()> callback);  // check: right after this poll
    void close_later(std::function<void()> callback);    // close: end of this iteration

    // ---- sockets ----
    // Registers or changes what is watched; interest_none keeps the socket
    // known but silent. `listener` is the listener id for the trace (0 if not).
    std::error_code watch(SocketFd fd, unsigned interest, IoHandler* handler, std::uint32_t listener = 0);
    std::error_code unwatch(SocketFd fd);

    // Handles that keep run() going (listeners, open streams, a client's
    // pending work): like libuv's active handle count.
    void ref() { ++refs_; }
    void unref() { --refs_; }

    // The trace's connection key of a socket (TcpStream sets it), so the
    // loop's own records (notifier.ready, notifier.register) name the
    // connection they concern.
    void set_conn(SocketFd fd, std::int32_t conn);
    void clear_conn(SocketFd fd);
    std::int32_t fd_conn(SocketFd fd) const;

    // Thread-safe: runs `callback` on the loop's thread soon, waking it,
    // and records loop.async_wakeup. `traced` false is for the harness's
    // own messages (the end of a run), which are not part of the lesson.
    void post(std::function<void()> callback, bool traced = true);

    // The record the running callback came from: notifier.ready while a
    // readiness is handled, then loop.read or loop.accept inside the
    // callbacks those call. Records name it as their cause, so a real trace
    // links js.data back to the readiness that woke the loop, as the
    // simulator's does (the summary's max_loop_lag_ns follows those links).
    std::uint32_t io_cause() const noexcept { return io_cause_; }
    class CauseScope {
    public:
        CauseScope(Loop& loop, std::uint32_t cause) noexcept : loop_(loop), saved_(loop.io_cause_) {
            loop.io_cause_ = cause;
        }
        ~CauseScope() { loop_.io_cause_ = saved_; }
        CauseScope(const CauseScope&) = delete;
        CauseScope& operator=(const CauseScope&) = delete;

    private:
        Loop& loop_;
        std::uint32_t saved_;
    };

    // One iteration. Returns false when nothing keeps the loop alive.
    bool run_once();
    // Runs until stop() or nothing is left, or `deadline` (monotonic ns; 0 = none) passes.
    void run(Nanos deadline = 0);
    // Makes run() return after the current iteration (any thread).
    void stop();

    struct State;  // timer heap, queues, watchers, the async handle (loop.cpp)

private:
    void update_time();
    void run_timers();
    void run_pending();
    void run_idle_and_prepare();
    void run_poll(Nanos timeout);
    void run_check();
    void run_closing();
    Nanos poll_timeout(trace::PollReason& reason);
    void drain_async();
    bool alive() const;
    void enter_phase(trace::LoopPhase phase);
    std::uint32_t loop_record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields,
                              std::uint32_t cause = no_record) noexcept {
        return record_loop_ ? tracer_.record(kind, conn, fields, cause) : no_record;
    }

    std::unique_ptr<Poller> poller_;
    Tracer tracer_;
    std::unique_ptr<State> state_;
    Nanos now_ = 0;
    std::uint64_t iteration_ = 0;
    std::int64_t refs_ = 0;
    std::unordered_map<SocketFd, std::int32_t> conns_;
    bool record_loop_ = true;
    std::uint32_t io_cause_ = no_record;
    std::unique_ptr<char[]> read_buffer_;
};

}  // namespace loopscope::real
