// Drawing the flow graph. Rows have one fixed height so ImGuiListClipper
// only lays out the rows on screen: a million-event trace costs the same per
// frame as a lesson. The endpoint labels are drawn last, pinned to the top
// of the scrolled area, so they stay visible like a table header.
#include "ui/panel_sequence.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "trace/explain.hpp"
#include "ui/panel_explain.hpp"
#include "ui/stepper.hpp"

namespace loopscope::ui {
namespace {

struct Layout {
    float time_w = 0;    // the time column at the left
    float col_w = 0;     // one endpoint column
    float header_h = 0;  // endpoint labels
    float row_h = 0;
    float line = 0;
    float content_w = 0;
    ImVec2 origin;       // screen position of the content's top-left (scrolls)
    float x(std::size_t column) const { return origin.x + time_w + col_w * (static_cast<float>(column) + 0.5f); }
};

// Which endpoints are columns, and each segment's columns, in the current
// view. With all connections shown, only as many client columns as fit the
// panel are drawn; the model's other clients share one last column.
struct Columns {
    std::vector<SequenceEndpoint> endpoints;
    std::int32_t only_conn = -1;     // one-connection view: server is 0, the client 1
    std::uint16_t shown_clients = 0; // model columns 1..shown_clients are drawn as they are
    std::uint16_t others = 0;        // the "other clients" column, 0 when there is none
    std::uint16_t map(std::uint16_t model_column) const {
        return model_column <= shown_clients ? model_column : others;
    }
    std::uint16_t from(const SequenceSegment& s) const { return only_conn < 0 ? map(s.from) : (s.from_client ? 1 : 0); }
    std::uint16_t to(const SequenceSegment& s) const { return only_conn < 0 ? map(s.to) : (s.from_client ? 0 : 1); }
};


void refresh_rows(const SequenceModel& model, SequenceState& state) {
    if (state.rows_model == &model && state.rows_model_segments == model.segments.size() &&
        state.rows_conn == state.conn_filter)
        return;
    state.rows = segment_rows(model, state.conn_filter);
    state.rows_model = &model;
    state.rows_model_segments = model.segments.size();
    state.rows_conn = state.conn_filter;
    state.last_cursor = SIZE_MAX;  // new rows: scroll to the cursor again
}

void draw_filter(const SequenceModel& model, std::size_t cursor, const trace::Trace& trace, SequenceState& state,
                 const ViewStyle& style) {
    // The picker starts at the first client rather than at a connection 0 that never exists.
    if (state.conn_field <= 0 && model.endpoints.size() > 1) state.conn_field = model.endpoints[1].conn;
    if (ImGui::RadioButton("All connections", state.conn_filter < 0)) state.conn_filter = -1;
    ImGui::SameLine();
    if (ImGui::RadioButton("One connection:", state.conn_filter >= 0)) {
        // Start from the cursor's connection, which is usually the one of interest.
        if (trace[cursor].conn != trace::no_conn) state.conn_field = trace[cursor].conn;
        state.conn_filter = std::max(state.conn_field, 0);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(style.px(110.0f));
    if (ImGui::InputInt("##sequence_conn", &state.conn_field)) {
        state.conn_field = std::max(state.conn_field, 0);
        state.conn_filter = state.conn_field;
    }
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, style.text_dim);
    ImGui::TextUnformatted((trace::format_count(state.rows.size()) + " packets").c_str());
    ImGui::PopStyleColor();
}

float time_column_width(const ViewStyle& style) { return ImGui::CalcTextSize("000.000 ms").x + style.px(12.0f); }

// A column wide enough for the widest first line of a header label, with room around it.
float min_column_width(const ViewStyle& style) {
    return std::max(style.px(110.0f), ImGui::CalcTextSize("other clients").x + style.px(24.0f));
}

// Header labels take two lines, the name over its port or count ("client" /
// ":52001", "other clients" / "(9,990)"), so columns can stay narrow.
std::pair<std::string, std::string> header_lines(const std::string& label) {
    std::size_t split = label.find(" :");
    if (split == std::string::npos) split = label.find(" (");
    if (split == std::string::npos) return {label, {}};
    return {label.substr(0, split), label.substr(split + 1)};
}

Columns make_columns(const trace::Trace& trace, const SequenceModel& model, const SequenceState& state,
                     const ViewStyle& style) {
    Columns columns;
    columns.endpoints.push_back(model.endpoints.front());
    if (state.conn_filter >= 0) {
        columns.only_conn = state.conn_filter;
        columns.endpoints.push_back({SequenceEndpoint::Role::client, state.conn_filter, client_label(trace, state.conn_filter)});
        return columns;
    }
    std::size_t model_clients = 0;
    for (const SequenceEndpoint& e : model.endpoints) model_clients += e.role == SequenceEndpoint::Role::client ? 1 : 0;
    const float avail = ImGui::GetContentRegionAvail().x - time_column_width(style);
    const auto fit = static_cast<std::size_t>(std::max(2.0f, avail / min_column_width(style)));  // server included
    std::size_t shown = std::min(model_clients, fit - 1);
    // Folding clients needs a column of its own for them.
    if (shown < model.connection_count && shown + 2 > fit && shown > 1) --shown;
    columns.shown_clients = static_cast<std::uint16_t>(shown);
    for (std::size_t c = 1; c <= shown; ++c) columns.endpoints.push_back(model.endpoints[c]);
    if (shown < model.connection_count) {
        columns.others = static_cast<std::uint16_t>(columns.endpoints.size());
        columns.endpoints.push_back({SequenceEndpoint::Role::other_clients, trace::no_conn,
                                     "other clients (" + trace::format_count(model.connection_count - shown) + ")"});
    }
    return columns;
}

Layout make_layout(const Columns& columns, const ViewStyle& style) {
    Layout l;
    l.line = ImGui::GetTextLineHeight();
    l.time_w = time_column_width(style);
    float widest = 0;
    for (const SequenceEndpoint& e : columns.endpoints) {
        const auto [first, second] = header_lines(e.label);
        widest = std::max({widest, ImGui::CalcTextSize(first.c_str()).x, ImGui::CalcTextSize(second.c_str()).x});
    }
    const float avail = ImGui::GetContentRegionAvail().x;
    const float min_col = std::max(min_column_width(style), widest + style.px(16.0f));
    l.col_w = std::max(min_col, (avail - l.time_w) / static_cast<float>(columns.endpoints.size()));
    l.header_h = 2 * l.line + style.px(10.0f);
    l.row_h = 2 * l.line + style.px(10.0f);
    l.content_w = l.time_w + l.col_w * static_cast<float>(columns.endpoints.size());
    return l;
}

void draw_row(ImDrawList* draw, const trace::Trace& trace, const SequenceSegment& s, const Columns& columns,
              const Layout& l, ImVec2 top, float height, const ViewStyle& style) {
    for (std::size_t c = 0; c < columns.endpoints.size(); ++c)
        draw->AddLine(ImVec2(l.x(c), top.y), ImVec2(l.x(c), top.y + height + ImGui::GetStyle().ItemSpacing.y),
                      style.grid, style.line_thickness);
    draw->AddText(ImVec2(top.x + style.px(4.0f), top.y + l.line * 0.5f + style.px(4.0f)), style.text_dim,
                  format_step_time(s.sent).c_str());
    const float x_from = l.x(columns.from(s));
    const float x_to = l.x(columns.to(s));
    const float y = top.y + l.line + style.px(7.0f);
    const ImU32 colour = s.lost ? style.bad : s.retransmit ? style.warn : style.lane_colour(trace::Lane::wire);
    const float direction = x_to >= x_from ? 1.0f : -1.0f;
    const float head = style.px(6.0f);
    // A lost segment stops part way, where the network dropped it.
    const float x_end = s.lost ? x_from + (x_to - x_from) * 0.6f : x_to;
    draw->AddLine(ImVec2(x_from, y), ImVec2(x_end - (s.lost ? 0.0f : direction * head), y), colour,
                  style.line_thickness * 1.5f);
    if (s.lost) {
        const float k = style.px(5.0f);
        draw->AddLine(ImVec2(x_end - k, y - k), ImVec2(x_end + k, y + k), colour, style.line_thickness * 2.0f);
        draw->AddLine(ImVec2(x_end - k, y + k), ImVec2(x_end + k, y - k), colour, style.line_thickness * 2.0f);
    } else {
        draw->AddTriangleFilled(ImVec2(x_to, y), ImVec2(x_to - direction * head * 1.6f, y - head * 0.8f),
                                ImVec2(x_to - direction * head * 1.6f, y + head * 0.8f), colour);
    }
    const std::string label = segment_label(trace, s);
    const float label_w = ImGui::CalcTextSize(label.c_str()).x;
    // Centred over the part of the arrow in view, and never over the time column.
    const float view_left = std::max(ImGui::GetWindowPos().x + l.time_w, top.x + l.time_w);
    const float view_right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    const float lo = std::max(std::min(x_from, x_to), view_left);
    const float hi = std::min(std::max(x_from, x_to), view_right);
    float label_x = (x_from + x_to - label_w) * 0.5f;
    if (hi - lo >= label_w) label_x = std::clamp(label_x, lo, hi - label_w);
    label_x = std::max(label_x, top.x + l.time_w);
    draw->AddText(ImVec2(label_x, top.y + style.px(3.0f)), s.lost ? style.bad : style.text, label.c_str());
}

void draw_header(ImDrawList* draw, const Columns& columns, const Layout& l, const ViewStyle& style) {
    // Pinned to the visible top of the child window, over the rows scrolled beneath it.
    const ImVec2 window = ImGui::GetWindowPos();
    const float top = window.y;
    draw->AddRectFilled(ImVec2(l.origin.x, top), ImVec2(l.origin.x + l.content_w, top + l.header_h),
                        ImGui::GetColorU32(ImGuiCol_WindowBg) | IM_COL32_A_MASK);
    draw->AddText(ImVec2(l.origin.x + style.px(4.0f), top + style.px(4.0f)), style.text_dim, "time");
    for (std::size_t c = 0; c < columns.endpoints.size(); ++c) {
        const auto [first, second] = header_lines(columns.endpoints[c].label);
        const ImU32 colour = columns.endpoints[c].role == SequenceEndpoint::Role::server
                                 ? style.lane_colour(trace::Lane::kernel)
                                 : style.lane_colour(trace::Lane::client);
        draw->AddText(ImVec2(l.x(c) - ImGui::CalcTextSize(first.c_str()).x * 0.5f, top + style.px(4.0f)), colour,
                      first.c_str());
        draw->AddText(ImVec2(l.x(c) - ImGui::CalcTextSize(second.c_str()).x * 0.5f, top + style.px(4.0f) + l.line),
                      colour, second.c_str());
    }
    draw->AddLine(ImVec2(l.origin.x, top + l.header_h - 1.0f), ImVec2(l.origin.x + l.content_w, top + l.header_h - 1.0f),
                  style.grid, style.line_thickness);
}

}  // namespace

std::optional<std::size_t> draw_sequence(const trace::Trace& trace, const SequenceModel& model, std::size_t cursor,
                                         SequenceState& state, const ViewStyle& style) {
    if (trace.empty()) return std::nullopt;
    cursor = std::min(cursor, trace.size() - 1);
    refresh_rows(model, state);
    draw_filter(model, cursor, trace, state, style);
    refresh_rows(model, state);  // the filter may have changed this frame
    if (model.segments.empty()) {
        // A real run sees packets only through libpcap: say how to get them,
        // since the lesson's captions talk about the wire.
        if (trace.header.source == "real")
            ImGui::TextWrapped("No packets in this trace: a real run records the socket calls, and the packets "
                               "only when it captures them. Run it again with --capture (loopscope real LESSON "
                               "--capture -o trace.jsonl; needs root or CAP_NET_RAW) to see the SYN, the data "
                               "and the FIN here and on the wire lane.");
        else
            ImGui::TextDisabled("No packets on the wire in this trace.");
        return std::nullopt;
    }
    if (state.rows.empty()) {
        ImGui::TextDisabled("Connection %d sent no packets.", state.conn_filter);
        return std::nullopt;
    }
    std::optional<std::size_t> picked;
    if (!ImGui::BeginChild("##sequence_rows", ImVec2(0.0f, 0.0f), false, ImGuiWindowFlags_HorizontalScrollbar)) {
        ImGui::EndChild();
        return std::nullopt;
    }
    const Columns columns = make_columns(trace, model, state, style);
    Layout l = make_layout(columns, style);
    l.origin = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(l.content_w, l.header_h - ImGui::GetStyle().ItemSpacing.y));

