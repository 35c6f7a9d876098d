// The timeline panel: lane groups and rows over a shared time axis, the
// cursor across all of them, causal arrows back from the cursor event, and
// the mouse: wheel zooms, drag pans, Shift/right-drag selects, click picks.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <imgui.h>

#include "trace/trace.hpp"
#include "ui/time_axis.hpp"
#include "ui/timeline_lod.hpp"
#include "ui/timeline_model.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

// The lanes of a trace as a set, one bit per lane (collapsed groups, groups
// showing their levels as separate bands).
using LaneSet = std::bitset<trace::lane_count>;

// What a line of the panel is.
enum class LineKind : std::uint8_t {
    header,     // the title of a lane group of several rows (row = no_row)
    row,        // one model row under its group's header
    group_row,  // the only row of its group: the gutter shows the group's title
    collapsed,  // a whole group folded into one thin line of all its events
};

// One line of the panel as laid out this frame, with its vertical position
// in content coordinates.
struct TimelineLine {
    std::uint32_t row = TimelineModel::no_row;  // header: no_row; collapsed: the group's first row
    trace::Lane lane = trace::Lane::note;
    float y = 0;        // top, from the top of the rows area (before scrolling)
    float strip = 0;    // height of the events strip
    float height = 0;   // strip plus the levels drawn in or under it
    LineKind kind = LineKind::row;
    std::uint32_t group_first = 0;  // the line's lane group holds model rows [group_first, row_end)
    std::uint32_t row_end = 0;
    bool bands = false;       // a row: its levels are drawn as separate bands under the strip
    bool has_levels = false;  // a header: some row of the group has levels (the bands toggle)
    bool single = false;      // the group shows one row (its title can name it: "notifier: epoll")
};

// Heights of the kinds of line, in pixels (see line_heights()).
struct LineHeights {
    float strip = 20;      // a row's events strip
    float band = 18;       // one separate level band
    float header = 17;     // a group title line
    float levels = 13;     // the strip of level values added to a row holding its levels
    float collapsed = 15;  // a collapsed group
};
// The heights for a font size and a style's scale.
LineHeights line_heights(float font, const ViewStyle& style);

struct TimelineViewState {             // one per open trace; owned by the app's state struct
    TimeAxis axis;                     // the app copies it between stacked timelines in compare mode
    std::int32_t drilled_conn = -1;    // drill-down in aggregate mode
    std::optional<std::pair<trace::Nanos, trace::Nanos>> selection;  // shift/right-drag band
    float scroll_y = 0;                // vertical scroll of the rows
    bool initialised = false;          // the initial window is chosen on first draw

    LaneSet collapsed;                 // groups folded into one thin line
    LaneSet level_bands;               // groups whose levels get their own bands
    // Until the user folds or unfolds a group, the panel folds groups by
    // itself so that every group fits its height (compact_to_fit), again
    // whenever that height changes.
    bool layout_by_user = false;
    float fitted_height = -1.0f;
    // The cursor drawn last frame: the view follows the cursor only when it moves.
    std::optional<std::size_t> drawn_cursor;

    // Mouse drag in progress (button 0 or 1), and what it does.
    enum class Drag : std::uint8_t { none, pan, select };
    Drag drag = Drag::none;
    int drag_button = 0;
    trace::Nanos drag_anchor = 0;      // selection: the time where the drag began

    // Scratch space reused every frame, so drawing does not allocate.
    std::vector<TimelineLine> lines;
    std::vector<DrawItem> items;
    std::vector<float> starts_x;       // item starts of a row, sorted (label clipping)
    std::vector<std::uint32_t> heat;
    std::vector<LevelBucket> levels;
};

struct TimelineInput {
    const trace::Trace* trace = nullptr;
    const TimelineModel* model = nullptr;
    std::size_t cursor = 0;            // index of the current step (always valid when trace not empty)
    const char* title = nullptr;       // e.g. "A: tcp-echo (epoll)" drawn in the corner, compare mode
    bool show_arrows = true;
};

struct TimelineResult {
    std::optional<std::size_t> clicked;  // an event the user clicked: the app moves the cursor there
    bool zoom_changed = false;           // the user zoomed/panned (the app syncs compare mode)
};

TimelineResult draw_timeline(const char* id, const TimelineInput& input, TimelineViewState& view,
                             const ViewStyle& style, ImVec2 size);
void zoom_to_selection(TimelineViewState& view);  // no-op without a selection
void fit_all(TimelineViewState& view, const trace::Trace& trace);

// The lines shown for a model with this drill-down and these folded groups,
// in drawing order, with their heights.
void layout_lines(const TimelineModel& model, std::int32_t drilled_conn, const LaneSet& collapsed,
                  const LaneSet& level_bands, const LineHeights& heights, std::vector<TimelineLine>& out);
void layout_lines(const TimelineModel& model, const TimelineViewState& view, const LineHeights& heights,
                  std::vector<TimelineLine>& out);

// Folds lane groups until all lines fit `visible` pixels, or every group is
// folded: first the groups of several rows (most rows first), then single
// rows from the bottom up. Starts from nothing folded; keeps level bands off.
void compact_to_fit(const TimelineModel& model, TimelineViewState& view, const LineHeights& heights, float visible);

// The window shown when a trace is opened: where its events are. A long
// quiet tail (TIME_WAIT keeping a socket for a minute) is left out when the
// event at the 98th percentile of the steps comes before half of the span;
// fit_all still shows everything.
std::pair<trace::Nanos, trace::Nanos> initial_window(const trace::Trace& trace, const TimelineModel& model);

// Keeps the cursor in view when it moved since the last frame: pans (same
// zoom) when its time is off screen and scrolls the rows when its line is.
// view.lines must be laid out. Returns true when the time axis moved.
bool follow_cursor(TimelineViewState& view, const TimelineModel& model, const trace::Trace& trace, std::size_t cursor,
                   float visible_height);

// The line showing a model row: its own, its folded group's, or its
// aggregate row's when the connection is not drilled into; nullptr when the
// row is not shown.
const TimelineLine* line_showing(const TimelineModel& model, const std::vector<TimelineLine>& lines,
                                 std::uint32_t row);

}  // namespace loopscope::ui
