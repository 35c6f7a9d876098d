#include "real/loop.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <unordered_map>

#if defined(__linux__)
#include <sys/eventfd.h>
#endif
#include <fcntl.h>
#include <unistd.h>

namespace loopscope::real {

using trace::Kind;
using trace::LoopPhase;
using trace::PollReason;

namespace {

struct Timer {
    Nanos due;
    std::uint64_t seq;  // start order: equal due times run first-started first
    TimerId id;
};
bool timer_later(const Timer& a, const Timer& b) {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
}

struct Watcher {
    IoHandler* handler = nullptr;
    unsigned interest = interest_none;
    std::uint32_t listener = 0;
};

// The async handle's token: no real fd is this large.
constexpr std::uint64_t async_token = ~std::uint64_t{0};

}  // namespace

struct Loop::State {
    std::vector<Timer> heap;
    std::unordered_map<TimerId, std::function<void()>> timers;  // live timers; a stopped one is erased
    std::uint64_t timer_seq = 0;
    std::vector<std::function<void()>> pending, immediates, closing;
    std::unordered_map<SocketFd, Watcher> watchers;
    std::vector<Readiness> ready;

    // The async handle: an eventfd (Linux) or a pipe, watched for reading.
    int wake_read = -1;
    int wake_write = -1;
    std::mutex posted_mutex;
    std::vector<std::function<void()>> posted;
    bool posted_traced = false;  // one of the posted callbacks is part of the lesson
    std::atomic<bool> stop_requested{false};
};

Loop::Loop(LoopOptions options)
    : poller_(make_poller(options.backend)),
      tracer_(options.host, options.trace, options.trace_limits),
      state_(std::make_unique<State>()),
      record_loop_(options.record_loop),
      read_buffer_(new char[read_buffer_bytes]) {
    state_->ready.resize(std::max<std::size_t>(1, options.max_events));
#if defined(__linux__)
    state_->wake_read = state_->wake_write = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (state_->wake_read < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
#else
    int fds[2];
    if (pipe(fds) < 0) throw std::system_error(errno, std::generic_category(), "pipe");
    for (int fd : fds) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    state_->wake_read = fds[0];
    state_->wake_write = fds[1];
#endif
    if (std::error_code e = poller_->add(state_->wake_read, interest_readable, async_token))
        throw std::system_error(e, "registering the loop's async handle");
    update_time();
}

Loop::~Loop() {
    poller_->remove(state_->wake_read);
    ::close(state_->wake_read);
    if (state_->wake_write != state_->wake_read) ::close(state_->wake_write);
}

void Loop::update_time() { now_ = monotonic_now(); }

// ---- timers and queues ----

TimerId Loop::start_timer(Nanos delay, std::function<void()> callback) {
    const TimerId id = ++state_->timer_seq;
    state_->heap.push_back(Timer{monotonic_now() + std::max<Nanos>(0, delay), id, id});
    std::push_heap(state_->heap.begin(), state_->heap.end(), timer_later);
    state_->timers.emplace(id, std::move(callback));
    return id;
}

// Cancel by marking, not removing: the heap entry is skipped when it surfaces.
void Loop::stop_timer(TimerId id) { state_->timers.erase(id); }

void Loop::defer(std::function<void()> callback) { state_->pending.push_back(std::move(callback)); }
void Loop::set_immediate(std::function<void()> callback) { state_->immediates.push_back(std::move(callback)); }
void Loop::close_later(std::function<void()> callback) { state_->closing.push_back(std::move(callback)); }

void Loop::post(std::function<void()> callback, bool traced) {
    {
        std::lock_guard lock(state_->posted_mutex);
        state_->posted.push_back(std::move(callback));
        state_->posted_traced = state_->posted_traced || traced;
    }
    const std::uint64_t one = 1;
    // A full eventfd or pipe already means "wake up": the error can be ignored.
    [[maybe_unused]] const auto written = ::write(state_->wake_write, &one, state_->wake_write == state_->wake_read ? 8 : 1);
}

void Loop::stop() {
    state_->stop_requested = true;
    // Wake the poll phase without queueing a callback: a stop is not an
    // async handle's work, so it records no loop.async_wakeup.
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(state_->wake_write, &one, state_->wake_write == state_->wake_read ? 8 : 1);
}

// ---- sockets ----

std::error_code Loop::watch(SocketFd fd, unsigned interest, IoHandler* handler, std::uint32_t listener) {
    auto it = state_->watchers.find(fd);
    const bool known = it != state_->watchers.end();
    if (known && it->second.interest == interest && it->second.handler == handler) return {};
    const std::error_code error = known ? poller_->modify(fd, interest, static_cast<std::uint64_t>(fd))
                                        : poller_->add(fd, interest, static_cast<std::uint64_t>(fd));
    if (error) return error;
    state_->watchers[fd] = Watcher{handler, interest, listener};
    loop_record(Kind::notifier_register, fd_conn(fd), {static_cast<std::int64_t>(api()),
                   static_cast<std::int64_t>(known ? trace::RegisterOp::modify : trace::RegisterOp::add),
                   static_cast<std::int64_t>(interest), listener});
    return {};
}

std::error_code Loop::unwatch(SocketFd fd) {
    const auto it = state_->watchers.find(fd);
    if (it == state_->watchers.end()) return {};
    const std::uint32_t listener = it->second.listener;
    state_->watchers.erase(it);
    loop_record(Kind::notifier_register, fd_conn(fd), {static_cast<std::int64_t>(api()),
                   static_cast<std::int64_t>(trace::RegisterOp::remove),
                   static_cast<std::int64_t>(trace::Interest::none), listener});
    return poller_->remove(fd);
}

// ---- the phases ----

bool Loop::alive() const {
    return refs_ > 0 || !state_->timers.empty() || !state_->pending.empty() || !state_->immediates.empty() ||
           !state_->closing.empty();
}

void Loop::enter_phase(LoopPhase phase) {
    loop_record(Kind::loop_phase, trace::no_conn,
                   {static_cast<std::int64_t>(phase), static_cast<std::int64_t>(iteration_)});
}

// uv_run: each iteration is exactly this list, in libuv's order.
bool Loop::run_once() {
    update_time();
    ++iteration_;
    loop_record(Kind::loop_iteration, trace::no_conn, {static_cast<std::int64_t>(iteration_)});
    enter_phase(LoopPhase::timers);
    run_timers();
    enter_phase(LoopPhase::pending);
    run_pending();
    enter_phase(LoopPhase::idle);
    enter_phase(LoopPhase::prepare);
    PollReason reason{};
    const Nanos timeout = poll_timeout(reason);
    loop_record(Kind::loop_poll_timeout, trace::no_conn, {timeout, static_cast<std::int64_t>(reason)});
    enter_phase(LoopPhase::poll);
    run_poll(timeout);
    enter_phase(LoopPhase::check);
    run_check();
    enter_phase(LoopPhase::close);
    run_closing();
    return alive();
}

void Loop::run(Nanos deadline) {
    state_->stop_requested = false;
    while (!state_->stop_requested) {
        if (deadline != 0 && monotonic_now() >= deadline) break;
        if (!run_once()) {
            loop_record(Kind::loop_exit, trace::no_conn, {});
            break;
        }
    }
}

void Loop::run_timers() {
    State& s = *state_;
    // Only timers due at this iteration's time run; one a callback starts
    // with delay 0 waits for the next iteration, as in libuv.
    while (!s.heap.empty() && s.heap.front().due <= now_) {
        std::pop_heap(s.heap.begin(), s.heap.end(), timer_later);
        const Timer t = s.heap.back();
        s.heap.pop_back();
        const auto it = s.timers.find(t.id);
        if (it == s.timers.end()) continue;  // stopped
        std::function<void()> callback = std::move(it->second);
        s.timers.erase(it);
        callback();
    }
}

void Loop::run_pending() {
    std::vector<std::function<void()>> batch;
    batch.swap(state_->pending);
    for (auto& callback : batch) callback();
}

void Loop::run_check() {
    // Immediates queued by these callbacks wait for the next iteration.
    std::vector<std::function<void()>> batch;
    batch.swap(state_->immediates);
    for (auto& callback : batch) callback();
}

void Loop::run_closing() {
    std::vector<std::function<void()>> batch;
    batch.swap(state_->closing);
    for (auto& callback : batch) callback();
}

// uv_backend_timeout: do not block while something is already waiting to
// run; otherwise sleep until the nearest timer, or until I/O.
Nanos Loop::poll_timeout(PollReason& reason) {
    State& s = *state_;
    if (s.stop_requested) {
        reason = PollReason::loop_stopping;
        return 0;
    }
    if (!s.immediates.empty()) {
        reason = PollReason::immediates_pending;
        return 0;
    }
    if (!s.pending.empty() || !s.closing.empty()) {
        reason = PollReason::pending_callbacks;
        return 0;
    }
    // Stopped timers still in the heap are dropped as they reach the top.
    while (!s.heap.empty() && s.timers.count(s.heap.front().id) == 0) {
        std::pop_heap(s.heap.begin(), s.heap.end(), timer_later);
        s.heap.pop_back();
    }
    if (!s.heap.empty()) {
        reason = PollReason::timer_due;
        return std::max<Nanos>(0, s.heap.front().due - monotonic_now());
    }
    if (refs_ <= 0) {
        reason = PollReason::loop_stopping;
        return 0;
    }
    reason = PollReason::no_timers;
    return -1;
}

void Loop::run_poll(Nanos timeout) {
    State& s = *state_;
    const auto api_value = static_cast<std::int64_t>(api());
    const std::uint32_t wait_record = loop_record(
        Kind::notifier_wait, trace::no_conn,
        {api_value, timeout, static_cast<std::int64_t>(poller_->watched() - 1)});  // minus the async handle
    const Nanos entered = monotonic_now();
    std::error_code error;
    const std::size_t n = poller_->wait(s.ready, timeout, error);
    // libuv updates its clock right after the wait returns.
    update_time();
    if (error) throw std::system_error(error, std::string(poller_->name()) + " wait");
    loop_record(Kind::notifier_wake, trace::no_conn,
                   {api_value, static_cast<std::int64_t>(n), now_ - entered}, wait_record);
    for (std::size_t i = 0; i < n; ++i) {
        const Readiness event = s.ready[i];
        if (event.token == async_token) {
            drain_async();
            continue;
        }
        const auto fd = static_cast<SocketFd>(event.token);
        auto it = s.watchers.find(fd);
        if (it == s.watchers.end()) continue;  // closed by an earlier callback of this batch
        const std::uint32_t ready = loop_record(
            Kind::notifier_ready, fd_conn(fd),
            {api_value, event.readable, event.writable, event.eof, event.bytes, it->second.listener});
        const CauseScope cause(*this, ready);
        if (event.readable && (it->second.interest & interest_readable)) {
            it->second.handler->on_readable(event);
            // The callback may have closed this socket, or another one.
            it = s.watchers.find(fd);
            if (it == s.watchers.end()) continue;
        }
        if (event.writable && (it->second.interest & interest_writable)) it->second.handler->on_writable(event);
    }
}

void Loop::drain_async() {
    State& s = *state_;
    std::uint64_t value = 0;
    while (::read(s.wake_read, &value, sizeof value) > 0) {
    }
    std::vector<std::function<void()>> batch;
    bool traced = false;
    {
        std::lock_guard lock(s.posted_mutex);
        batch.swap(s.posted);
        traced = s.posted_traced;
        s.posted_traced = false;
    }
    if (traced) loop_record(Kind::loop_async_wakeup, trace::no_conn, {});
    for (auto& callback : batch) callback();
}

// ---- connection keys ----

void Loop::set_conn(SocketFd fd, std::int32_t conn) { conns_[fd] = conn; }
void Loop::clear_conn(SocketFd fd) { conns_.erase(fd); }
std::int32_t Loop::fd_conn(SocketFd fd) const {
    const auto it = conns_.find(fd);
    return it == conns_.end() ? trace::no_conn : it->second;
}

}  // namespace loopscope::real
