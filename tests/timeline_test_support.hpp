// Helpers the timeline tests share: a lesson's simulated trace, rows built
// by hand, a time axis over a range.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "ui/timeline_view.hpp"

namespace loopscope::test {

inline trace::Trace lesson_trace(const char* id, std::vector<std::string> overrides = {}) {
    auto loaded = sim::load_lesson(*sim::find_lesson(id), overrides);
    return sim::simulate(std::get<sim::Scenario>(loaded));
}

inline ui::TimeAxis axis_over(trace::Nanos start, trace::Nanos end, float width) {
    ui::TimeAxis axis;
    axis.start = start;
    axis.end = end;
    axis.x0 = 100.0f;
    axis.width = width;
    return axis;
}

}  // namespace loopscope::test
