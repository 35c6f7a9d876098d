// Child processes for the real benchmarks: servers and wrk, each pinned to
// one core (the machine has two: server on one, load on the other), and
// what the benchmarks read of them (resident memory, output).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace loopscope::bench {

struct Child {
    pid_t pid = -1;
    int output = -1;  // read end of the child's stdout+stderr
};

// Starts argv[0] with `argv`, pinned to `core` (-1: not pinned).
Child spawn(const std::vector<std::string>& argv, int core);
// Reads everything the child writes until it exits; returns its output.
std::string wait_output(Child& child);
// SIGTERM, then reap.
void stop(Child& child);
// Blocks until 127.0.0.1:port accepts a connection (at most timeout_ms).
bool wait_for_port(std::uint16_t port, int timeout_ms);
// VmRSS of a process, in bytes (0 if it cannot be read).
std::uint64_t resident_bytes(pid_t pid);
// User + system CPU time a process has used, in ns (/proc/PID/stat, in
// clock ticks of 10 ms: fine over seconds of load; 0 if unreadable).
std::int64_t process_cpu_ns(pid_t pid);
std::uint16_t free_port();
// Pins the calling thread to `core`.
void pin_this_thread(int core);
// Whether a program is on PATH.
bool have_program(const std::string& name);

}  // namespace loopscope::bench
