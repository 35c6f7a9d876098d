#include "ui/timeline_lod.hpp"

#include <algorithm>
#include <cmath>

namespace loopscope::ui {
namespace {

std::size_t lower(const TimelineRow& row, std::size_t first, std::size_t last, Nanos t) {
    return static_cast<std::size_t>(std::lower_bound(row.starts.begin() + static_cast<std::ptrdiff_t>(first),
                                                     row.starts.begin() + static_cast<std::ptrdiff_t>(last), t) -
                                    row.starts.begin());
}

std::size_t upper(const TimelineRow& row, std::size_t first, std::size_t last, Nanos t) {
    return static_cast<std::size_t>(std::upper_bound(row.starts.begin() + static_cast<std::ptrdiff_t>(first),
                                                     row.starts.begin() + static_cast<std::ptrdiff_t>(last), t) -
                                    row.starts.begin());
}

// The block being grown by layout_row.
struct Block {
    bool open = false;
    DrawItem item;
    Nanos last_start = 0;
};

}  // namespace

ItemRange candidate_range(const TimelineRow& row, Nanos t0, Nanos t1) {
    ItemRange range;
    range.first = lower(row, 0, row.size(), t0 - row.longest);
    range.last = upper(row, range.first, row.size(), t1);
    return range;
}

std::size_t count_overlapping(const TimelineRow& row, Nanos t0, Nanos t1) {
    const ItemRange range = candidate_range(row, t0, t1);
    const std::size_t inside = lower(row, range.first, range.last, t0);
    std::size_t count = range.last - inside;
    if (!row.has_spans()) return count;
    for (std::size_t i = row.first_ending_after(range.first, inside, t0); i != TimelineRow::npos;
         i = row.first_ending_after(i + 1, inside, t0))
        ++count;
    return count;
}

void layout_row(const TimelineRow& row, const TimeAxis& axis, float merge_px, std::vector<DrawItem>& out) {
    out.clear();
    if (row.starts.empty()) return;
    const Nanos t0 = axis.start, t1 = axis.end;
    const ItemRange range = candidate_range(row, t0, t1);
    const std::size_t inside = lower(row, range.first, range.last, t0);
    Block block;

    auto emit = [&] {
        if (!block.open) return;
        DrawItem& d = block.item;
        d.x0 = axis.x_of(d.t_first);
        d.x1 = std::max(axis.x_of(d.t_last), d.x0);
        if (d.count > 1) d.x1 = std::max(d.x1, d.x0 + merge_px);
        d.span = d.count == 1 && d.t_last > d.t_first;
        d.last_start = block.last_start;
        out.push_back(d);
        block.open = false;
    };
    auto single = [&](std::size_t i) {
        DrawItem d;
        d.first_item = static_cast<std::uint32_t>(i);
        d.event = row.events[i];
        d.t_first = row.starts[i];
        d.t_last = row.end_of(i);
        d.last_start = d.t_first;
        d.x0 = axis.x_of(d.t_first);
        d.x1 = std::max(axis.x_of(d.t_last), d.x0);
        d.span = d.t_last > d.t_first;
        out.push_back(d);
    };
    // A span at least merge_px wide is always drawn on its own: the loop's
    // long poll phase must not vanish into a block with the instants at
    // its start.
    auto wide = [&](std::size_t i) {
        return row.has_spans() && axis.x_of(row.end_of(i)) - axis.x_of(row.starts[i]) >= merge_px;
    };
    auto open = [&](std::size_t i) {
        block.open = true;
        block.item = DrawItem{};
        block.item.first_item = static_cast<std::uint32_t>(i);
        block.item.event = row.events[i];
        block.item.t_first = row.starts[i];
        block.item.t_last = row.end_of(i);
        block.last_start = row.starts[i];
    };
    auto absorb = [&](std::size_t first, std::size_t last) {
        if (first >= last) return;
        block.item.count += static_cast<std::uint32_t>(last - first);
        block.item.t_last = std::max(block.item.t_last, row.max_end(first, last));
        block.last_start = row.starts[last - 1];
    };
    // Items start within reach of the block when they begin less than
    // merge_px after its last start (and never later than 1 ns after it,
    // so identical times always fold even at the deepest zoom).
    auto reach = [&] { return std::max(axis.time_at(axis.x_of(block.last_start) + merge_px), block.last_start + 1); };

    // Spans that began before the window and reach into it, one by one: a
    // row has few of them (one running phase, one callback).
    if (row.has_spans()) {
        for (std::size_t i = row.first_ending_after(range.first, inside, t0); i != TimelineRow::npos;
             i = row.first_ending_after(i + 1, inside, t0)) {
            if (wide(i)) {
                single(i);
            } else if (block.open && row.starts[i] < reach()) {
                absorb(i, i + 1);
            } else {
                emit();
                open(i);
            }
        }
    }
    // Then the items starting inside the window: each step either closes
    // the block, or swallows every item up to the block's reach with one
    // binary search (stopping at a wide span, found with the row's end
    // tree), so the work is per pixel and per wide span, not per event.
    std::size_t i = inside;
    while (i < range.last) {
        if (!block.open) {
            if (wide(i)) single(i);
            else open(i);
            ++i;
            continue;
        }
        const Nanos r = reach();
        const std::size_t j = lower(row, i, range.last, r);
        if (j == i) {
            emit();
            continue;
        }
        // Items starting within reach but ending a merge distance beyond
        // it are wide: they leave the block and are drawn alone.
        const std::size_t k = row.has_spans()
            ? row.first_ending_after(i, j, std::max(axis.time_at(axis.x_of(r) + merge_px), r + 1))
            : TimelineRow::npos;
        if (k == TimelineRow::npos) {
            absorb(i, j);
            i = j;
        } else {
            absorb(i, k);
            single(k);
            i = k + 1;
        }
    }
    emit();
}

ItemRange block_range(const TimelineRow& row, const DrawItem& block) {
    ItemRange range;
    range.first = std::min<std::size_t>(block.first_item, row.size());
    range.last = upper(row, range.first, row.size(), block.last_start);
    return range;
}

void heat_counts(const TimelineRow& row, const TimeAxis& axis, float bucket_px, std::vector<std::uint32_t>& out) {
    bucket_px = std::max(bucket_px, 1.0f);
    const auto buckets = static_cast<std::size_t>(std::ceil(std::max(axis.width, 0.0f) / bucket_px));
    out.assign(buckets, 0);
    if (row.starts.empty()) return;
    std::size_t from = lower(row, 0, row.size(), axis.time_at(axis.x0));
    for (std::size_t b = 0; b < buckets; ++b) {
        const Nanos bucket_end = axis.time_at(axis.x0 + static_cast<float>(b + 1) * bucket_px);
        const std::size_t to = lower(row, from, row.size(), bucket_end);
        out[b] = static_cast<std::uint32_t>(to - from);
        from = to;
    }
}

void level_buckets(const LevelSeries& series, const TimeAxis& axis, float bucket_px, std::vector<LevelBucket>& out) {
    out.clear();
    if (series.times.empty()) return;
    bucket_px = std::max(bucket_px, 1.0f);
    const auto buckets = static_cast<std::size_t>(std::ceil(std::max(axis.width, 0.0f) / bucket_px));
    const auto& times = series.times;
    for (std::size_t b = 0; b < buckets; ++b) {
        const float x0 = axis.x0 + static_cast<float>(b) * bucket_px;
        const float x1 = std::min(x0 + bucket_px, axis.x0 + axis.width);
        const Nanos t0 = axis.time_at(x0), t1 = axis.time_at(x1);
        // Nothing is drawn before the first step.
        if (t1 <= times.front()) continue;
        auto [low, high] = series.min_max(t0, t1);
        const bool flat = low == high;
        if (flat && !out.empty() && out.back().low == low && out.back().high == high && out.back().x1 == x0) {
            out.back().x1 = x1;
            continue;
        }
        out.push_back({x0, x1, low, high});
    }
}

std::optional<std::uint32_t> hit_test(const TimelineRow& row, const TimeAxis& axis, float x, float tolerance_px) {
    if (row.starts.empty()) return std::nullopt;
    const Nanos t = axis.time_at(x);
    // The item whose start mark is nearest x: the neighbours of t.
    const std::size_t after = lower(row, 0, row.size(), t);
    std::optional<std::size_t> nearest;
    float nearest_distance = tolerance_px;
    auto consider = [&](std::size_t i) {
        const float distance = std::fabs(axis.x_of(row.starts[i]) - x);
        if (distance <= nearest_distance) {
            nearest = i;
            nearest_distance = distance;
        }
    };
    if (after < row.size()) consider(after);
    if (after > 0) {
        // Of several items at the same time, the first one is reported.
        const std::size_t before = lower(row, 0, row.size(), row.starts[after - 1]);
        consider(before);
    }
    const bool nearest_is_instant = nearest && row.end_of(*nearest) == row.starts[*nearest];
    if (nearest_is_instant) return row.events[*nearest];
    // The innermost span covering x: the latest-starting one that ends at or
    // after t among the items starting at or before t.
    if (row.has_spans()) {
        const std::size_t first = lower(row, 0, row.size(), t - row.longest);
        const std::size_t last = upper(row, first, row.size(), t);
        const std::size_t covering = row.last_ending_after(first, last, t);
        if (covering != TimelineRow::npos) return row.events[covering];
    }
    if (nearest) return row.events[*nearest];
    return std::nullopt;
}

}  // namespace loopscope::ui
