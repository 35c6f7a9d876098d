// `loopscope real`: one lesson on real sockets. The server program runs on
// its own Loop and thread, the client program on another (host 1), both on
// 127.0.0.1; when the clients are done (or the time limit passes) both
// loops stop, and the flush step builds one trace from both recorders and
// the optional packet capture.
#pragma once

#include <cstdint>
#include <string>

#include "real/programs.hpp"
#include "sim/scenario.hpp"
#include "trace/trace.hpp"

namespace loopscope::real {

struct RealOptions {
    std::string backend = "native";
    bool trace = true;            // --no-trace: record nothing (to measure the recorder's cost)
    bool capture = false;         // --capture: libpcap on loopback, for the wire lane
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 0;       // 0: a free port (the lesson's port may be taken)
    // A real run ends when the clients are done; this bounds it in case
    // they never are. 0: the scenario's stop_ns, clamped to
    // [min_time_limit_ns, max_time_limit_ns].
    Nanos time_limit_ns = 0;
    std::size_t trace_records = 1u << 20;  // per loop
};

inline constexpr Nanos max_time_limit_ns = 30'000'000'000;
inline constexpr Nanos min_time_limit_ns = 10'000'000'000;

struct RealResult {
    trace::Trace trace;
    RunNotes notes;
    ClientTotals clients;
    std::string backend;
    std::uint16_t port = 0;
    bool clients_done = false;        // false: the time limit ended the run
    std::size_t server_open_at_end = 0;
    Nanos duration_ns = 0;
};

// Throws std::invalid_argument for a program with no real form and
// std::system_error when the server cannot listen.
RealResult run_real(const sim::Scenario& scenario, const RealOptions& options);

}  // namespace loopscope::real
