// The Node.js process on the server host: libuv's loop (phases, timers,
// immediates, poll with the OS notifier, close callbacks, thread pool), the
// nextTick and microtask queues, and net.Socket stream semantics on top.
//
// Index: node_runtime.hpp (this) - event_loop.cpp (phases, poll, queues,
// timers, thread pool) - node_socket.cpp (accept, read, write, drain, end,
// close: what libuv and net.Socket do per connection) - server_programs.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/notifier.hpp"
#include "sim/recorder.hpp"
#include "sim/scenario.hpp"
#include "sim/scheduler.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

// Fixed costs of the model (docs/architecture.md explains the choices).
inline constexpr Nanos syscall_ns = 1'000;          // one read/write/accept by libuv
inline constexpr Nanos wakeup_ns = 2'000;           // kernel waking the thread blocked in the notifier
inline constexpr std::uint64_t read_buffer_bytes = 65536;  // libuv reads into 64 KiB buffers
inline constexpr int reads_per_wakeup = 32;         // uv__read gives up after 32 full reads

// What a JavaScript program on the server may do.
class NodeApi {
public:
    virtual ~NodeApi() = default;
    // socket.write(): true unless the bytes left in user space reach the
    // highWaterMark (then wait for 'drain').
    virtual bool write(std::int32_t conn, std::string bytes) = 0;
    virtual void end(std::int32_t conn) = 0;
    virtual void destroy(std::int32_t conn) = 0;
    virtual void pause(std::int32_t conn) = 0;
    virtual void resume(std::int32_t conn) = 0;
    virtual void set_timeout(Nanos delay, std::uint64_t tag) = 0;
    virtual void set_immediate(std::uint64_t tag) = 0;
    virtual void next_tick(std::uint64_t tag) = 0;
    virtual void queue_microtask(std::uint64_t tag) = 0;
    // Runs `work` on the thread pool; on_work_done(conn, tag) follows.
    virtual void submit_work(Nanos work, std::int32_t conn, std::uint64_t tag) = 0;
    // Extra CPU time spent in the callback that is running.
    virtual void burn_cpu(Nanos cpu) = 0;
    virtual std::uint64_t writable_length(std::int32_t conn) const = 0;
    // socket.cork() / uncork(): writes in between are kept in user space
    // (counted in writableLength) and go to the kernel as one write.
    virtual void cork(std::int32_t conn) = 0;
    virtual void uncork(std::int32_t conn) = 0;
    virtual void clear_timeout(std::uint64_t tag) = 0;

    // For the layers Node builds on net (http): records an event now, caused
    // by what is running, and makes it the cause of what the callback does
    // next. `fields` follow the kind's field order; text fields take text().
    virtual std::uint32_t record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields) = 0;
    virtual std::int64_t text(std::string_view text) = 0;
    // What the running callback does next is caused by `event` (a parser
    // goes on from its own last event after calling the request handler).
    virtual void set_cause(std::uint32_t event) = 0;
    virtual Nanos now() const = 0;
    virtual const Scenario& scenario() const = 0;
};

// The JavaScript a scenario runs on the server: callbacks for each event.
class ServerProgram {
public:
    virtual ~ServerProgram() = default;
    virtual void on_connection(NodeApi&, std::int32_t) {}
    virtual void on_data(NodeApi&, std::int32_t, const std::string&) {}
    virtual void on_end(NodeApi&, std::int32_t) {}
    virtual void on_drain(NodeApi&, std::int32_t) {}
    virtual void on_close(NodeApi&, std::int32_t, bool) {}
    virtual void on_error(NodeApi&, std::int32_t, trace::ErrorCode) {}
    virtual void on_timer(NodeApi&, std::uint64_t) {}
    virtual void on_immediate(NodeApi&, std::uint64_t) {}
    virtual void on_tick(NodeApi&, std::uint64_t) {}
    virtual void on_microtask(NodeApi&, std::uint64_t) {}
    virtual void on_work_done(NodeApi&, std::int32_t, std::uint64_t) {}
    // True when the program reads its sockets from C++ as Node's http.Server
    // does (parser.consume(handle)): each chunk is then an http.parse step
    // rather than a JavaScript 'data' event.
    virtual bool consumes_reads() const { return false; }
};

