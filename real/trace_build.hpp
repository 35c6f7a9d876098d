// The flush step of a real run: the records of every Loop's Tracer (and the
// captured packets, if any) become one trace::Trace, in time order, in the
// same format and with the same kinds as the simulator's. This is the only
// place where records are formatted, interned or sorted, after the run.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "real/capture.hpp"
#include "real/programs.hpp"
#include "real/tracer.hpp"
#include "sim/scenario.hpp"
#include "trace/trace.hpp"

namespace loopscope::real {

struct RealRunInfo {
    std::string backend;          // "epoll", "poll", ...
    std::uint16_t server_port = 0;
    std::uint32_t backlog = 0;
    Nanos started = 0;            // monotonic ns: the trace's time 0
};

// Connection ids are given in order of first appearance of each client
// port (the key every record carries); a port seen again in a later
// client.connect starts a new connection.
trace::Trace build_real_trace(const sim::Scenario& scenario, const RealRunInfo& info,
                              std::span<const Tracer* const> tracers, std::span<const CapturedSegment> segments,
                              RunNotes& notes);

}  // namespace loopscope::real
