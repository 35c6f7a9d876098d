// A trace in numbers: the counts `loopscope run --summary` prints, one
// definition per key (docs/cli.md lists them). Works on sim and real traces.
#pragma once

#include <cstdint>
#include <string>

#include "trace/trace.hpp"

namespace loopscope::trace {

struct Summary {
    std::string source;                       // header.source: "sim" or "real"
    std::uint64_t events = 0;                 // events in the trace
    Nanos duration_ns = 0;                    // last event time - first event time
    std::uint64_t connections = 0;            // distinct connection ids in events
    std::uint64_t handshakes = 0;             // server-side kernel.tcp_state -> ESTABLISHED
    std::uint64_t loop_iterations = 0;        // loop.iteration
    std::uint64_t poll_wakeups = 0;           // notifier.wake
    std::uint64_t reads = 0;                  // server-side loop.read with bytes > 0
    std::uint64_t bytes_read = 0;             // their bytes
    std::uint64_t writes = 0;                 // js.write
    std::uint64_t bytes_written = 0;          // js.write bytes
    std::uint64_t writes_returned_false = 0;  // js.write with returned == false
    std::uint64_t drains = 0;                 // js.drain
    std::uint64_t requests = 0;               // HTTP requests ('request' events)
    std::uint64_t connections_reused = 0;     // requests served on a connection that had served one before (keep-alive)
    Nanos max_loop_lag_ns = 0;                // see summarize()
    std::uint64_t peak_send_buffer_bytes = 0; // max kernel.send_buffer level, any socket
    std::uint64_t peak_recv_buffer_bytes = 0; // max kernel.recv_buffer level, any socket
    // The server's threads and memory, to compare the two server models
    // (thread-per-connection from its threads.* levels; the event loop
    // estimated from its open sockets, see summarize()).
    std::uint64_t peak_threads = 0;
    std::uint64_t context_switches = 0;       // threads.switch
    Nanos switch_cpu_ns = 0;                  // their cost: CPU spent on no request
    std::uint64_t peak_open_sockets = 0;      // server sockets accepted and not yet closed
    std::uint64_t peak_virtual_bytes = 0;     // stack address space reserved
    std::uint64_t peak_resident_bytes = 0;    // stacks in use + per-socket memory
    // Client-side latency: from a client's write to the first byte of the
    // answer it reads next on that connection.
    std::uint64_t latency_samples = 0;
    Nanos latency_p50_ns = 0;
    Nanos latency_p99_ns = 0;
    Nanos latency_max_ns = 0;
};

// The event-loop estimates (facts.md): one JavaScript thread with an 8 MiB
// stack reservation (RLIMIT_STACK) of which about 8 KiB is touched, and per
// open socket about 4 KB of kernel memory plus about 3.7 KB of Node RSS.
inline constexpr std::uint64_t loop_stack_virtual_bytes = 8 << 20;
inline constexpr std::uint64_t loop_stack_resident_bytes = 8192;
inline constexpr std::uint64_t loop_socket_bytes = 4096 + 3700;

// Counts everything in one pass. max_loop_lag_ns is the larger of the
// largest js.timer `late` and the longest wait between a notifier event
// (notifier.ready or notifier.complete) and a JavaScript callback it caused,
// found by following `cause` links back from the callback.
// Thread-per-connection traces give peak_threads, peak_open_sockets and the
// memory peaks from threads.spawn / threads.exit levels. A trace without
// them (the event loop) counts 1 thread plus the pool workers seen, open
// sockets from js.connection / js.close, and memory from the estimates
// above. Latency percentiles are nearest-rank over all samples.
Summary summarize(const Trace& trace);

// One JSON object, keys in the order of the struct, integers only.
std::string to_json(const Summary& summary);

}  // namespace loopscope::trace
