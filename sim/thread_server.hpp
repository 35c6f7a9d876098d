// The thread-per-connection server of §5 ("most older servers use a
// thread-per-connection model"): the alternative to NodeRuntime on the
// server host, chosen by the scenario's server.model. An acceptor thread
// blocks in accept(); every accepted connection gets its own thread, with its
// own stack, that blocks in read(), runs the handler, writes the answer with
// a blocking write() and reads again. A small CPU scheduler shares the cores
// among the runnable threads and charges every context switch.
//
// Index: thread_server.hpp (this) - thread_server.cpp (what each thread
// does: accept, spawn, read, respond, write, close) - thread_cpu.cpp (cores,
// run queue, time slices, context switches) - thread_handlers.cpp and
// thread_http.cpp (the protocol a connection thread speaks).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/scenario.hpp"
#include "sim/scheduler.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

// The kernel's memory for one idle socket: about 4 KB of slab (facts.md:
// 9,000 connections, 18,000 sockets, +70.5 MB).
inline constexpr std::uint64_t socket_kernel_bytes = 4096;
// A thread's read() buffer: the same 64 KiB libuv reads into, so both models
// see the same chunks.
inline constexpr std::uint64_t thread_read_bytes = 65536;

// What one connection thread's program does with the bytes it reads: the
// server.program of the scenario, written as a blocking loop body.
class ThreadHandler {
public:
    virtual ~ThreadHandler() = default;
    // Bytes to write as soon as the connection is accepted (payload).
    virtual std::string on_accept(std::int32_t) { return {}; }
    // The answer to bytes just read at `now`; empty means nothing to write yet.
    virtual std::string on_bytes(std::int32_t conn, const std::string& bytes, Nanos now) = 0;
    // Whether the thread closes the connection once everything is written.
    virtual bool close_after_write(std::int32_t) const { return false; }
};

std::unique_ptr<ThreadHandler> make_thread_handler(const ServerParams& params);
std::unique_ptr<ThreadHandler> make_thread_http_handler(const ServerParams& params);  // thread_http.cpp

class ThreadServer {
public:
    ThreadServer(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp);

    // listen(), then the acceptor thread starts.
    void start(Nanos now);

    // A core finished a context switch or a stretch of CPU work.
    void core_done(Nanos now, std::uint32_t core);

    // The kernel reports a change on a server socket or the listener.
    void socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause);
    void listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause);

private:
    // What a thread does next, once it has spent `cpu_owed` on the core.
    enum class Step : std::uint8_t { accept, spawn, read, respond, write, close };
    enum class State : std::uint8_t { runnable, running, blocked, exited };
    struct Thread {
        std::uint32_t id = 0;
        std::int32_t conn = trace::no_conn;  // the acceptor has none
        State state = State::runnable;
        Step next = Step::accept;
        Nanos cpu_owed = 0;
        trace::BlockedOn blocked_on = trace::BlockedOn::read;
        std::uint32_t cause = trace::no_event;  // what made it runnable: the cause of what it does
        std::int32_t accepted = trace::no_conn;  // acceptor: connection waiting for its thread
        std::string inbox;                       // bytes read, for the handler
        std::string outbox;                      // answer not yet in the kernel
        std::size_t written = 0;                 // bytes of outbox the kernel took
    };
    struct Core {
        std::uint32_t thread = 0;     // running (or switching to) this thread; 0 = idle
        std::uint32_t last = 0;       // thread it ran last, 0 = none yet
        bool switching = false;
        Nanos burst_started = 0;      // the stretch of work core_done ends
        Nanos run_started = 0;        // the threads.run span
        Nanos slice_ends = 0;
        std::uint32_t run_event = trace::no_event;
    };

    // thread_server.cpp: the threads' programs.
    Thread& thread(std::uint32_t id) { return threads_[id - 1]; }
    std::uint32_t spawn(Nanos now, std::int32_t conn, std::uint32_t cause);
    // Runs the thread's next step at `now`; it then owes more CPU, is
    // blocked, or has exited.
    void execute(Nanos now, Thread& t);
    void step_accept(Nanos now, Thread& t);
    void step_read(Nanos now, Thread& t);
    void step_write(Nanos now, Thread& t);
    void block(Nanos now, Thread& t, trace::BlockedOn on);
    void wake(Nanos now, Thread& t, std::uint32_t cause);
    void exit_thread(Nanos now, Thread& t);
    std::uint32_t record_memory(Nanos now, trace::Kind kind, const Thread& t);

    // thread_cpu.cpp: the scheduler.
    void make_runnable(Nanos now, Thread& t);
    void dispatch(Nanos now);
    void begin_run(Nanos now, std::uint32_t core);
    void continue_run(Nanos now, std::uint32_t core);
    void end_run(Nanos now, Core& core);

    const Scenario& scenario_;
    Scheduler& scheduler_;
    Recorder& recorder_;
    Tcp& tcp_;
    std::unique_ptr<ThreadHandler> handler_;
    std::uint32_t listener_ = 0;

    std::deque<Thread> threads_;  // by id - 1 (a deque: spawning keeps references valid); ids are never reused
    std::vector<std::uint32_t> thread_of_conn_;  // connection id -> thread id (0 = none yet)
    std::vector<Core> cores_;                    // core number - 1
    std::deque<std::uint32_t> run_queue_;        // runnable threads waiting for a core
    std::uint32_t live_ = 0;
    std::uint32_t open_sockets_ = 0;
};

}  // namespace loopscope::sim
