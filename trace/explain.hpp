// The explanation catalogue: one plain-language sentence per event kind, in
// the beginner-friendly voice of the chapter, filled from the event's fields
// and its connection's context. sim and real traces share it.
#pragma once

#include <cstddef>
#include <string>

#include "trace/trace.hpp"

namespace loopscope::trace {

// The sentence for the event at `index`.
std::string explain(const Trace& trace, std::size_t index);

// Human formatting used by the sentences and by the stepper/viewer:
// 1460 -> "1,460 bytes", 65536 -> "64 KiB"; 1500 -> "1.5 µs", -1 -> "forever".
std::string format_bytes(std::uint64_t bytes);
// 1234567 -> "1,234,567", for counts in sentences and labels.
std::string format_count(std::uint64_t n);
std::string format_nanos(Nanos ns);

}  // namespace loopscope::trace
