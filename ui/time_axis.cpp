#include "ui/time_axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loopscope::ui {
namespace {

// Times far outside any trace still convert without overflowing int64.
constexpr double time_limit = 4.0e18;

Nanos to_nanos(double value) {
    return static_cast<Nanos>(std::llround(std::clamp(value, -time_limit, time_limit)));
}

// The margin fit() leaves on each side, and how far beyond the trace the
// view may be panned or zoomed out: one twentieth of the span.
Nanos margin_for(Nanos span) { return std::max<Nanos>(span / 20, 50); }

}  // namespace

double TimeAxis::ns_per_pixel() const {
    return static_cast<double>(std::max<Nanos>(window(), 1)) / std::max(1.0f, width);
}

float TimeAxis::x_of(Nanos t) const {
    return x0 + static_cast<float>(static_cast<double>(t - start) / ns_per_pixel());
}

Nanos TimeAxis::time_at(float x) const {
    return start + to_nanos(static_cast<double>(x - x0) * ns_per_pixel());
}

void TimeAxis::set_limits(Nanos first, Nanos last) {
    limit_first = std::min(first, last);
    limit_last = std::max(first, last);
}

Nanos TimeAxis::max_window() const {
    const Nanos span = limit_last - limit_first;
    return std::max<Nanos>(span + 2 * margin_for(span), 10 * min_window);
}

void TimeAxis::clamp() {
    const bool limited = limit_last > limit_first;
    Nanos w = std::max(window(), min_window);
    if (limited) w = std::min(w, max_window());
    end = start + w;
    if (!limited) return;
    // Keep the middle of the window over the trace (plus its margin), so
    // panning can never lose the trace off screen.
    const Nanos margin = margin_for(limit_last - limit_first);
    const Nanos middle = start + w / 2;
    const Nanos wanted = std::clamp(middle, limit_first - margin, limit_last + margin);
    start += wanted - middle;
    end = start + w;
}

void TimeAxis::zoom_around(float x, double factor) {
    if (!(factor > 0.0)) return;
    const Nanos anchor = time_at(x);
    const double old_window = static_cast<double>(window());
    Nanos w = to_nanos(old_window / factor);
    w = std::max(w, min_window);
    if (limit_last > limit_first) w = std::min(w, max_window());
    // The anchor stays at the same fraction of the window.
    const double fraction = std::clamp(static_cast<double>(x - x0) / std::max(1.0f, width), -1.0, 2.0);
    start = anchor - to_nanos(fraction * static_cast<double>(w));
    end = start + w;
    clamp();
}

void TimeAxis::pan_pixels(float dx) {
    const Nanos shift = to_nanos(static_cast<double>(dx) * ns_per_pixel());
    start += shift;
    end += shift;
    clamp();
}

void TimeAxis::fit(Nanos first, Nanos last) {
    if (last < first) std::swap(first, last);
    const Nanos margin = margin_for(last - first);
    start = first - margin;
    end = last + margin;
    clamp();
}

void TimeAxis::show(Nanos a, Nanos b) {
    if (b < a) std::swap(a, b);
    if (b - a < min_window) {
        const Nanos middle = a + (b - a) / 2;
        a = middle - min_window / 2;
        b = a + min_window;
    }
    start = a;
    end = b;
    clamp();
}

void TimeAxis::centre_on(Nanos t) {
    const Nanos w = window();
    start = t - w / 2;
    end = start + w;
    clamp();
}

Nanos tick_step(double ns_per_pixel, float min_spacing_px) {
    const double target = std::max(1.0, ns_per_pixel * static_cast<double>(min_spacing_px));
    Nanos decade = 1;
    while (true) {
        for (Nanos m : {1, 2, 5}) {
            if (static_cast<double>(decade * m) >= target) return decade * m;
        }
        if (decade > static_cast<Nanos>(1e17)) return decade * 10;
        decade *= 10;
    }
}

std::string format_tick(Nanos t, Nanos step) {
    step = std::max<Nanos>(step, 1);
    // The largest unit the step is at least a hundredth of: a 500 ns step
    // reads "1.5 µs", a 250 µs step "12.25 ms" (at most two decimals).
    Nanos unit = 1;
    const char* unit_name = "ns";
    if (step * 100 >= 1'000'000'000) {
        unit = 1'000'000'000;
        unit_name = "s";
    } else if (step * 100 >= 1'000'000) {
        unit = 1'000'000;
        unit_name = "ms";
    } else if (step * 100 >= 1'000) {
        unit = 1'000;
        unit_name = "\xC2\xB5s";  // µs in UTF-8
    }
    // As many decimals as the step has below the unit (a 250 µs step in ms
    // needs two: 0.25 ms, 0.5 ms, 0.75 ms).
    int decimals = 0;
    Nanos quantum = unit;
    while (quantum > 1 && step % quantum != 0) {
        quantum /= 10;
        ++decimals;
    }
    const bool negative = t < 0;
    const std::uint64_t magnitude = negative ? 0ull - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
    const std::uint64_t whole = magnitude / static_cast<std::uint64_t>(unit);
    std::string text = (negative ? "-" : "") + std::to_string(whole);
    if (decimals > 0) {
        std::string fraction = std::to_string((magnitude % static_cast<std::uint64_t>(unit)) / static_cast<std::uint64_t>(quantum));
        // Appended piece by piece: `"." + string` trips GCC 12's false -Wrestrict (bug 105329).
        text.append(1, '.');
        text.append(static_cast<std::size_t>(decimals) - std::min<std::size_t>(fraction.size(), static_cast<std::size_t>(decimals)), '0');
        text.append(fraction);
    }
    text += " ";
    text += unit_name;
    return text;
}

}  // namespace loopscope::ui
