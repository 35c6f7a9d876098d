// Inside the timeline panel (used by timeline_view.cpp only): the frame's
// geometry, and the painters for the ruler, the rows, the cursor and the
// causal arrows. Each painter draws into the panel's ImDrawList.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <imgui.h>

#include "ui/timeline_view.hpp"

namespace loopscope::ui {

// What the mouse is over after the rows were drawn: the tooltip to show.
struct TimelineHover {
    std::optional<DrawItem> item;  // an event (count 1) or a merged block
    std::uint32_t row = 0;         // the model row of the item
    bool aggregate = false;        // item is a heat-strip bucket of an aggregate row
    std::uint32_t aggregate_count = 0;
};

struct TimelineFrame {
    const trace::Trace& trace;
    const TimelineModel& model;
    const ViewStyle& style;
    TimelineViewState& view;
    ImDrawList* draw = nullptr;
    ImVec2 origin{};      // top-left of the panel on screen
    ImVec2 size{};
    float font = 13.0f;   // current font size
    float gutter = 0;     // width of the label column
    float ruler = 0;      // height of the time ruler
    float strip = 0;      // events strip of a row
    float band = 0;       // one level-series band
    float header = 0;     // lane group header
    LineHeights heights = {};
    float scrollbar = 0;  // width of the scroll indicator on the right
    float content_height = 0;  // all lines, for scrolling

    float rows_top() const { return origin.y + ruler; }
    float rows_bottom() const { return origin.y + size.y; }
    float plot_left() const { return origin.x + gutter; }
    float plot_right() const { return origin.x + size.x - scrollbar; }
    float top_of(const TimelineLine& line) const { return rows_top() + line.y - view.scroll_y; }
    float middle_of(const TimelineLine& line) const { return top_of(line) + line.strip * 0.5f; }
};

// Text drawn smaller than the body font: labels inside items, levels.
inline constexpr float small_text = 0.85f;

// Multiplies a colour's alpha.
ImU32 fade(ImU32 colour, float alpha);
float text_width(float font_size, const std::string& text);
void text_at(ImDrawList* draw, float font_size, ImVec2 pos, ImU32 colour, const std::string& text,
             const ImVec4* clip = nullptr);

// Levels (timeline_levels.cpp): the gutter's legend of a row's levels
// ("send / receive buffer"), the levels in bands under a row, and inside it.
void draw_level_legend(const TimelineFrame& frame, const TimelineRow& row, ImVec2 at);
void draw_bands(const TimelineFrame& frame, const TimelineRow& row, float top, std::size_t cursor);
void draw_row_levels(const TimelineFrame& frame, const TimelineRow& row, const TimelineLine& line, float top,
                     std::size_t cursor);

void draw_ruler(const TimelineFrame& frame, std::size_t cursor, const char* title);
// Draws gutter and plot of every visible line; returns what the mouse is on.
TimelineHover draw_lines(const TimelineFrame& frame, std::size_t cursor, ImVec2 mouse, bool mouse_inside);
void draw_cursor(const TimelineFrame& frame, std::size_t cursor);
void draw_arrows(const TimelineFrame& frame, std::size_t cursor);
void draw_selection(const TimelineFrame& frame);
void draw_scroll_indicator(const TimelineFrame& frame);

// The "x" that closes a drilled connection, on a drilled row's label.
ImVec4 close_button_rect(const TimelineFrame& frame, const TimelineLine& line);
// The "separate level bands" switch at the right end of a group's header.
ImVec4 level_switch_rect(const TimelineFrame& frame, const TimelineLine& line);

}  // namespace loopscope::ui
