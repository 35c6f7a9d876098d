// The timeline panel's frame: lay out the lines, handle the mouse, then let
// the painters of timeline_draw.cpp draw. All state lives in the
// TimelineViewState the app passes in, so two timelines never share any.
#include "ui/timeline_view.hpp"

#include <algorithm>
#include <cmath>

#include <imgui_internal.h>  // SetItemUsingMouseWheel, IsMouseDragPastThreshold

#include "ui/timeline_draw.hpp"
#include "ui/timeline_tooltip.hpp"

namespace loopscope::ui {
namespace {

// One notch of the mouse wheel zooms by this factor.
constexpr double wheel_zoom = 1.25;
// Pixels of tolerance when a click looks for the nearest event.
constexpr float click_tolerance_px = 6.0f;

// The line whose rows span screen y (events strip or bands), or nullptr.
const TimelineLine* line_at(const TimelineFrame& f, float y) {
    for (const TimelineLine& line : f.view.lines) {
        const float top = f.top_of(line);
        if (y >= top && y < top + line.height) return &line;
    }
    return nullptr;
}

bool inside(const ImVec4& r, ImVec2 p) { return p.x >= r.x && p.x < r.z && p.y >= r.y && p.y < r.w; }

// A click that did not drag: pick the event under the mouse (on a folded
// group, the nearest among its rows); on an aggregate row, also open that
// event's connection.
void click(const TimelineFrame& f, ImVec2 mouse, TimelineResult& result) {
    const TimelineLine* line = line_at(f, mouse.y);
    if (!line || line->kind == LineKind::header || mouse.x < f.plot_left()) return;
    const float tolerance = f.style.px(click_tolerance_px);
    const std::uint32_t last = line->kind == LineKind::collapsed ? line->row_end : line->row + 1;
    std::optional<std::uint32_t> best;
    std::uint32_t best_row = line->row;
    float best_distance = tolerance + 1.0f;
    for (std::uint32_t r = line->row; r < last; ++r) {
        const TimelineRow& row = f.model.rows()[r];
        if (line->kind == LineKind::collapsed && row.parent >= 0) continue;
        const auto hit = hit_test(row, f.view.axis, mouse.x, tolerance);
        if (!hit) continue;
        // How far the hit is from the pointer: 0 inside a span.
        const std::uint32_t item = row.kind == RowKind::aggregate ? 0 : f.model.item_of(*hit);
        const Nanos start = row.kind == RowKind::aggregate ? f.trace[*hit].time : row.starts[item];
        const Nanos end = row.kind == RowKind::aggregate ? start : row.end_of(item);
        const float x0 = f.view.axis.x_of(start), x1 = f.view.axis.x_of(end);
        const float distance = mouse.x >= x0 && mouse.x <= x1 ? 0.0f : std::min(std::fabs(mouse.x - x0), std::fabs(mouse.x - x1));
        if (distance < best_distance) {
            best = hit;
            best_row = r;
            best_distance = distance;
        }
    }
    if (!best) return;
    result.clicked = *best;
    if (f.model.rows()[best_row].kind == RowKind::aggregate) f.view.drilled_conn = f.trace[*best].conn;
}

// Gutter clicks: the "x" of a drilled connection closes it; a group's
// title folds or unfolds the group.
bool click_gutter(const TimelineFrame& f, ImVec2 mouse) {
    for (const TimelineLine& line : f.view.lines) {
        if (line.kind == LineKind::header || line.kind == LineKind::group_row || line.kind == LineKind::collapsed) {
            const float top = f.top_of(line);
            if (mouse.y >= top && mouse.y < top + line.strip) {
                f.view.collapsed.flip(static_cast<std::size_t>(line.lane));
                f.view.layout_by_user = true;
                return true;
            }
        }
        if (line.row == TimelineModel::no_row || line.kind != LineKind::row || f.model.rows()[line.row].parent < 0) continue;
        if (inside(close_button_rect(f, line), mouse)) {
            f.view.drilled_conn = -1;
            return true;
        }
    }
    return false;
}

// The "level bands" switch on a group's header line.
bool click_level_switch(const TimelineFrame& f, ImVec2 mouse) {
    for (const TimelineLine& line : f.view.lines) {
        if (line.kind != LineKind::header || !line.has_levels || !inside(level_switch_rect(f, line), mouse)) continue;
        f.view.level_bands.flip(static_cast<std::size_t>(line.lane));
        return true;
    }
    return false;
}

void handle_mouse(const TimelineFrame& f, bool hovered, TimelineResult& result) {
    TimelineViewState& view = f.view;
    const ImGuiIO& io = ImGui::GetIO();
    const ImVec2 mouse = io.MousePos;
    if (hovered && io.MouseWheel != 0.0f) {
        if (mouse.x < f.plot_left()) {
            view.scroll_y -= io.MouseWheel * f.strip * 3.0f;  // over the labels: scroll the rows
        } else {
            view.axis.zoom_around(mouse.x, std::pow(wheel_zoom, static_cast<double>(io.MouseWheel)));
            result.zoom_changed = true;
        }
    }
    for (int button = 0; button < 2 && view.drag == TimelineViewState::Drag::none; ++button) {
        if (!hovered || !ImGui::IsMouseClicked(button)) continue;
        if (button == 0 && mouse.x < f.plot_left() && click_gutter(f, mouse)) break;
        if (button == 0 && mouse.x >= f.plot_left() && click_level_switch(f, mouse)) break;
        view.drag = button == 1 || io.KeyShift ? TimelineViewState::Drag::select : TimelineViewState::Drag::pan;
        view.drag_button = button;
        view.drag_anchor = view.axis.time_at(std::clamp(mouse.x, f.plot_left(), f.plot_right()));
    }
    if (view.drag == TimelineViewState::Drag::none) return;
    const bool dragged = ImGui::IsMouseDragPastThreshold(view.drag_button);
    if (ImGui::IsMouseDown(view.drag_button)) {
        if (!dragged) return;
        if (view.drag == TimelineViewState::Drag::pan) {
            if (io.MouseDelta.x != 0.0f) {
                view.axis.pan_pixels(-io.MouseDelta.x);
                result.zoom_changed = true;
            }
            view.scroll_y -= io.MouseDelta.y;
        } else {
            const trace::Nanos here = view.axis.time_at(std::clamp(mouse.x, f.plot_left(), f.plot_right()));
            view.selection = std::pair(std::min(view.drag_anchor, here), std::max(view.drag_anchor, here));
        }
        return;
    }
    // Released.
    if (!dragged) {
        if (view.drag == TimelineViewState::Drag::pan) click(f, mouse, result);
        else if (view.drag_button == 1) view.selection.reset();  // a right click clears the band
    }
    view.drag = TimelineViewState::Drag::none;
}

void draw_body(const TimelineInput& input, TimelineViewState& view, const ViewStyle& style, TimelineResult& result) {
    const trace::Trace& trace = *input.trace;
    const TimelineModel& model = *input.model;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    if (size.x < 4.0f || size.y < 4.0f) return;
    TimelineFrame f{trace, model, style, view};
    f.draw = ImGui::GetWindowDrawList();
    f.origin = origin;
    f.size = size;
    f.font = ImGui::GetFontSize();
    f.gutter = std::min(std::max(style.px(160), f.font * 12.0f), size.x * 0.4f);
    f.ruler = f.font + style.px(10);
    f.heights = line_heights(f.font, style);
    f.strip = f.heights.strip;
    f.band = f.heights.band;
    f.header = f.heights.header;
    f.scrollbar = style.px(6);
    f.draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), style.background);
    if (trace.empty() || model.rows().empty()) {
        f.draw->AddText(ImVec2(origin.x + style.px(8), origin.y + style.px(8)), style.text_dim, "This trace has no events.");
        return;
    }