std::unique_ptr<ServerProgram> make_server_program(const ServerParams& params);

class NodeRuntime final : public NodeApi {
public:
    NodeRuntime(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp,
                ServerProgram& program);

    // server.listen(): runs the main script's part, then starts the loop.
    void start(Nanos now);

    // Scheduler entry points.
    void loop_step(Nanos now);
    void poll_timeout(Nanos now, std::uint64_t generation);
    void poll_wake(Nanos now, std::uint64_t generation);
    void pool_job_done(Nanos now, std::uint32_t worker, std::uint64_t job);

    // The kernel reports a change on a server-side socket or listener.
    void socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause);
    void listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause);

    // NodeApi
    bool write(std::int32_t conn, std::string bytes) override;
    void end(std::int32_t conn) override;
    void destroy(std::int32_t conn) override;
    void pause(std::int32_t conn) override;
    void resume(std::int32_t conn) override;
    void set_timeout(Nanos delay, std::uint64_t tag) override;
    void set_immediate(std::uint64_t tag) override;
    void next_tick(std::uint64_t tag) override;
    void queue_microtask(std::uint64_t tag) override;
    void submit_work(Nanos work, std::int32_t conn, std::uint64_t tag) override;
    void burn_cpu(Nanos cpu) override { extra_cpu_ += cpu; }
    std::uint64_t writable_length(std::int32_t conn) const override;
    void cork(std::int32_t conn) override;
    void uncork(std::int32_t conn) override;
    void clear_timeout(std::uint64_t tag) override;
    std::uint32_t record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields) override;
    std::int64_t text(std::string_view text) override { return recorder_.trace().intern(text); }
    void set_cause(std::uint32_t event) override { current_event_ = event; }
    Nanos now() const override { return current_time_; }
    const Scenario& scenario() const override { return scenario_; }

    bool exited() const { return exited_; }

