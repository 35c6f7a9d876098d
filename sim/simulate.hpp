// The simulator's front door: a scenario in, a deterministic trace out.
#pragma once

#include <functional>

#include "sim/scenario.hpp"
#include "trace/trace.hpp"

namespace loopscope::sim {

struct RunOptions {
    // Called now and then with the virtual time reached and the stop time,
    // so long runs can show progress. May be empty.
    std::function<void(Nanos now, Nanos stop)> progress;
};

// Runs the scenario to its stop time (or until nothing more can happen) and
// returns the trace. The same scenario always gives the same trace, byte for
// byte once written.
trace::Trace simulate(const Scenario& scenario, const RunOptions& options = {});

}  // namespace loopscope::sim
