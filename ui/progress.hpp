// The progress line long runs print on the error stream: nothing for the
// first second of wall time, then "\rsimulating <id>: 42% (...)" rewritten
// in place a few times a second, and a final newline.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>

#include "trace/kinds.hpp"

namespace loopscope::ui {

class ProgressLine {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // The clock is a parameter so tests can run a "long" job instantly.
    ProgressLine(std::ostream& err, std::string label, Clock clock = &std::chrono::steady_clock::now);

    // Virtual time reached and the stop time of the run.
    void update(trace::Nanos now, trace::Nanos stop);
    // Ends the line, if one was shown.
    void finish();
    bool shown() const { return shown_; }

private:
    std::ostream* err_;
    std::string label_;
    Clock clock_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_shown_;
    bool shown_ = false;
};

}  // namespace loopscope::ui
