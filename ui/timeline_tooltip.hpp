// The words of the timeline: an event's fields as readable values, the
// short labels drawn inside wide spans, and the hover tooltips.
#pragma once

#include <cstdint>
#include <string>

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

// ImGui tooltips (call while the item is hovered).
void event_tooltip(const trace::Trace& trace, std::uint32_t event, const ViewStyle& style);
void merged_tooltip(const DrawItem& item, const ViewStyle& style);
void aggregate_tooltip(std::uint32_t count, Nanos t0, Nanos t1, const ViewStyle& style);

}  // namespace loopscope::ui
