// The event list. The filter widgets edit state.filter; the rows are
// re-filtered only when the filter or the trace changes. The table keeps a
// fixed row height so ImGuiListClipper can skip straight to the visible rows
// and the cursor's row can be scrolled to by arithmetic.
#include "ui/panel_events.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "trace/explain.hpp"
#include "ui/panel_explain.hpp"
#include "ui/stepper.hpp"

namespace loopscope::ui {
namespace {

void refresh_rows(const trace::Trace& trace, EventListState& state) {
    state.filter.text = state.text;
    state.filter.conn = state.conn_field < 0 ? -1 : state.conn_field;
    const bool same_trace = state.rows_trace == &trace && state.rows_trace_size == trace.size();
    if (state.rows_valid && same_trace && state.rows_filter == state.filter) return;
    if (!same_trace) {
        state.lanes_present = 0;
        for (const trace::Event& e : trace.events()) state.lanes_present |= lane_bit(trace::kind_spec(e.kind).lane);
    }
    state.rows = filter_events(trace, state.filter);
    state.rows_filter = state.filter;
    state.rows_trace = &trace;
    state.rows_trace_size = trace.size();
    state.rows_valid = true;
    state.last_cursor = SIZE_MAX;  // new rows: scroll to the cursor again
}

// Puts the next widget of `width` on this line when it fits, else on the next.
void flow(float width, bool first, const ViewStyle& style) {
    if (first) return;
    ImGui::SameLine(0.0f, style.px(8.0f));
    if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

void draw_lane_boxes(EventListState& state, const ViewStyle& style) {
    ImGui::TextUnformatted("Lanes:");
    for (int i = 0; i < trace::lane_count; ++i) {
        const auto lane = static_cast<trace::Lane>(i);
        if ((state.lanes_present & lane_bit(lane)) == 0) continue;
        const std::string name(trace::lane_name(lane));
        const float width = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(name.c_str()).x;
        flow(width, false, style);
        bool on = (state.filter.lanes & lane_bit(lane)) != 0;
        ImGui::PushStyleColor(ImGuiCol_Text, style.lane_colour(lane));
        ImGui::PushStyleColor(ImGuiCol_CheckMark, style.lane_colour(lane));
        if (ImGui::Checkbox((name + "##lane").c_str(), &on)) {
            if (on) state.filter.lanes |= lane_bit(lane);
            else state.filter.lanes &= ~lane_bit(lane);
        }
        ImGui::PopStyleColor(2);
    }
}

void draw_kind_popup(EventListState& state, const ViewStyle& style) {
    const std::size_t chosen = state.filter.kinds.count();
    const std::string button = chosen == 0 ? "Kinds: all" : "Kinds: " + std::to_string(chosen) + " chosen";
    if (ImGui::Button((button + "##kinds").c_str())) ImGui::OpenPopup("##kind_popup");
    if (ImGui::BeginPopup("##kind_popup")) {
        if (ImGui::Button("Show every kind")) state.filter.kinds.reset();
        ImGui::PushStyleColor(ImGuiCol_Text, style.text_dim);
        ImGui::TextUnformatted("Tick kinds to show only those.");
        ImGui::PopStyleColor();
        ImGui::Separator();
        for (const trace::KindSpec& spec : trace::all_kinds()) {
            const auto index = static_cast<std::size_t>(spec.kind);
            bool on = state.filter.kinds.test(index);
            ImGui::PushStyleColor(ImGuiCol_Text, style.lane_colour(spec.lane));
            if (ImGui::Checkbox(std::string(spec.name).c_str(), &on)) state.filter.kinds.set(index, on);
            ImGui::PopStyleColor();
        }
        ImGui::EndPopup();
    }
}

void draw_filters(const trace::Trace& trace, EventListState& state, const ViewStyle& style) {
    ImGui::PushID("event_filters");
    draw_lane_boxes(state, style);
    draw_kind_popup(state, style);
    flow(style.px(230.0f), false, style);
    ImGui::SetNextItemWidth(style.px(110.0f));
    if (ImGui::InputInt("connection (-1 = all)", &state.conn_field)) state.conn_field = std::max(state.conn_field, -1);
    flow(style.px(220.0f), false, style);
    ImGui::SetNextItemWidth(style.px(160.0f));
    ImGui::InputTextWithHint("##search", "search kinds", state.text, sizeof state.text);
    refresh_rows(trace, state);
    const std::string shown = std::to_string(state.rows.size()) + " of " + std::to_string(trace.size()) + " events shown";
    flow(ImGui::CalcTextSize(shown.c_str()).x, false, style);
    ImGui::PushStyleColor(ImGuiCol_Text, style.text_dim);
    ImGui::TextUnformatted(shown.c_str());
    ImGui::PopStyleColor();
    ImGui::PopID();
}

ImU32 cursor_row_colour(const ViewStyle& style) {
    return (style.cursor & ~IM_COL32_A_MASK) | (90u << IM_COL32_A_SHIFT);
}

// Scrolls the table's inner window so row `row` is in view, centred.
void scroll_to_row(std::size_t row, float row_h) {
    const float header_h = row_h;  // the frozen header row has the same height
    const float row_y = header_h + row_h * static_cast<float>(row);
    const float view_h = ImGui::GetWindowHeight();
    const float scroll = ImGui::GetScrollY();
    if (row_y >= scroll + header_h && row_y + row_h <= scroll + view_h) return;
    ImGui::SetScrollY(std::max(0.0f, row_y - header_h - (view_h - header_h - row_h) * 0.5f));
}

}  // namespace

std::optional<std::size_t> draw_event_list(const trace::Trace& trace, std::size_t cursor, EventListState& state,
                                           const ViewStyle& style) {
    if (trace.empty()) return std::nullopt;
    cursor = std::min(cursor, trace.size() - 1);
    draw_filters(trace, state, style);
    if (state.rows.empty()) {
        ImGui::TextDisabled("No event matches these filters.");
        return std::nullopt;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("##events", 5, flags, ImVec2(0.0f, 0.0f))) return std::nullopt;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("000.000 ms").x);
    ImGui::TableSetupColumn("lane", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("notifier").x);
    ImGui::TableSetupColumn("conn", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00000").x);
    ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("kernel.synack_retransmit").x);
    ImGui::TableSetupColumn("what happens", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();

    const float row_h = ImGui::GetTextLineHeight() + 2.0f * ImGui::GetStyle().CellPadding.y;
    const std::optional<std::size_t> cursor_row = row_at_or_before(state.rows, cursor);
    if (cursor != state.last_cursor) {
        state.last_cursor = cursor;
        if (cursor_row) scroll_to_row(*cursor_row, row_h);
    }

    std::optional<std::size_t> picked;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(state.rows.size()), row_h);
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const std::uint32_t index = state.rows[static_cast<std::size_t>(r)];
            const trace::Event& e = trace[index];
            const trace::KindSpec& spec = trace::kind_spec(e.kind);
            ImGui::TableNextRow(0, row_h);
            ImGui::TableNextColumn();
            ImGui::PushID(r);
            const std::string time = format_step_time(e.time);
            // The cursor's row in the cursor's colour, as on the timeline.
            ImGui::PushStyleColor(ImGuiCol_Header, cursor_row_colour(style));
            if (ImGui::Selectable(time.c_str(), index == cursor, ImGuiSelectableFlags_SpanAllColumns)) picked = index;
            ImGui::PopStyleColor();
            const bool hovered = ImGui::IsItemHovered();
            ImGui::PopID();
            // The cursor sits between two shown rows: a tint on the earlier one marks it.
            if (index != cursor && cursor_row && *cursor_row == static_cast<std::size_t>(r)) {
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1,
                                       (style.cursor & ~IM_COL32_A_MASK) | (40u << IM_COL32_A_SHIFT));
            }
            ImGui::TableNextColumn();
            ImGui::PushStyleColor(ImGuiCol_Text, style.lane_colour(spec.lane));
            ImGui::TextUnformatted(trace::lane_name(spec.lane).data(),
                                   trace::lane_name(spec.lane).data() + trace::lane_name(spec.lane).size());
            ImGui::PopStyleColor();
            ImGui::TableNextColumn();
            if (e.conn != trace::no_conn) ImGui::Text("%d", e.conn);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(spec.name.data(), spec.name.data() + spec.name.size());
            ImGui::TableNextColumn();
            const std::string sentence = trace::explain(trace, index);
            ImGui::TextUnformatted(sentence.c_str());
            if (hovered) {
                // The sentence column may be narrower than the sentence: the tooltip has it whole.
                ImGui::BeginTooltip();
                ImGui::TextUnformatted(wrap_at_spaces(sentence, style.px(480.0f)).c_str());
                ImGui::EndTooltip();
            }
        }
    }
    ImGui::EndTable();
    return picked;
}

}  // namespace loopscope::ui
