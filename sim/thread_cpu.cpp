// The CPU scheduler of the thread-per-connection server: a few cores, one
// run queue in FIFO order, a time slice, and a context switch charged every
// time a core starts a thread other than the one it ran last. A thread the
// kernel wakes becomes runnable and waits its turn; it never preempts the
// running thread (so the model errs on the side of fewer switches than CFS).
#include <algorithm>

#include "sim/thread_server.hpp"

namespace loopscope::sim {

using trace::Kind;

namespace {
constexpr int run_dur_field = 2;  // threads.run: thread, core, dur
}

void ThreadServer::make_runnable(Nanos now, Thread& t) {
    t.state = State::runnable;
    run_queue_.push_back(t.id);
    dispatch(now);
}

// Gives every idle core the thread at the head of the run queue.
void ThreadServer::dispatch(Nanos now) {
    for (std::uint32_t index = 0; index < cores_.size() && !run_queue_.empty(); ++index) {
        Core& core = cores_[index];
        if (core.thread != 0) continue;
        const std::uint32_t id = run_queue_.front();
        run_queue_.pop_front();
        Thread& t = thread(id);
        t.state = State::running;
        core.thread = id;
        if (core.last != 0 && core.last != id) {
            // Save one thread's registers, load the other's, switch stacks:
            // CPU time that serves no request.
            core.switching = true;
            const Nanos cost = scenario_.server.context_switch_ns;
            t.cause = recorder_.emit(now, Kind::threads_switch, server_host, t.conn, t.cause,
                                     {index + 1, core.last, id, cost});
            scheduler_.insert(now + cost, ActionType::thread_cpu, index);
            continue;
        }
        begin_run(now, index);
    }
}

void ThreadServer::begin_run(Nanos now, std::uint32_t index) {
    Core& core = cores_[index];
    Thread& t = thread(core.thread);
    core.switching = false;
    core.run_started = now;
    core.slice_ends = now + scenario_.server.time_slice_ns;
    core.run_event = recorder_.emit(now, Kind::threads_run, server_host, t.conn, t.cause, {t.id, index + 1, 0});
    t.cause = core.run_event;
    continue_run(now, index);
}

void ThreadServer::core_done(Nanos now, std::uint32_t index) {
    Core& core = cores_[index];
    if (core.switching) {
        begin_run(now, index);
        return;
    }
    thread(core.thread).cpu_owed -= now - core.burst_started;
    continue_run(now, index);
}

// Runs the thread's steps until it needs the CPU for a while (then the core
// comes back at core_done), blocks, exits, or uses up its slice while
// another thread waits.
void ThreadServer::continue_run(Nanos now, std::uint32_t index) {
    Core& core = cores_[index];
    Thread& t = thread(core.thread);
    for (;;) {
        if (t.cpu_owed > 0) {
            if (now >= core.slice_ends) {
                if (!run_queue_.empty()) {  // preempted: back to the end of the queue
                    end_run(now, core);
                    t.state = State::runnable;
                    run_queue_.push_back(t.id);
                    dispatch(now);
                    return;
                }
                core.slice_ends = now + scenario_.server.time_slice_ns;
            }
            core.burst_started = now;
            scheduler_.insert(now + std::min(t.cpu_owed, core.slice_ends - now), ActionType::thread_cpu, index);
            return;
        }
        execute(now, t);
        if (t.state == State::blocked || t.state == State::exited) {
            end_run(now, core);
            dispatch(now);
            return;
        }
    }
}

void ThreadServer::end_run(Nanos now, Core& core) {
    recorder_.trace().set_arg(core.run_event, run_dur_field, now - core.run_started);
    core.last = core.thread;
    core.thread = 0;
}

}  // namespace loopscope::sim
