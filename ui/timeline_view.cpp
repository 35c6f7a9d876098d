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

// A click that did not drag: pick the event under the mouse; on an
// aggregate row, also open that event's connection.
void click(const TimelineFrame& f, ImVec2 mouse, TimelineResult& result) {
    const TimelineLine* line = line_at(f, mouse.y);
    if (!line || line->row == TimelineModel::no_row || mouse.x < f.plot_left()) return;
    const TimelineRow& row = f.model.rows()[line->row];
    const auto hit = hit_test(row, f.view.axis, mouse.x, f.style.px(click_tolerance_px));
    if (!hit) return;
    result.clicked = *hit;
    if (row.kind == RowKind::aggregate) f.view.drilled_conn = f.trace[*hit].conn;
}

// Gutter clicks: the "x" of a drilled connection closes it.
bool click_gutter(const TimelineFrame& f, ImVec2 mouse) {
    for (const TimelineLine& line : f.view.lines) {
        if (line.row == TimelineModel::no_row || f.model.rows()[line.row].parent < 0) continue;
        if (inside(close_button_rect(f, line), mouse)) {
            f.view.drilled_conn = -1;
            return true;
        }
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
    f.strip = f.font + style.px(8);
    f.band = f.font + style.px(6);
    f.header = f.font + style.px(6);
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
        view.axis.fit(model.first_time(), model.last_time());
        view.initialised = true;
    }
    layout_lines(model, view.drilled_conn, f.strip, f.band, f.header, view.lines);
    f.content_height = view.lines.empty() ? 0.0f : view.lines.back().y + view.lines.back().height;

    ImGui::SetCursorScreenPos(origin);
    ImGui::InvisibleButton("##timeline area", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    const bool hovered = ImGui::IsItemHovered();
    if (hovered) ImGui::SetItemUsingMouseWheel();  // the wheel zooms here; the window must not scroll
    handle_mouse(f, hovered, result);
    const float visible = f.rows_bottom() - f.rows_top();
    view.scroll_y = std::clamp(view.scroll_y, 0.0f, std::max(0.0f, f.content_height - visible));

    const std::size_t cursor = std::min(input.cursor, trace.size() - 1);
    draw_ruler(f, cursor, input.title);
    const TimelineHover hover = draw_lines(f, cursor, ImGui::GetIO().MousePos, hovered);
    draw_selection(f);
    draw_cursor(f, cursor);
    if (input.show_arrows) draw_arrows(f, cursor);
    draw_scroll_indicator(f);

    if (hovered && view.drag == TimelineViewState::Drag::none && hover.item) {
        if (hover.aggregate) aggregate_tooltip(hover.aggregate_count, hover.item->t_first, hover.item->t_last, style);
        else if (hover.item->count > 1) merged_tooltip(*hover.item, style);
        else event_tooltip(trace, hover.item->event, style);
    }
}

}  // namespace

void layout_lines(const TimelineModel& model, std::int32_t drilled_conn, float strip_height, float band_height,
                  float header_height, std::vector<TimelineLine>& out) {
    out.clear();
    const auto& rows = model.rows();
    float y = 0.0f;
    int lane = -1;
    auto add = [&](std::uint32_t r) {
        const TimelineRow& row = rows[r];
        const float height = strip_height + static_cast<float>(row.series.size()) * band_height;
        out.push_back({r, row.lane, y, strip_height, height});
        y += height;
    };
    for (std::size_t r = 0; r < rows.size();) {
        const TimelineRow& row = rows[r];
        if (row.parent >= 0) {  // shown only under its aggregate row, below
            ++r;
            continue;
        }
        if (static_cast<int>(row.lane) != lane) {
            lane = static_cast<int>(row.lane);
            out.push_back({TimelineModel::no_row, row.lane, y, header_height, header_height});
            y += header_height;
        }
        add(static_cast<std::uint32_t>(r));
        if (row.kind != RowKind::aggregate) {
            ++r;
            continue;
        }
        if (drilled_conn >= 0) {
            // Detail rows are sorted by connection: find the drilled one.
            auto first = rows.begin() + row.detail_first, last = rows.begin() + row.detail_last;
            auto it = std::lower_bound(first, last, drilled_conn, [](const TimelineRow& d, std::int32_t c) { return d.conn < c; });
            if (it != last && it->conn == drilled_conn) add(static_cast<std::uint32_t>(it - rows.begin()));
        }
        r = std::max<std::size_t>(r + 1, row.detail_last);
    }
}

const TimelineLine* line_showing(const TimelineModel& model, const std::vector<TimelineLine>& lines, std::uint32_t row) {
    if (row == TimelineModel::no_row) return nullptr;
    for (const TimelineLine& line : lines)
        if (line.row == row) return &line;
    const std::int32_t parent = model.rows()[row].parent;
    if (parent < 0) return nullptr;
    for (const TimelineLine& line : lines)
        if (line.row == static_cast<std::uint32_t>(parent)) return &line;
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
