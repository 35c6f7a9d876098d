// Stepping by event, caption or loop iteration. A caption is the note.caption
// event itself (the explanation panel shows it); an iteration starts at its
// loop.iteration event, so "next iteration" lands where libuv begins the
// timers phase again.
#include "ui/stepping.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace loopscope::ui {

namespace {

bool starts_step(const trace::Event& event, StepSize size) {
    switch (size) {
        case StepSize::event: return true;
        case StepSize::caption: return event.kind == trace::Kind::note_caption;
        case StepSize::iteration: return event.kind == trace::Kind::loop_iteration;
    }
    return true;
}

}  // namespace

std::string_view step_size_name(StepSize size) {
    switch (size) {
        case StepSize::event: return "event";
        case StepSize::caption: return "lesson caption";
        case StepSize::iteration: return "loop iteration";
    }
    return "event";
}

std::optional<std::size_t> step_from(const trace::Trace& trace, std::size_t cursor, StepSize size, int direction) {
    const std::size_t n = trace.size();
    if (n == 0) return std::nullopt;
    cursor = std::min(cursor, n - 1);
    if (direction > 0) {
        for (std::size_t i = cursor + 1; i < n; ++i)
            if (starts_step(trace[i], size)) return i;
    } else {
        for (std::size_t i = cursor; i-- > 0;)
            if (starts_step(trace[i], size)) return i;
    }
    return std::nullopt;
}

trace::Nanos trace_origin(const trace::Trace& trace) {
    // Simulated traces count from virtual time zero; a real trace's clock is
    // the machine's monotonic clock, so it counts from its first event.
    if (trace.empty() || trace.header.clock == "virtual") return 0;
    return trace[0].time;
}

std::size_t index_at_time(const trace::Trace& trace, trace::Nanos time) {
    const auto events = trace.events();
    const auto after = std::upper_bound(events.begin(), events.end(), time,
                                        [](trace::Nanos t, const trace::Event& e) { return t < e.time; });
    if (after == events.begin()) return 0;
    return static_cast<std::size_t>(after - events.begin()) - 1;
}

trace::Nanos compare_origin(const trace::Trace& trace) {
    for (const trace::Event& e : trace.events())
        if (e.kind == trace::Kind::client_connect) return e.time;
    return trace_origin(trace);
}

std::size_t aligned_cursor(const trace::Trace& leader, std::size_t cursor, const trace::Trace& other) {
    if (leader.empty() || other.empty()) return 0;
    const trace::Nanos since_origin = leader[std::min(cursor, leader.size() - 1)].time - compare_origin(leader);
    return index_at_time(other, compare_origin(other) + since_origin);
}

std::variant<std::size_t, std::string> parse_step_spec(std::string_view spec, std::size_t size) {
    if (size == 0) return std::string("the trace has no steps");
    if (spec == "first") return std::size_t{0};
    if (spec == "middle") return size / 2;
    if (spec == "last") return size - 1;
    std::size_t step = 0;
    const auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), step);
    if (ec != std::errc() || end != spec.data() + spec.size() || step == 0)
        return "--at " + std::string(spec) + ": expected a step number from 1, or first, middle or last";
    if (step > size)
        return "--at " + std::string(spec) + ": the trace has only " + std::to_string(size) + " steps";
    return step - 1;
}

std::optional<trace::Nanos> parse_time_spec(std::string_view spec) {
    const char* const first = spec.data();
    const char* const last = spec.data() + spec.size();
    std::int64_t whole = 0;
    const auto [after_whole, ec] = std::from_chars(first, last, whole);
    if (ec != std::errc() || whole < 0 || after_whole == first) return std::nullopt;
    // An optional fraction: digits after a point, kept as an integer count
    // of 10^-digits units so no floating point is involved.
    const char* p = after_whole;
    std::int64_t fraction = 0, fraction_scale = 1;
    const bool has_point = p != last && *p == '.';
    if (has_point) {
        ++p;
        const char* digits = p;
        while (p != last && *p >= '0' && *p <= '9') {
            if (fraction_scale < 1'000'000'000) {
                fraction = fraction * 10 + (*p - '0');
                fraction_scale *= 10;
            }
            ++p;
        }
        if (p == digits) return std::nullopt;
    }
    const std::string_view unit(p, static_cast<std::size_t>(last - p));
    std::int64_t scale = 0;
    if (unit.empty() || unit == "ns") scale = 1;
    else if (unit == "us" || unit == "\u00b5s") scale = 1'000;
    else if (unit == "ms") scale = 1'000'000;
    else if (unit == "s") scale = 1'000'000'000;
    else return std::nullopt;
    // A fraction of a nanosecond means nothing here: "1.5" and "1.5ns" are refused.
    if (has_point && scale == 1) return std::nullopt;
    if (whole > std::numeric_limits<std::int64_t>::max() / scale - 1) return std::nullopt;
    return whole * scale + fraction * scale / fraction_scale;
}

}  // namespace loopscope::ui
