// The timeline's horizontal axis: which window of trace time is visible and
// where it lands on screen. Times stay integer nanoseconds; only the scale
// (nanoseconds per pixel) is a double, so a trace of hours neither overflows
// nor loses a nanosecond at deep zoom.
#pragma once

#include <string>

#include "trace/kinds.hpp"

namespace loopscope::ui {

using trace::Nanos;

struct TimeAxis {
    // The smallest window the zoom allows: below this a pixel is a fraction
    // of a nanosecond and nothing new can be seen.
    static constexpr Nanos min_window = 100;

    Nanos start = 0;       // visible window [start, end]
    Nanos end = 1000;
    float x0 = 0.0f;       // screen x of `start`
    float width = 1.0f;    // pixels from `start` to `end`
    // The trace's extent; zooming out and panning stop a little beyond it.
    Nanos limit_first = 0;
    Nanos limit_last = 0;

    Nanos window() const { return end - start; }
    double ns_per_pixel() const;
    float x_of(Nanos t) const;
    Nanos time_at(float x) const;

    void set_limits(Nanos first, Nanos last);
    // Zooms by `factor` (> 1 zooms in, < 1 out) keeping the time under
    // screen x fixed.
    void zoom_around(float x, double factor);
    // Moves the window by dx pixels (positive dx shows later times).
    void pan_pixels(float dx);
    // Shows [first, last] with a small margin on both sides.
    void fit(Nanos first, Nanos last);
    // Shows exactly [a, b] (ordered, at least min_window wide).
    void show(Nanos a, Nanos b);
    // Moves the window so that t is in its middle, keeping the zoom.
    void centre_on(Nanos t);

private:
    Nanos max_window() const;
    void clamp();
};

// Ruler ticks: the 1-2-5 step (in ns) that puts ticks at least
// `min_spacing_px` apart at this scale.
Nanos tick_step(double ns_per_pixel, float min_spacing_px);
// A tick label for time t in the largest unit the step is at least a
// hundredth of, with as many decimals as the step needs: "5 ns", "1.5 µs",
// "12.25 ms", "3 s". Integer
// arithmetic only, so labels never show rounding noise.
std::string format_tick(Nanos t, Nanos step);

}  // namespace loopscope::ui