    view.axis.x0 = f.plot_left();
    view.axis.width = std::max(1.0f, f.plot_right() - f.plot_left());
    view.axis.set_limits(model.first_time(), model.last_time());
    if (!view.initialised) {
        const auto [first, last] = initial_window(trace, model);
        view.axis.fit(first, last);
        view.initialised = true;
    }
    const float visible = f.rows_bottom() - f.rows_top();
    // Fold groups to fit, unless the user chose what to fold; a change of
    // height (the splitter, compare mode) chooses again.
    if (!view.layout_by_user && std::fabs(view.fitted_height - visible) >= 1.0f) {
        compact_to_fit(model, view, f.heights, visible);
        view.fitted_height = visible;
    }
    layout_lines(model, view, f.heights, view.lines);
    f.content_height = view.lines.empty() ? 0.0f : view.lines.back().y + view.lines.back().height;
    const std::size_t cursor = std::min(input.cursor, trace.size() - 1);
    if (follow_cursor(view, model, trace, cursor, visible)) result.zoom_changed = true;

    ImGui::SetCursorScreenPos(origin);
    ImGui::InvisibleButton("##timeline area", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    const bool hovered = ImGui::IsItemHovered();
    if (hovered) ImGui::SetItemUsingMouseWheel();  // the wheel zooms here; the window must not scroll
    handle_mouse(f, hovered, result);
    // A fold or unfold changes the lines at once, not a frame later.
    layout_lines(model, view, f.heights, view.lines);
    f.content_height = view.lines.empty() ? 0.0f : view.lines.back().y + view.lines.back().height;
    view.scroll_y = std::clamp(view.scroll_y, 0.0f, std::max(0.0f, f.content_height - visible));

    draw_ruler(f, cursor, input.title);
    const TimelineHover hover = draw_lines(f, cursor, ImGui::GetIO().MousePos, hovered);
    draw_selection(f);
    draw_cursor(f, cursor);
    if (input.show_arrows) draw_arrows(f, cursor);
    draw_scroll_indicator(f);

    if (hovered && view.drag == TimelineViewState::Drag::none && hover.item) {
        if (hover.aggregate) aggregate_tooltip(hover.aggregate_count, hover.item->t_first, hover.item->t_last, style);
        else if (hover.item->count > 1) merged_tooltip(trace, model.rows()[hover.row], view.axis, style.px(merge_distance_px), *hover.item, style);
        else event_tooltip(trace, hover.item->event, style);
    }
    // A group's title says that it folds.
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (hovered && view.drag == TimelineViewState::Drag::none && mouse.x < f.plot_left()) {
        const TimelineLine* line = line_at(f, mouse.y);
        if (line && line->kind != LineKind::row && mouse.y < f.top_of(*line) + line->strip) {
            ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
            ImGui::SetTooltip(line->kind == LineKind::collapsed ? "Click to unfold this group into its rows."
                                                                 : "Click to fold this group into one thin line.");
        }
    }
}

}  // namespace

