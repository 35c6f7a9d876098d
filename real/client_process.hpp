// The client program in a separate process. Every connection costs a file
// descriptor on each end, so 10,000 connections with client and server in
// one process need 20,000 and more; with the clients in a child, each
// process needs one per connection.
//
// The child is this program started again (real/client_child.hpp: why
// not fork, and the call main() must make). It reads the request on stdin
// (real/client_wire.hpp), builds the scenario's client program on its own
// Loop, runs it against host:port, closes it, and sends back on
// descriptor 3 a small fixed header (the totals), the run notes, and its
// tracer's records, each text field carried as its bytes; then it exits. The parent reads the pipe in a
// thread while its own loop (the server's) keeps running, and replays the
// records into a Tracer of its own, so the trace builder sees the child's
// records exactly as if the clients had run in this process.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "real/loop.hpp"
#include "real/programs.hpp"
#include "real/tracer.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

struct ChildOptions {
    LoopOptions loop;                  // the child's loop: host 1, usually record_loop false
    Nanos time_limit_ns = 10'000'000'000;  // the child stops its clients after this long
    // Once every client is done, keep the connections open this long before
    // closing them (the ten-thousand lesson holds its connections).
    Nanos hold_ns = 0;
    // Lowers the child's RLIMIT_NOFILE (soft and hard) to this; 0 keeps
    // the inherited limit. Shows, and tests, the load client's behaviour
    // when descriptors run short.
    std::uint64_t max_open_files = 0;
};

struct ChildResult {
    bool ok = false;            // the child ran and reported everything
    std::string error;          // why not, one sentence
    bool clients_done = false;  // every client finished before the time limit
    ClientTotals totals;
    RunNotes notes;
    // The child's records, replayed (host and stamps as recorded): its
    // clock started before the child, so finish_clock() and time_of() give
    // the child's times; a disabled tracer when tracing was off.
    std::unique_ptr<Tracer> tracer;
    std::uint64_t dropped = 0;  // records the child's tracer could not keep
    int exit_status = -1;       // waitpid's status, decoded: the exit code, or 128 + signal
};

class ClientProcess {
public:
    // Starts the child and starts reading its report. `on_finished` runs on the
    // reader thread once the child has closed the pipe (it exited): use it
    // to wake the parent's loop (loop.stop() may be called from any thread).
    // Returns the reason as one sentence when pipe() or posix_spawn() fails.
    static std::variant<std::unique_ptr<ClientProcess>, std::string> start(const sim::Scenario& scenario,
                                                                           const std::string& host, std::uint16_t port,
                                                                           ChildOptions options,
                                                                           std::function<void()> on_finished = {});
    ~ClientProcess();  // kills and reaps a child still running
    ClientProcess(const ClientProcess&) = delete;
    ClientProcess& operator=(const ClientProcess&) = delete;

    pid_t pid() const { return pid_; }
    // The child has closed the pipe: wait() will not block for long.
    bool finished() const { return finished_.load(); }
    // Waits for the reader and the child, then decodes what it sent.
    // Call once.
    ChildResult wait();
    // Ends a child that overran (SIGKILL); wait() then reports it.
    void kill();

private:
    ClientProcess(pid_t pid, int read_fd, ChildOptions options, std::function<void()> on_finished,
                  std::unique_ptr<Tracer> replay);
    void read_all();

    pid_t pid_;
    int read_fd_;
    ChildOptions options_;
    std::function<void()> on_finished_;
    std::unique_ptr<Tracer> replay_;  // made before the child starts (client_process.cpp says why)
    std::vector<char> bytes_;  // everything the child sent, filled by the reader thread
    bool overflow_ = false;    // it sent more than any honest child could
    std::atomic<bool> finished_{false};
    std::thread reader_;
    bool waited_ = false;
};

// The one call for a run: starts the clients' process, runs `server_loop` (the
// server's, in this process) until the child has reported or the time
// limit (plus a grace second) has passed, and returns what the child sent.
ChildResult run_clients_in_child(Loop& server_loop, const sim::Scenario& scenario, const std::string& host,
                                 std::uint16_t port, const ChildOptions& options);

}  // namespace loopscope::real
