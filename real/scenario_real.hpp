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
void note_ignored_fields(const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