LineHeights line_heights(float font, const ViewStyle& style) {
    LineHeights h;
    h.strip = font + style.px(6);
    h.band = font + style.px(6);
    h.header = font + style.px(3);
    h.levels = font * 0.85f + style.px(2);
    h.collapsed = font + style.px(2);
    return h;
}

void layout_lines(const TimelineModel& model, std::int32_t drilled_conn, const LaneSet& collapsed, const LaneSet& level_bands,
                  const LineHeights& heights, std::vector<TimelineLine>& out) {
    out.clear();
    const auto& rows = model.rows();
    float y = 0.0f;
    // The rows of one group that get a line: the top-level rows, and under
    // an aggregate row the connection drilled into. Few per group.
    std::vector<std::uint32_t> shown;
    for (std::size_t g = 0; g < rows.size();) {
        const trace::Lane lane = rows[g].lane;
        const auto lane_bit = static_cast<std::size_t>(lane);
        shown.clear();
        std::size_t r = g;
        bool has_levels = false;
        while (r < rows.size() && rows[r].lane == lane) {
            const TimelineRow& row = rows[r];
            if (row.parent >= 0) {  // shown only under its aggregate row, below
                ++r;
                continue;
            }
            shown.push_back(static_cast<std::uint32_t>(r));
            has_levels = has_levels || !row.series.empty();
            if (row.kind != RowKind::aggregate) {
                ++r;
                continue;
            }
            if (drilled_conn >= 0) {
                // Detail rows are sorted by connection: find the drilled one.
                auto first = rows.begin() + row.detail_first, last = rows.begin() + row.detail_last;
                auto it = std::lower_bound(first, last, drilled_conn, [](const TimelineRow& d, std::int32_t c) { return d.conn < c; });
                if (it != last && it->conn == drilled_conn) {
                    shown.push_back(static_cast<std::uint32_t>(it - rows.begin()));
                    has_levels = has_levels || !it->series.empty();
                }
            }
            r = std::max<std::size_t>(r + 1, row.detail_last);
        }
        const auto group_first = static_cast<std::uint32_t>(g), group_end = static_cast<std::uint32_t>(r);
        g = r;
        if (shown.empty()) continue;
        TimelineLine line;
        line.lane = lane;
        line.group_first = group_first;
        line.row_end = group_end;
        line.single = shown.size() == 1;
        if (collapsed[lane_bit]) {
            line.row = group_first;
            line.kind = LineKind::collapsed;
            line.y = y;
            line.strip = line.height = heights.collapsed;
            out.push_back(line);
            y += line.height;
            continue;
        }
        if (shown.size() > 1) {
            line.row = TimelineModel::no_row;
            line.kind = LineKind::header;
            line.y = y;
            line.strip = line.height = heights.header;
            line.has_levels = has_levels;
            out.push_back(line);
            y += line.height;
        }
        for (std::uint32_t s : shown) {
            const TimelineRow& row = rows[s];
            line.row = s;
            line.kind = shown.size() > 1 ? LineKind::row : LineKind::group_row;
            line.has_levels = false;
            line.bands = level_bands[lane_bit] && !row.series.empty();
            line.y = y;
            line.strip = heights.strip;
            line.height = heights.strip;
            if (!row.series.empty())
                line.height += line.bands ? static_cast<float>(row.series.size()) * heights.band : heights.levels;
            out.push_back(line);
            y += line.height;
        }
    }
}

