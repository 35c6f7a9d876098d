// The terminal stepper (`loopscope step`): one event per step, each shown as
//   [ 12/345] 1.050 ms  kernel    conn 1  <the event's sentence>
// followed by the lesson's caption when the step is one, and a compact line
// of state from trace::Cursor (loop phase, listener queues, and the step's
// connection with its buffers drawn as bars).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "trace/state.hpp"
#include "trace/trace.hpp"

namespace loopscope::ui {

struct StepperOptions {
    std::string title;   // shown before the first step
    std::string lesson;  // the lesson text, shown before the first step
    bool all = false;    // print every step without waiting
};

class Stepper {
public:
    explicit Stepper(const trace::Trace& trace);

    std::size_t size() const { return trace_->size(); }
    // The whole block printed for one step, ending in a newline; the state
    // comes from the cursor, or is given by a caller that folds forward.
    std::string render(std::size_t index) const;
    std::string render(std::size_t index, const trace::WorldState& state) const;
    // "[ 12/345] 1.050 ms  kernel    conn 1  <sentence>"
    std::string step_line(std::size_t index) const;
    // The caption text when the step is a note.caption.
    std::optional<std::string> caption(std::size_t index) const;
    // "loop poll (waiting in epoll_wait) | listener 1: SYN queue 0/511, accept queue 1/512"
    std::string world_line(const trace::WorldState& state) const;
    // "conn 1 server ESTABLISHED  send [#####.....] 8 KiB/16 KiB  recv [...]  user 0 B/16 KiB hwm"
    std::string connection_line(const trace::WorldState& state, std::size_t index) const;

    // The next / previous caption step from `from`, if any.
    std::optional<std::size_t> next_caption(std::size_t from) const;
    std::optional<std::size_t> previous_caption(std::size_t from) const;

private:
    const trace::Trace* trace_;
    trace::Cursor cursor_;
};

// "1.050 ms" (or "61.000 s" from ten seconds on): integer arithmetic only.
std::string format_step_time(trace::Nanos ns);
// "[#####.....]": `width` cells, filled in proportion, at least one cell when
// level > 0 and all cells only when full.
std::string buffer_bar(std::uint64_t level, std::uint64_t capacity, int width = 10);
// Wraps text at `width` columns, each line starting with `indent`.
std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent);

// Runs the stepper. Waits for keys only when `interactive` is true (a real
// terminal) and options.all is false; otherwise prints every step.
int run_stepper(const trace::Trace& trace, const StepperOptions& options, bool interactive, std::ostream& out);

// For a trace of `loopscope real`: one paragraph saying so, with the
// notifier and the port it really used (the lesson text describes the
// simulated run); "" for a simulated trace.
std::string real_trace_note(const trace::Trace& trace);

}  // namespace loopscope::ui