private:
    enum class TaskType : std::uint8_t {
        accept, connection_cb, read, data_cb, end_cb, error_cb, flush, write_done, drain_cb,
        close_cb, timer_cb, immediate_cb, pool_done_cb, listening_cb,
    };
    struct Task {
        TaskType type;
        std::int32_t conn = trace::no_conn;
        std::uint32_t listener = 0;
        std::uint64_t arg = 0;
        std::uint32_t cause = trace::no_event;
        int reads_left = 0;
        Nanos due = 0;  // timers: when the timer was due
    };
    struct QueuedChunk {
        std::string rest;        // bytes not yet in the kernel
        std::uint64_t length;    // the whole chunk, as writableLength counts it
    };
    struct NodeSocket {
        bool open = false;
        bool reading = false;
        bool read_ended = false;
        bool ending = false;        // end() called
        bool shut_down = false;     // FIN handed to the kernel
        bool destroyed = false;
        bool need_drain = false;
        bool had_error = false;
        bool corked = false;
        std::uint64_t writable_length = 0;
        std::string cork_buffer;    // written while corked, counted in writable_length
        std::vector<QueuedChunk> queue;  // short; a vector needs no allocation until used
        std::string pending_chunk;  // read by libuv, not yet given to 'data'
    };
    struct Timer {
        Nanos due;
        std::uint64_t seq;
        std::uint64_t tag;
    };
    struct Job {
        std::uint64_t id;
        Nanos work;
        std::int32_t conn;
        std::uint64_t tag;
    };
    struct Callback {
        std::uint64_t tag;
        std::uint32_t cause;
    };

    // event_loop.cpp
    void schedule_step(Nanos at);
    Nanos advance_phase(Nanos now);
    void enter_phase(Nanos now, trace::LoopPhase phase);
    void start_poll(Nanos now);
    void finish_poll(Nanos now);
    void maybe_wake(Nanos now, std::uint32_t cause);
    Nanos run_task(Nanos now, const Task& task);
    // A JavaScript callback: begin records its js.* event (the cause of what
    // the callback does); end fills in its CPU time and returns it.
    std::uint32_t begin_callback(Nanos now, trace::Kind kind, std::int32_t conn, std::uint32_t cause,
                                 std::initializer_list<std::int64_t> fields_before_dur);
    Nanos end_callback();
    bool alive() const;
    void record_queues(Nanos now);
    void start_job(Nanos now, std::uint32_t worker, const Job& job, std::uint32_t cause);

    // node_socket.cpp
    NodeSocket& socket(std::int32_t conn);
    Nanos task_accept(Nanos now, const Task& task);
    Nanos task_connection(Nanos now, const Task& task);
    Nanos task_read(Nanos now, const Task& task);
    Nanos task_flush(Nanos now, const Task& task);
    Nanos task_write_done(Nanos now, const Task& task);
    void after_flush(Nanos now, std::int32_t conn, std::uint32_t cause);
    void shut_down_if_flushed(Nanos now, std::int32_t conn, std::uint32_t cause);
    void close_handle(Nanos now, std::int32_t conn, bool had_error, std::uint32_t cause);
    void update_interest(Nanos now, std::int32_t conn, std::uint32_t cause);
    struct KernelTry {
        std::uint64_t accepted = 0;
        std::uint64_t length_after = 0;  // writableLength once this chunk is counted
        std::uint32_t event = trace::no_event;
    };
    // uv_try_write when nothing is queued: records loop.write and hands the
    // kernel what fits of `bytes`.
    KernelTry try_kernel(std::int32_t conn, std::string_view bytes);
    // The part the kernel did not take waits in user space (or, on IOCP, in
    // an overlapped write).
    void queue_rest(std::int32_t conn, const std::string& bytes, std::uint64_t accepted, std::uint32_t cause);

    const Scenario& scenario_;
    Scheduler& scheduler_;
    Recorder& recorder_;
    Tcp& tcp_;
    ServerProgram& program_;
    std::unique_ptr<Notifier> notifier_;
    std::uint32_t listener_ = 0;

    // Loop state.
    trace::LoopPhase phase_ = trace::LoopPhase::close;
    std::uint64_t iteration_ = 0;
    bool step_scheduled_ = false;
    bool blocked_ = false;
    bool wake_scheduled_ = false;
    bool exited_ = false;
    std::uint64_t poll_generation_ = 0;
    Nanos wait_started_ = 0;
    std::uint32_t wait_event_ = trace::no_event;
    std::uint32_t wake_cause_ = trace::no_event;
    std::deque<Task> tasks_;
    std::deque<Task> pending_;   // pending phase (deferred callbacks)
    std::deque<Task> closing_;   // close phase
    std::deque<Callback> next_ticks_;
    std::deque<Callback> microtasks_;
    bool draining_microtasks_ = false;  // V8 is emptying the microtask queue
    std::deque<Callback> immediates_;
    std::vector<Timer> timers_;  // min-heap by (due, seq)
    std::uint64_t timer_seq_ = 0;
    std::vector<ReadyItem> ready_;

    // The callback running now: its event (cause of what it does) and the
    // CPU it burns beyond the scenario's per-callback cost.
    std::uint32_t current_event_ = trace::no_event;
    std::uint32_t callback_event_ = trace::no_event;  // the js.* event whose dur end_callback fills in
    Nanos current_time_ = 0;
    Nanos extra_cpu_ = 0;

    // Thread pool.
    std::vector<std::int64_t> workers_;  // job id per worker, -1 idle
    std::deque<Job> job_queue_;
    std::vector<Job> jobs_;              // by id
    std::deque<std::pair<std::uint64_t, std::uint32_t>> completed_;  // job id, pool.done event
    std::uint64_t next_job_ = 0;

    std::vector<NodeSocket> sockets_;  // by connection id
};

}  // namespace loopscope::sim
