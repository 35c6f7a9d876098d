// The queries on a built timeline model: span ends of a row, level series
// values and extremes, and the words used for lanes and quantities.
#include <algorithm>
#include <limits>

#include "ui/timeline_model.hpp"

namespace loopscope::ui {

using trace::Lane;

std::string lane_title(Lane lane) {
    switch (lane) {
        case Lane::wire: return "wire: packets";
        case Lane::kernel: return "kernel: TCP sockets";
        case Lane::notifier: return "notifier: OS events";
        case Lane::loop: return "loop: libuv";
        case Lane::js: return "js: your callbacks";
        case Lane::http: return "http";
        case Lane::tls: return "tls";
        case Lane::pool: return "pool: thread pool";
        case Lane::threads: return "threads";
        case Lane::client: return "client programs";
        case Lane::note: return "lesson captions";
    }
    return std::string(trace::lane_name(lane));
}

std::string group_title(const TimelineRow& row) {
    if (row.lane == Lane::notifier || row.lane == Lane::kernel || row.lane == Lane::pool)
        return std::string(trace::lane_name(row.lane)) + ": " + row.label;
    return lane_title(row.lane);
}

std::string quantity_label(LevelQuantity quantity) {
    switch (quantity) {
        case LevelQuantity::writable_length: return "writableLength";
        case LevelQuantity::send_buffer: return "send buffer";
        case LevelQuantity::recv_buffer: return "receive buffer";
        case LevelQuantity::syn_queue: return "SYN queue";
        case LevelQuantity::accept_queue: return "accept queue";
    }
    return "";
}

void TimelineRow::index_ends() {
    end_extremes = ends.size() >= tree_threshold ? RangeExtremes(ends, false) : RangeExtremes();
}

Nanos TimelineRow::max_end(std::size_t first, std::size_t last) const {
    if (ends.empty()) return starts[last - 1];
    if (end_extremes.size() == ends.size()) return end_extremes.max(first, last);
    return *std::max_element(ends.begin() + static_cast<std::ptrdiff_t>(first), ends.begin() + static_cast<std::ptrdiff_t>(last));
}

std::size_t TimelineRow::first_ending_after(std::size_t first, std::size_t last, Nanos t) const {
    last = std::min(last, size());
    if (ends.empty()) {
        for (std::size_t i = first; i < last; ++i)
            if (starts[i] >= t) return i;
        return npos;
    }
    if (end_extremes.size() == ends.size()) return end_extremes.first_at_least(first, last, t);
    for (std::size_t i = first; i < last; ++i)
        if (ends[i] >= t) return i;
    return npos;
}

std::size_t TimelineRow::last_ending_after(std::size_t first, std::size_t last, Nanos t) const {
    last = std::min(last, size());
    if (!ends.empty() && end_extremes.size() == ends.size()) return end_extremes.last_at_least(first, last, t);
    for (std::size_t i = last; i > first; --i)
        if (end_of(i - 1) >= t) return i - 1;
    return npos;
}

std::int64_t LevelSeries::value_at(Nanos t) const {
    auto after = std::upper_bound(times.begin(), times.end(), t);
    if (after == times.begin()) return 0;
    return values[static_cast<std::size_t>(after - times.begin()) - 1];
}

std::int64_t LevelSeries::value_at_event(std::size_t event) const {
    auto after = std::upper_bound(events.begin(), events.end(), event);
    if (after == events.begin()) return 0;
    return values[static_cast<std::size_t>(after - events.begin()) - 1];
}

std::pair<std::int64_t, std::int64_t> LevelSeries::min_max(Nanos t0, Nanos t1) const {
    // The value at t0 (from the step before it) plus every step inside.
    const auto begin = static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), t0) - times.begin());
    const auto end = static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), t1) - times.begin());
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
    const std::int64_t at_start = begin == 0 ? 0 : values[begin - 1];
    lo = hi = at_start;
    if (end > begin && extremes.size() == values.size()) {
        auto [a, b] = extremes.min_max(begin, end);
        lo = std::min(lo, a);
        hi = std::max(hi, b);
    } else {
        for (std::size_t i = begin; i < end; ++i) {
            lo = std::min(lo, values[i]);
            hi = std::max(hi, values[i]);
        }
    }
    return {lo, hi};
}

std::size_t TimelineModel::memory_bytes() const {
    std::size_t total = (row_of_event_.capacity() + item_of_event_.capacity()) * sizeof(std::uint32_t);
    for (const TimelineRow& row : rows_) {
        total += sizeof(TimelineRow) + row.events.capacity() * sizeof(std::uint32_t) +
                 (row.starts.capacity() + row.ends.capacity()) * sizeof(Nanos) + row.end_extremes.memory_bytes();
    }
    for (const LevelSeries& s : series_)
        total += sizeof(LevelSeries) + (s.times.capacity() + s.values.capacity()) * 8 + s.events.capacity() * 4 + s.extremes.memory_bytes();
    return total;
}

}  // namespace loopscope::ui
