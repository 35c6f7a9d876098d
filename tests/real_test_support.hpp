// Shared by the real-mode tests (tag [real]). CTest runs every [real] test
// once per backend that runs on this machine (tests/CMakeLists.txt sets
// LOOPSCOPE_REAL_BACKEND to "epoll", then "poll"); run by hand, the
// tests use the native backend.
#pragma once

#include <cstdlib>
#include <string>

#include "real/loop.hpp"

namespace loopscope::test {

inline std::string real_backend() {
    const char* backend = std::getenv("LOOPSCOPE_REAL_BACKEND");
    return backend != nullptr && *backend != '\0' ? backend : "native";
}

inline real::LoopOptions real_loop_options(std::uint8_t host = 0, bool trace = true) {
    real::LoopOptions options;
    options.backend = real_backend();
    options.host = host;
    options.trace = trace;
    options.trace_limits.records = 1u << 16;
    options.trace_limits.text_bytes = 1u << 20;
    return options;
}

}  // namespace loopscope::test
