#include "ui/progress.hpp"

#include <algorithm>
#include <ostream>

#include "trace/explain.hpp"

namespace loopscope::ui {

namespace {
constexpr auto quiet_for = std::chrono::seconds(1);
constexpr auto redraw_every = std::chrono::milliseconds(200);
}  // namespace

ProgressLine::ProgressLine(std::ostream& err, std::string label, Clock clock)
    : err_(&err), label_(std::move(label)), clock_(std::move(clock)), started_(clock_()), last_shown_(started_) {}

void ProgressLine::update(trace::Nanos now, trace::Nanos stop) {
    const auto wall = clock_();
    if (wall - started_ < quiet_for || (shown_ && wall - last_shown_ < redraw_every)) return;
    last_shown_ = wall;
    shown_ = true;
    const trace::Nanos percent = stop > 0 ? std::clamp<trace::Nanos>(now / std::max<trace::Nanos>(stop / 100, 1), 0, 100) : 100;
    *err_ << "\r" << label_ << ": " << percent << "% (" << trace::format_nanos(now) << " of "
          << trace::format_nanos(stop) << " simulated)   " << std::flush;
}

void ProgressLine::finish() {
    if (shown_) *err_ << "\r" << label_ << ": done" << std::string(30, ' ') << "\n" << std::flush;
}

}  // namespace loopscope::ui
