// Which scenario fields real mode honours. A lesson file is written for
// the simulator; in real mode some fields cannot apply (the network's
// latency on loopback, the CPU cost the simulator gives each callback).
// Those that the file sets are reported as ignored, one note each, never
// silently dropped. Buffer sizes are applied only when the file sets them,
// because setting SO_SNDBUF/SO_RCVBUF turns off Linux's autotuning.
#pragma once

#include <string>
#include <vector>

#include "real/programs.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

// The dotted paths ("server.send_buffer") the scenario's JSON sets itself.
std::vector<std::string> fields_set(const sim::Scenario& scenario);
bool sets_field(const sim::Scenario& scenario, const std::string& path);

// Adds a note for every field the file sets that real mode ignores.
// The OS this build runs on, as a scenario names it: a real run's captions
// are those written for it (os-notifiers has a set for each notifier).
constexpr sim::Os native_os() {
#if defined(_WIN32)
    return sim::Os::windows;
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
    return sim::Os::macos;
#else
    return sim::Os::linux;
#endif
}

void note_ignored_fields(const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
