// The words of the timeline: an event's fields as readable values, the
// short labels drawn inside wide spans, and the hover tooltips.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/trace.hpp"
#include "ui/timeline_lod.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

// A field value as a reader wants it: bytes as "64 KiB", nanoseconds as
// "1.5 µs" ("forever" for -1), flags as yes/no, enums and strings by name.
std::string field_value_text(const trace::Trace& trace, trace::FieldType type, std::int64_t value);

// A short label for an item wide enough to carry one: the loop phase
// ("poll"), the callback ("data"), the segment's flags and length
// ("PSH|ACK 13 B"). Empty when the kind has nothing short to say.
std::string item_label(const trace::Trace& trace, std::uint32_t event);

// What a merged block of `count` items of a row is: "12 segments" when
// the row holds one kind with a plural name, else "12 events".
std::string block_label(const TimelineRow& row, std::uint32_t count);

// ImGui tooltips (call while the item is hovered).
void event_tooltip(const trace::Trace& trace, std::uint32_t event, const ViewStyle& style);
// A merged block: up to merged_list_limit events each with its time and
// sentence; a bigger block as its count per kind.
inline constexpr std::size_t merged_list_limit = 6;
void merged_tooltip(const trace::Trace& trace, const TimelineRow& row, const TimeAxis& axis, float merge_px,
                    const DrawItem& item, const ViewStyle& style);
// The text of the merged tooltip's first line: "3 events" or "738 events:
// 720 wire.segment, 18 kernel.ack" (exposed for tests).
std::string merged_summary(const trace::Trace& trace, const TimelineRow& row, const TimeAxis& axis, float merge_px,
                           const DrawItem& item, std::vector<std::uint32_t>& listed);
void aggregate_tooltip(std::uint32_t count, Nanos t0, Nanos t1, const ViewStyle& style);

}  // namespace loopscope::ui
