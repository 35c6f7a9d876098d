// The timeline panel: lane groups and rows over a shared time axis, the
// cursor across all of them, causal arrows back from the cursor event, and
// the mouse: wheel zooms, drag pans, Shift/right-drag selects, click picks.
#pragma once

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

// One line of the panel as laid out this frame: a lane group header or a
// model row, with its vertical position in content coordinates.
struct TimelineLine {
    std::uint32_t row = TimelineModel::no_row;  // no_row: the header of `lane`
    trace::Lane lane = trace::Lane::note;
    float y = 0;        // top, from the top of the rows area (before scrolling)
    float strip = 0;    // height of the events strip
    float height = 0;   // strip plus the level-series bands
};

struct TimelineViewState {             // one per open trace; owned by the app's state struct
    TimeAxis axis;                     // the app copies it between stacked timelines in compare mode
    std::int32_t drilled_conn = -1;    // drill-down in aggregate mode
    std::optional<std::pair<trace::Nanos, trace::Nanos>> selection;  // shift/right-drag band
    float scroll_y = 0;                // vertical scroll of the rows
    bool initialised = false;          // fit() on first draw

    // Mouse drag in progress (button 0 or 1), and what it does.
    enum class Drag : std::uint8_t { none, pan, select };
    Drag drag = Drag::none;
    int drag_button = 0;
    trace::Nanos drag_anchor = 0;      // selection: the time where the drag began

    // Scratch space reused every frame, so drawing does not allocate.
    std::vector<TimelineLine> lines;
    std::vector<DrawItem> items;
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

// The lines shown for a model with this drill-down, in drawing order, with
// their heights (exposed for tests: which rows a drill-down reveals).
void layout_lines(const TimelineModel& model, std::int32_t drilled_conn, float strip_height, float band_height,
                  float header_height, std::vector<TimelineLine>& out);

// The line showing a model row: its own, or its aggregate row's when the
// connection is not drilled into; nullptr when the row is not shown.
const TimelineLine* line_showing(const TimelineModel& model, const std::vector<TimelineLine>& lines,
                                 std::uint32_t row);

}  // namespace loopscope::ui
