// Exporting a trace in the Chrome Trace Event Format, so a student can open
// a lesson in Perfetto UI or chrome://tracing: one process per host, one
// thread per lane, spans for segments in flight, callbacks and blocking
// notifier calls, counter tracks for every buffer level and queue length,
// and arrows for the trace's cause links.
#pragma once

#include <iosfwd>
#include <string>

#include "trace/trace.hpp"

namespace loopscope::trace {

// Writes the trace in the Chrome Trace Event Format (JSON object form):
//   {"traceEvents":[...],"displayTimeUnit":"ns"}
// Every trace event becomes exactly one "X" (span) or "i" (instant) event;
// counters ("C"), flows ("s"/"f") and metadata ("M") come on top. Spans that
// would overlap without nesting on one lane (segments in flight at the same
// time) go to extra threads named after the lane ("wire 2", ...), because
// both viewers require the spans of one thread to nest. The output is
// streamed in pieces, so a 1M-event trace needs no JSON document in memory.
void write_chrome_trace(std::ostream& out, const Trace& trace);

// Microseconds with three decimals from integer nanoseconds, without
// floating point: 1174000 -> "1174.000", -1500 -> "-1.500".
std::string chrome_micros(Nanos ns);

}  // namespace loopscope::trace