void layout_lines(const TimelineModel& model, const TimelineViewState& view, const LineHeights& heights,
                  std::vector<TimelineLine>& out) {
    layout_lines(model, view.drilled_conn, view.collapsed, view.level_bands, heights, out);
}

void compact_to_fit(const TimelineModel& model, TimelineViewState& view, const LineHeights& heights, float visible) {
    view.collapsed.reset();
    view.level_bands.reset();
    std::vector<TimelineLine> lines;
    auto fits = [&] {
        layout_lines(model, view, heights, lines);
        return lines.empty() || lines.back().y + lines.back().height <= visible + 0.5f;
    };
    if (fits()) return;
    // The groups in drawing order with their number of lines.
    std::vector<std::pair<trace::Lane, std::size_t>> groups;
    for (const TimelineLine& line : lines) {
        if (groups.empty() || groups.back().first != line.lane) groups.emplace_back(line.lane, 0);
        if (line.kind != LineKind::header) ++groups.back().second;
    }
    std::vector<std::pair<trace::Lane, std::size_t>> order = groups;
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [lane, count] : order) {
        if (count < 2) break;
        view.collapsed.set(static_cast<std::size_t>(lane));
        if (fits()) return;
    }
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
        view.collapsed.set(static_cast<std::size_t>(it->first));
        if (fits()) return;
    }
}

std::pair<trace::Nanos, trace::Nanos> initial_window(const trace::Trace& trace, const TimelineModel& model) {
    const Nanos first = model.first_time(), last = model.last_time();
    if (trace.empty()) return {first, last};
    const std::size_t busy_end = (trace.size() - 1) * 98 / 100;
    const Nanos busy = std::max(trace[busy_end].time, first);
    if ((busy - first) * 2 < last - first) return {first, busy};
    return {first, last};
}

bool follow_cursor(TimelineViewState& view, const TimelineModel& model, const trace::Trace& trace, std::size_t cursor,
                   float visible_height) {
    if (trace.empty() || view.drawn_cursor == cursor) return false;
    view.drawn_cursor = cursor;
    cursor = std::min(cursor, trace.size() - 1);
    bool panned = false;
    const Nanos t = trace[cursor].time;
    if (t < view.axis.start || t > view.axis.end) {
        view.axis.centre_on(t);
        panned = true;
    }
    if (const TimelineLine* line = line_showing(model, view.lines, model.row_of(cursor))) {
        if (line->y < view.scroll_y)
            view.scroll_y = line->y;
        else if (line->y + line->strip > view.scroll_y + visible_height) {
            // Scroll just far enough, to the top of a line, so that no line
            // is left cut in half at the top.
            const float needed = std::min(line->y, line->y + line->height - visible_height);
            view.scroll_y = line->y;
            for (const TimelineLine& above : view.lines)
                if (above.y >= needed - 0.5f) {
                    view.scroll_y = std::min(above.y, line->y);
                    break;
                }
        }
    }
    return panned;
}

const TimelineLine* line_showing(const TimelineModel& model, const std::vector<TimelineLine>& lines, std::uint32_t row) {
    if (row == TimelineModel::no_row) return nullptr;
    for (const TimelineLine& line : lines) {
        if (line.kind == LineKind::header) continue;
        if (line.kind == LineKind::collapsed ? row >= line.row && row < line.row_end : line.row == row) return &line;
    }
    const std::int32_t parent = model.rows()[row].parent;
    if (parent < 0) return nullptr;
    for (const TimelineLine& line : lines)
        if (line.kind != LineKind::header && line.kind != LineKind::collapsed && line.row == static_cast<std::uint32_t>(parent)) return &line;
    return nullptr;
}

TimelineResult draw_timeline(const char* id, const TimelineInput& input, TimelineViewState& view, const ViewStyle& style,
                             ImVec2 size) {
    TimelineResult result;
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0.0f, 0.0f));
    const bool open = ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::PopStyleVar();
    if (open && input.trace && input.model) draw_body(input, view, style, result);
    ImGui::EndChild();
    return result;
}

void zoom_to_selection(TimelineViewState& view) {
    if (!view.selection) return;
    view.axis.show(view.selection->first, view.selection->second);
    view.selection.reset();
}

void fit_all(TimelineViewState& view, const trace::Trace& trace) {
    if (trace.empty()) return;
    view.axis.fit(trace[0].time, trace[trace.size() - 1].time);
    view.initialised = true;
}

}  // namespace loopscope::ui
