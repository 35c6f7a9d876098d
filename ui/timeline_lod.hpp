// Level of detail: what one row looks like at the current zoom, computed in
// O(pixels * log n) from the model's sorted arrays, never by visiting every
// event in view. Items closer than a few pixels fold into one block with a
// count (as Tracy does); level series become one min/max pair per pixel
// bucket; aggregate rows become event counts per bucket (a heat strip).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ui/time_axis.hpp"
#include "ui/timeline_model.hpp"

namespace loopscope::ui {

// Items closer than this (in pixels at scale 1) are drawn as one block.
inline constexpr float merge_distance_px = 3.0f;

// Item positions [first, last) whose start lies in [t0 - row.longest, t1]:
// every item that can overlap [t0, t1] is inside, found by two binary
// searches. Items near the front may end before t0.
struct ItemRange {
    std::size_t first = 0;
    std::size_t last = 0;
    std::size_t size() const { return last - first; }
};
ItemRange candidate_range(const TimelineRow& row, Nanos t0, Nanos t1);

// The number of items that really overlap [t0, t1] (for tests and
// tooltips; O(log n) per span reaching into the window from before it).
std::size_t count_overlapping(const TimelineRow& row, Nanos t0, Nanos t1);

struct DrawItem {
    float x0 = 0, x1 = 0;          // screen x; x1 >= x0 (+ merge distance for blocks)
    std::uint32_t first_item = 0;  // position in the row of the first item
    std::uint32_t event = 0;       // trace index of that item's event
    std::uint32_t count = 1;       // > 1: a merged block of this many items
    Nanos t_first = 0;             // start of the first item
    Nanos t_last = 0;              // latest end among the items
    Nanos last_start = 0;          // start of the last item
    bool span = false;             // a single item with a duration
};

// The items of a row to draw in the axis window, merged where they would
// start within `merge_px` of the previous one; spans at least `merge_px`
// wide are never merged and come out as single items (so `out` is not
// ordered by time: draw spans first, then the rest on top). Fills `out`
// (cleared first) so a frame can reuse one buffer.
void layout_row(const TimelineRow& row, const TimeAxis& axis, float merge_px, std::vector<DrawItem>& out);

// The items a merged block stands for are those starting in its time range
// [t_first, last_start], less the wide spans layout_row drew on their own.
ItemRange block_range(const TimelineRow& row, const DrawItem& block);

// Events per bucket of `bucket_px` pixels across the axis width (aggregate
// rows' heat strip). out.size() becomes ceil(width / bucket_px).
void heat_counts(const TimelineRow& row, const TimeAxis& axis, float bucket_px, std::vector<std::uint32_t>& out);

struct LevelBucket {
    float x0 = 0, x1 = 0;
    std::int64_t low = 0, high = 0;  // min and max of the level over the bucket
};
// Min/max of a series per bucket of `bucket_px` pixels; neighbouring
// buckets with one unchanging value are joined, so a flat stretch costs
// one bucket.
void level_buckets(const LevelSeries& series, const TimeAxis& axis, float bucket_px, std::vector<LevelBucket>& out);

// The event nearest screen x in a row, within `tolerance_px`: an instant
// whose mark is within tolerance wins, then the innermost (latest-starting)
// span covering x, then the nearest span start. std::nullopt when nothing
// is that close.
std::optional<std::uint32_t> hit_test(const TimelineRow& row, const TimeAxis& axis, float x, float tolerance_px);

}  // namespace loopscope::ui
