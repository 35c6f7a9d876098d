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
};

// Counts everything in one pass. max_loop_lag_ns is the larger of the
// largest js.timer `late` and the longest wait between a notifier event
// (notifier.ready or notifier.complete) and a JavaScript callback it caused,
// found by following `cause` links back from the callback.
Summary summarize(const Trace& trace);

// One JSON object, keys in the order of the struct, integers only.
std::string to_json(const Summary& summary);

}  // namespace loopscope::trace
