// libuv's uv_run as the simulator plays it: one short step at a time, so the
// kernel keeps receiving packets (at their own times) while JavaScript runs.
// The phase order is the body of advance_phase(): timers, pending, idle,
// prepare, poll, check, close.
#include <algorithm>

#include "sim/node_runtime.hpp"

namespace loopscope::sim {

using trace::Kind;
using trace::LoopPhase;
using trace::PollReason;

namespace {
bool timer_later(const auto& a, const auto& b) {
    if (a.due != b.due) return a.due > b.due;
    return a.seq > b.seq;  // equal timeouts run in start order
}
}  // namespace

NodeRuntime::NodeRuntime(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp,
                         ServerProgram& program)
    : scenario_(scenario),
      scheduler_(scheduler),
      recorder_(recorder),
      tcp_(tcp),
      program_(program),
      notifier_(make_notifier(scenario.os, tcp, recorder)),
      workers_(std::max<std::uint32_t>(1, scenario.threadpool_size), -1) {
    sockets_.reserve(static_cast<std::size_t>(scenario.clients.count) + 1);
}

void NodeRuntime::start(Nanos now) {
    listener_ = tcp_.listen(now, scenario_.server.port, scenario_.server.backlog);
    notifier_->watch_listener(now, listener_, trace::no_event);
    // 'listening' is emitted on the next tick after listen() returns.
    tasks_.push_back(Task{TaskType::listening_cb});
    schedule_step(now);
}

void NodeRuntime::schedule_step(Nanos at) {
    if (step_scheduled_ || exited_) return;
    step_scheduled_ = true;
    scheduler_.insert(at, ActionType::loop_step);
}

bool NodeRuntime::alive() const {
    // A listening server is an active handle: Node's loop never runs dry
    // while it listens. The rest matters once the server closes.
    return listener_ != 0 || !timers_.empty() || !immediates_.empty() || !closing_.empty() ||
           !job_queue_.empty() || !completed_.empty();
}

void NodeRuntime::loop_step(Nanos now) {
    step_scheduled_ = false;
    if (blocked_ || exited_) return;
    Nanos cost = 0;
    if (!next_ticks_.empty() || !microtasks_.empty()) {
        // After every callback Node empties process.nextTick's queue, then
        // the promise microtasks, before libuv moves on. Once V8 runs
        // microtasks it runs them until its queue is empty, including ones
        // they queue: a nextTick queued by a promise waits until then
        // (processTicksAndRejections; checked by tests/node/ordering.js).
        const bool tick = !next_ticks_.empty() && !draining_microtasks_;
        draining_microtasks_ = !tick;
        auto& queue = tick ? next_ticks_ : microtasks_;
        const Callback callback = queue.front();
        queue.pop_front();
        begin_callback(now, tick ? Kind::js_next_tick : Kind::js_microtask, trace::no_conn, callback.cause, {});
        if (tick) program_.on_tick(*this, callback.tag);
        else program_.on_microtask(*this, callback.tag);
        cost = end_callback();
        if (microtasks_.empty()) draining_microtasks_ = false;
        record_queues(now);
    } else if (!tasks_.empty()) {
        const Task task = tasks_.front();
        tasks_.pop_front();
        cost = run_task(now, task);
    } else {
        cost = advance_phase(now);
        if (blocked_ || exited_) return;
    }
    schedule_step(now + cost);
}

std::uint32_t NodeRuntime::begin_callback(Nanos now, Kind kind, std::int32_t conn, std::uint32_t cause,
                                          std::initializer_list<std::int64_t> fields) {
    // Every js.* callback kind ends with its `dur` field.
    std::int64_t values[8] = {};
    std::size_t n = 0;
    for (std::int64_t v : fields) values[n++] = v;
    values[n++] = scenario_.server.cpu_per_callback_ns;
    current_event_ = recorder_.emit(now, kind, server_host, conn, cause, std::span<const std::int64_t>(values, n));
    callback_event_ = current_event_;
    current_time_ = now;
    extra_cpu_ = 0;
    return current_event_;
}

Nanos NodeRuntime::end_callback() {
    const Nanos cost = scenario_.server.cpu_per_callback_ns + extra_cpu_;
    if (extra_cpu_ != 0) {
        const trace::Event& e = recorder_.trace()[callback_event_];
        recorder_.trace().set_arg(callback_event_, static_cast<int>(trace::kind_spec(e.kind).fields.size()) - 1, cost);
    }
    extra_cpu_ = 0;
    return cost;
}

Nanos NodeRuntime::advance_phase(Nanos now) {
    switch (phase_) {
        case LoopPhase::close:
            if (!alive()) {
                recorder_.emit(now, Kind::loop_exit, server_host, trace::no_conn, trace::no_event, {});
                exited_ = true;
                return 0;
            }
            ++iteration_;
            recorder_.emit(now, Kind::loop_iteration, server_host, trace::no_conn, trace::no_event,
                           {static_cast<std::int64_t>(iteration_)});
            enter_phase(now, LoopPhase::timers);
            while (!timers_.empty() && timers_.front().due <= now) {
                std::pop_heap(timers_.begin(), timers_.end(), timer_later<Timer, Timer>);
                const Timer t = timers_.back();
                timers_.pop_back();
                Task task{TaskType::timer_cb, trace::no_conn, 0, t.tag};
                task.due = t.due;
                tasks_.push_back(task);
            }
            return 0;
        case LoopPhase::timers:
            enter_phase(now, LoopPhase::pending);
            tasks_.insert(tasks_.end(), pending_.begin(), pending_.end());
            pending_.clear();
            return 0;
        case LoopPhase::pending: enter_phase(now, LoopPhase::idle); return 0;
        case LoopPhase::idle: enter_phase(now, LoopPhase::prepare); return 0;
        case LoopPhase::prepare:
            enter_phase(now, LoopPhase::poll);
            start_poll(now);
            return 0;
        case LoopPhase::poll:
            enter_phase(now, LoopPhase::check);
            // Only the immediates queued before the check phase starts run
            // now; ones they queue wait for the next iteration.
            for (const Callback& c : immediates_)
                tasks_.push_back(Task{TaskType::immediate_cb, trace::no_conn, 0, c.tag, c.cause});
            immediates_.clear();
            return 0;
        case LoopPhase::check:
            enter_phase(now, LoopPhase::close);
            tasks_.insert(tasks_.end(), closing_.begin(), closing_.end());
            closing_.clear();
            return 0;
    }
    return 0;
}

void NodeRuntime::enter_phase(Nanos now, LoopPhase phase) {
    phase_ = phase;
    recorder_.emit(now, Kind::loop_phase, server_host, trace::no_conn, trace::no_event,
                   {static_cast<std::int64_t>(phase), static_cast<std::int64_t>(iteration_)});
}

void NodeRuntime::start_poll(Nanos now) {
    Nanos timeout = -1;
    PollReason reason = PollReason::no_timers;
    if (!immediates_.empty()) {
        timeout = 0;
        reason = PollReason::immediates_pending;
    } else if (!pending_.empty() || !closing_.empty()) {
        timeout = 0;
        reason = PollReason::pending_callbacks;
    } else if (!timers_.empty()) {
        timeout = std::max<Nanos>(0, timers_.front().due - now);
        reason = PollReason::timer_due;
    }
    recorder_.emit(now, Kind::loop_poll_timeout, server_host, trace::no_conn, trace::no_event,
                   {timeout, static_cast<std::int64_t>(reason)});
    wait_event_ = recorder_.emit(now, Kind::notifier_wait, server_host, trace::no_conn, trace::no_event,
                                 {static_cast<std::int64_t>(notifier_->api()), timeout,
                                  static_cast<std::int64_t>(notifier_->watched())});
    wait_started_ = now;
    wake_cause_ = trace::no_event;
    if (notifier_->has_ready() || !completed_.empty() || timeout == 0) {
        finish_poll(now);
        return;
    }
    blocked_ = true;
    wake_scheduled_ = false;
    ++poll_generation_;
    if (timeout > 0) scheduler_.insert(now + timeout, ActionType::poll_timeout, 0, poll_generation_);
}

void NodeRuntime::poll_timeout(Nanos now, std::uint64_t generation) {
    if (!blocked_ || generation != poll_generation_) return;
    blocked_ = false;
    finish_poll(now);
    schedule_step(now);
}

void NodeRuntime::poll_wake(Nanos now, std::uint64_t generation) {
    if (!blocked_ || generation != poll_generation_) return;
    blocked_ = false;
    finish_poll(now);
    schedule_step(now);
}

void NodeRuntime::maybe_wake(Nanos now, std::uint32_t cause) {
    if (!blocked_ || wake_scheduled_) return;
    if (!notifier_->has_ready() && completed_.empty()) return;
    wake_scheduled_ = true;
    wake_cause_ = cause;
    scheduler_.insert(now + wakeup_ns, ActionType::poll_wake, 0, poll_generation_);
}

void NodeRuntime::finish_poll(Nanos now) {
    ready_.clear();
    notifier_->collect(scenario_.epoll_max_events, ready_);
    const bool async = !completed_.empty();
    const std::uint32_t cause = wake_cause_ != trace::no_event ? wake_cause_ : wait_event_;
    const auto wake = recorder_.emit(now, Kind::notifier_wake, server_host, trace::no_conn, cause,
                                     {static_cast<std::int64_t>(notifier_->api()),
                                      static_cast<std::int64_t>(ready_.size() + (async ? 1 : 0)),
                                      now - wait_started_});
    if (async) {
        // The pool's async handle (an eventfd on Linux) was signalled.
        const auto woke = recorder_.emit(now, Kind::loop_async_wakeup, server_host, trace::no_conn,
                                         completed_.front().second, {});
        for (const auto& [job, done_event] : completed_)
            tasks_.push_back(Task{TaskType::pool_done_cb, jobs_[job].conn, 0, job, woke});
        completed_.clear();
    }
    for (const ReadyItem& item : ready_) {
        const auto reported = notifier_->report(now, item, item.cause == trace::no_event ? wake : item.cause);
        Task task{TaskType::read, item.conn, item.listener, item.bytes, reported, reads_per_wakeup};
        switch (item.what) {
            case ReadyWhat::acceptable: task.type = TaskType::accept; break;
            case ReadyWhat::readable:
            case ReadyWhat::read_done: task.type = TaskType::read; break;
            case ReadyWhat::writable: task.type = TaskType::flush; break;
            case ReadyWhat::accept_done: task.type = TaskType::connection_cb; break;
            case ReadyWhat::write_done: task.type = TaskType::write_done; break;
        }
        tasks_.push_back(task);
    }
}

void NodeRuntime::record_queues(Nanos now) {
    recorder_.emit(now, Kind::js_queues, server_host, trace::no_conn, current_event_,
                   {static_cast<std::int64_t>(next_ticks_.size()), static_cast<std::int64_t>(microtasks_.size()),
                    static_cast<std::int64_t>(immediates_.size()), static_cast<std::int64_t>(timers_.size())});
}

void NodeRuntime::set_timeout(Nanos delay, std::uint64_t tag) {
    // Like libuv, a timer counts from the loop's cached "now".
    timers_.push_back(Timer{current_time_ + std::max<Nanos>(delay, 1'000'000), timer_seq_++, tag});
    std::push_heap(timers_.begin(), timers_.end(), timer_later<Timer, Timer>);
    record_queues(current_time_);
}

void NodeRuntime::clear_timeout(std::uint64_t tag) {
    const auto found = std::find_if(timers_.begin(), timers_.end(), [tag](const Timer& t) { return t.tag == tag; });
    if (found == timers_.end()) return;
    timers_.erase(found);
    std::make_heap(timers_.begin(), timers_.end(), timer_later<Timer, Timer>);
    record_queues(current_time_);
}

std::uint32_t NodeRuntime::record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields) {
    current_event_ = recorder_.emit(current_time_, kind, server_host, conn, current_event_, fields);
    return current_event_;
}

