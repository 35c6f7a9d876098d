// Where a step goes: the next or previous event, lesson caption or loop
// iteration from a cursor, and where a second trace's cursor sits when two
// traces share one time axis (compare mode). Pure functions over a trace, so
// the viewer's step buttons, keys and playback all agree and are testable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "trace/trace.hpp"

namespace loopscope::ui {

enum class StepSize {
    event,      // one event
    caption,    // to the next / previous lesson caption
    iteration,  // to the start of the next / previous event-loop iteration
};
std::string_view step_size_name(StepSize size);

// The cursor after one step forward (+1) or backward (-1), or nullopt when
// there is nowhere to go (the end, or no further caption / iteration).
std::optional<std::size_t> step_from(const trace::Trace& trace, std::size_t cursor, StepSize size, int direction);

// The last event at or before `time` (0 when every event is later): the
// step a trace shows when the shared time axis says `time`. Traces start at
// different times only when recorded from a real clock, so `origin` is what
// each trace counts from: pass trace_origin(trace) for real traces.
std::size_t index_at_time(const trace::Trace& trace, trace::Nanos time);
trace::Nanos trace_origin(const trace::Trace& trace);

// Where compare mode lines a trace up with another: its first
// client.connect, where every lesson's story starts (the simulator starts
// its clients at 1 ms, a real run as soon as it can); trace_origin() for a
// trace without one.
trace::Nanos compare_origin(const trace::Trace& trace);

// Compare mode: the step of trace `other` that corresponds to `cursor` of
// `leader`, aligning the two traces at their compare_origin().
std::size_t aligned_cursor(const trace::Trace& leader, std::size_t cursor, const trace::Trace& other);

// A step named on the command line (--at): a 1-based step number, or
// "first", "middle", "last". Returns the 0-based index for a trace of
// `size` steps, or an error message naming the accepted forms.
std::variant<std::size_t, std::string> parse_step_spec(std::string_view spec, std::size_t size);

// A time named on the command line (--at-time): integer nanoseconds, or a
// number with a unit: 1500us (or µs), 1.174ms, 0.5s, 250ns. The result is
// integer nanoseconds (digits below 1 ns are dropped); no floating point.
std::optional<trace::Nanos> parse_time_spec(std::string_view spec);

}  // namespace loopscope::ui
