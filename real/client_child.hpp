// The client process's side (real/client_process.hpp). A run starts it as
// a fresh copy of the running program (posix_spawn of /proc/self/exe with
// client_child_flag), not as a fork of itself: a fork of a process that
// has threads copies locks other threads held (the allocator's, under
// ASan, deadlocked), and POSIX allows the forked child only
// async-signal-safe calls. A new program image has no such history.
//
// So every program that runs clients in a child (loopscope, the test
// binary) calls run_client_child_if_asked() first thing in main().
#pragma once

#include <optional>

namespace loopscope::real {

// When argv asks for the client child: reads the request from stdin, runs
// the clients, writes the report to descriptor 3, and returns the exit
// status for main() to return. Otherwise nothing, at once.
std::optional<int> run_client_child_if_asked(int argc, char** argv);

}  // namespace loopscope::real
