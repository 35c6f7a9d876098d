// The real loop's clock: CLOCK_MONOTONIC in integer nanoseconds. Every
// timestamp in a real trace comes from here, so a trace's times can be
// compared with each other across threads of one run.
#pragma once

#include <ctime>

#include "trace/kinds.hpp"

namespace loopscope::real {

using trace::Nanos;

inline Nanos monotonic_now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace loopscope::real