    const std::optional<std::size_t> cursor_row = segment_row_at_or_before(model, state.rows, cursor);
    if (cursor != state.last_cursor) {
        state.last_cursor = cursor;
        if (cursor_row) {
            const float row_y = l.header_h + l.row_h * static_cast<float>(*cursor_row);
            const float view_h = ImGui::GetWindowHeight();
            const float scroll = ImGui::GetScrollY();
            if (row_y < scroll + l.header_h || row_y + l.row_h > scroll + view_h)
                ImGui::SetScrollY(std::max(0.0f, row_y - (view_h - l.header_h - l.row_h) * 0.5f - l.header_h));
        }
    }

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float header_bottom = ImGui::GetWindowPos().y + l.header_h;
    const float item_h = l.row_h - ImGui::GetStyle().ItemSpacing.y;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(state.rows.size()), l.row_h);
    while (clipper.Step()) {
        for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
            const SequenceSegment& s = model.segments[state.rows[static_cast<std::size_t>(r)]];
            const ImVec2 top = ImGui::GetCursorScreenPos();
            ImGui::PushID(r);
            const bool current = cursor_row && *cursor_row == static_cast<std::size_t>(r);
            // The cursor's row in the cursor's colour, as on the timeline.
            ImGui::PushStyleColor(ImGuiCol_Header, (style.cursor & ~IM_COL32_A_MASK) | (90u << IM_COL32_A_SHIFT));
            // Rows under the pinned header are hidden, so they do not take clicks.
            if (ImGui::Selectable("##segment", current, 0, ImVec2(l.content_w, item_h)) &&
                ImGui::GetIO().MousePos.y > header_bottom)
                picked = s.event;
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered() && ImGui::GetIO().MousePos.y > header_bottom) {
                const std::string tip = trace::explain(trace, s.event);
                ImGui::BeginTooltip();
                ImGui::TextUnformatted(wrap_at_spaces(tip, style.px(420.0f)).c_str());
                ImGui::EndTooltip();
            }
            ImGui::PopID();
            draw_row(draw, trace, s, columns, l, ImVec2(l.origin.x, top.y), item_h, style);
        }
    }
    draw_header(draw, columns, l, style);
    ImGui::EndChild();
    return picked;
}

}  // namespace loopscope::ui
