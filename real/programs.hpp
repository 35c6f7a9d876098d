// The real programs a scenario names: one server program and one client
// program (which may drive many connections), each on its own Loop. The
// registries (server_programs.cpp, client_programs.cpp) map the scenario's
// `server.program` / `clients.program` to a constructor; a scenario field
// the real program cannot honour is reported through RunNotes, never
// silently dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "real/loop.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

// What a run tells the user besides the trace: fields ignored, limits hit,
// capture not permitted. One sentence each, printed by `loopscope real`.
struct RunNotes {
    std::vector<std::string> lines;
    void add(std::string line) { lines.push_back(std::move(line)); }
};

class ServerProgram {
public:
    virtual ~ServerProgram() = default;
    // Binds and listens (port 0: any free port).
    virtual std::error_code listen(const std::string& address, std::uint16_t port) = 0;
    virtual std::uint16_t port() const = 0;
    virtual std::uint32_t backlog() const = 0;
    // Connections accepted and not yet closed.
    virtual std::size_t open_connections() const = 0;
    // The program does work of its own, not only in answer to clients (the
    // blocking lesson's heartbeat interval): a run lets it go on until the
    // lesson's stop_ns once the clients are done, as the simulator does, so
    // the trace shows the heartbeat on time again after the block.
    virtual bool has_own_work() const { return false; }
    // Stops listening and destroys every connection (end of a run, Ctrl-C).
    virtual void close() = 0;
};

struct ClientTotals {
    std::uint64_t connections = 0;       // connect() calls that completed
    std::uint64_t connect_failures = 0;  // refused, timed out, or no fd left
    std::uint64_t requests = 0;          // messages / HTTP requests sent
    std::uint64_t responses = 0;         // echoes / complete HTTP responses received
    std::uint64_t errors = 0;            // resets and other socket errors
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t peak_open = 0;         // most connections open at once
};

class ClientProgram {
public:
    virtual ~ClientProgram() = default;
    // Starts the clients (following clients.start_interval_ns) against host:port.
    virtual void start(const std::string& host, std::uint16_t port) = 0;
    // Every client finished its work (or failed): the run may end.
    virtual bool done() const = 0;
    // Connections open now. A run whose clients are done but keep
    // connections open (a browser with keep-alive) goes on until the server
    // closes them, as keepAliveTimeout does in the lesson, or the time limit.
    virtual std::size_t open_connections() const = 0;
    virtual ClientTotals totals() const = 0;
    // Closes whatever is still open (end of a run).
    virtual void close() = 0;
};

// Throws std::invalid_argument("server.program: ...") for a program that
// has no real form.
std::unique_ptr<ServerProgram> make_server_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);
std::unique_ptr<ClientProgram> make_client_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
