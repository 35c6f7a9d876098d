// clients.program "load" on real sockets (the ten-thousand lesson):
// clients.count connections, each sends one GET and then stays open, idle
// on keep-alive, until the run ends.
//
// Every connection costs a file descriptor, and when the server runs in
// the same process it costs the server one more. Before starting, the
// client raises RLIMIT_NOFILE to the hard limit; if that still leaves too
// few descriptors it opens as many connections as fit, says so in the
// run's notes ("opened 9,980 of 10,000 connections: RLIMIT_NOFILE is
// 20,000 ...") and counts the rest as connect failures in its totals.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "real/client_host.hpp"

namespace loopscope::real {

// Descriptors kept free for what else the process opens: the loop's
// notifier and wakeup fd, the server's listener, trace files, a capture.
inline constexpr std::uint64_t fd_margin = 64;

struct FdBudget {
    std::uint64_t soft_limit = 0;  // RLIMIT_NOFILE after raising it
    std::uint64_t hard_limit = 0;
    std::uint64_t open_now = 0;    // descriptors already open in this process
    bool raised = false;           // the soft limit was raised
    std::string error;             // why it could not be read or raised ("" if fine)
    // Connections that fit when each needs `per_connection` descriptors.
    std::uint64_t connections_that_fit(std::uint64_t per_connection) const;
};

// Raises the soft RLIMIT_NOFILE to the hard limit and counts the
// descriptors already open (/proc/self/fd; where there is none, by
// probing each descriptor number).
FdBudget raise_fd_limit();

// The registry's form: the server shares this process, so each
// connection needs two descriptors.
std::unique_ptr<ClientProgram> make_load_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);
// `fds_per_connection`: 1 when the clients run alone in a child process
// (real/client_process.hpp), 2 when the server shares the process.
std::unique_ptr<ClientProgram> make_load_client_budgeted(Loop& loop, const sim::Scenario& scenario, RunNotes& notes,
                                                         unsigned fds_per_connection);

}  // namespace loopscope::real