void NodeRuntime::set_immediate(std::uint64_t tag) {
    immediates_.push_back(Callback{tag, current_event_});
    record_queues(current_time_);
}

void NodeRuntime::next_tick(std::uint64_t tag) {
    next_ticks_.push_back(Callback{tag, current_event_});
    record_queues(current_time_);
}

void NodeRuntime::queue_microtask(std::uint64_t tag) {
    microtasks_.push_back(Callback{tag, current_event_});
    record_queues(current_time_);
}

void NodeRuntime::submit_work(Nanos work, std::int32_t conn, std::uint64_t tag) {
    const Job job{next_job_++, work, conn, tag};
    jobs_.push_back(job);
    job_queue_.push_back(job);
    const auto submitted = recorder_.emit(current_time_, Kind::pool_submit, server_host, conn, current_event_,
                                          {static_cast<std::int64_t>(job.id),
                                           static_cast<std::int64_t>(job_queue_.size()), work});
    for (std::uint32_t w = 0; w < workers_.size() && !job_queue_.empty(); ++w) {
        if (workers_[w] >= 0) continue;
        const Job next = job_queue_.front();
        job_queue_.pop_front();
        start_job(current_time_, w, next, submitted);
    }
}

void NodeRuntime::start_job(Nanos now, std::uint32_t worker, const Job& job, std::uint32_t cause) {
    workers_[worker] = static_cast<std::int64_t>(job.id);
    recorder_.emit(now, Kind::pool_start, server_host, job.conn, cause,
                   {static_cast<std::int64_t>(job.id), worker + 1, static_cast<std::int64_t>(job_queue_.size())});
    scheduler_.insert(now + job.work, ActionType::pool_job_done, worker, job.id);
}

void NodeRuntime::pool_job_done(Nanos now, std::uint32_t worker, std::uint64_t job) {
    workers_[worker] = -1;
    const auto done = recorder_.emit(now, Kind::pool_done, server_host, jobs_[job].conn, trace::no_event,
                                     {static_cast<std::int64_t>(job), worker + 1,
                                      static_cast<std::int64_t>(job_queue_.size())});
    completed_.emplace_back(job, done);
    if (!job_queue_.empty()) {
        const Job next = job_queue_.front();
        job_queue_.pop_front();
        start_job(now, worker, next, done);
    }
    maybe_wake(now, done);
}

}  // namespace loopscope::sim
