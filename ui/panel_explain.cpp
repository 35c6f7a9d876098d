// The explanation panel. The caption box is drawn behind its text with two
// draw-list channels, because the box's height is only known once the
// wrapped text has been laid out.
#include "ui/panel_explain.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include <imgui_internal.h>

#include "trace/explain.hpp"
#include "ui/stepper.hpp"

namespace loopscope::ui {
namespace {

// "·" in UTF-8; the default ImGui font has it (Latin-1).
constexpr const char* dot = " \xC2\xB7 ";

void text_in(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
    ImGui::PopStyleColor();
}

void wrapped_in(ImU32 colour, std::string_view text, float width) {
    const std::string lines = wrap_at_spaces(text, width);
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(lines.c_str(), lines.c_str() + lines.size());
    ImGui::PopStyleColor();
}

void wrapped_in(ImU32 colour, std::string_view text) { wrapped_in(colour, text, ImGui::GetContentRegionAvail().x); }

void draw_heading(const trace::Trace& trace, std::size_t cursor, const ViewStyle& style) {
    const trace::Event& e = trace[cursor];
    const trace::Lane lane = trace::kind_spec(e.kind).lane;
    const float spacing = 0.0f;
    text_in(style.text_dim, "Step " + std::to_string(cursor + 1) + " of " + std::to_string(trace.size()) + dot +
                                format_step_time(e.time) + dot);
    ImGui::SameLine(0.0f, spacing);
    text_in(style.lane_colour(lane), std::string(trace::lane_name(lane)));
    if (e.conn != trace::no_conn) {
        ImGui::SameLine(0.0f, spacing);
        text_in(style.text_dim, std::string(dot) + "conn " + std::to_string(e.conn));
    }
}

// How far back the caption is, in steps, looking at most `limit` steps back
// (a scan per frame must stay cheap on a 1M-event trace); nullopt = further.
std::optional<std::size_t> steps_since_caption(const trace::Trace& trace, std::size_t cursor, std::size_t limit) {
    for (std::size_t back = 0; back <= limit && back <= cursor; ++back)
        if (trace[cursor - back].kind == trace::Kind::note_caption) return back;
    return std::nullopt;
}

// The last caption at or before the cursor, as the state remembers it. When
// the cursor has moved well past it, the box says so and is drawn dimmer,
// so an old caption is not read as a description of the current step.
void draw_caption_box(const trace::Trace& trace, const trace::WorldState& state, std::size_t cursor,
                      const ViewStyle& style) {
    if (state.caption_text < 0) return;
    constexpr std::size_t recent = 40;
    const std::optional<std::size_t> since = steps_since_caption(trace, cursor, recent);
    const bool stale = !since.has_value();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float pad = style.px(8.0f);
    draw->ChannelsSplit(2);
    draw->ChannelsSetCurrent(1);
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const float right = start.x + ImGui::GetContentRegionAvail().x;
    ImGui::SetCursorScreenPos(ImVec2(start.x + pad, start.y + pad));
    ImGui::BeginGroup();
    text_in(style.lane_colour(trace::Lane::note),
            "Lesson step " + std::to_string(state.caption_step) +
                (stale ? " (from earlier in the lesson)" : ""));
    wrapped_in(stale ? style.text_dim : style.text, trace.text(state.caption_text), right - start.x - 2 * pad);
    ImGui::EndGroup();
    const ImVec2 text_max = ImGui::GetItemRectMax();
    const ImVec2 box_max(std::max(right, text_max.x + pad), text_max.y + pad);
    draw->ChannelsSetCurrent(0);
    const ImU32 accent = style.lane_colour(trace::Lane::wire);
    draw->AddRectFilled(start, box_max, (accent & 0x00FFFFFFu) | (40u << IM_COL32_A_SHIFT), style.px(4.0f));
    draw->AddRectFilled(start, ImVec2(start.x + style.px(4.0f), box_max.y), accent);
    draw->ChannelsMerge();
    ImGui::SetCursorScreenPos(ImVec2(start.x, box_max.y));
    ImGui::Dummy(ImVec2(0.0f, style.px(6.0f)));
}

}  // namespace

std::string wrap_at_spaces(std::string_view text, float width) {
    std::string out;
    float line = 0.0f;
    const float space = ImGui::CalcTextSize(" ").x;
    while (!text.empty()) {
        const std::size_t end = text.find_first_of(" \n");
        const std::string_view word = text.substr(0, end);
        const float w = ImGui::CalcTextSize(word.data(), word.data() + word.size()).x;
        if (line > 0.0f && line + space + w > width) {
            out += '\n';
            line = 0.0f;
        } else if (line > 0.0f) {
            out += ' ';
            line += space;
        }
        out += word;
        line += w;
        if (end == std::string_view::npos) break;
        if (text[end] == '\n') {
            out += '\n';
            line = 0.0f;
        }
        text.remove_prefix(end + 1);
    }
    return out;
}

std::string step_heading(const trace::Trace& trace, std::size_t cursor) {
    const trace::Event& e = trace[cursor];
    std::string line = "Step " + std::to_string(cursor + 1) + " of " + std::to_string(trace.size()) + dot +
                       format_step_time(e.time) + dot + std::string(trace::lane_name(trace::kind_spec(e.kind).lane));
    if (e.conn != trace::no_conn) line += std::string(dot) + "conn " + std::to_string(e.conn);
    return line;
}

void draw_explanation(const trace::Trace& trace, std::size_t cursor, const trace::WorldState& state,
                      const ViewStyle& style, ImFont* large_font) {
    if (trace.empty()) return;
    cursor = std::min(cursor, trace.size() - 1);
    draw_heading(trace, cursor, style);
    ImGui::Dummy(ImVec2(0.0f, style.px(2.0f)));

    // A caption step's sentence is the caption itself, shown in the box below.
    if (trace[cursor].kind != trace::Kind::note_caption) {
        // The window's own font scale is restored afterwards, whatever the app set.
        const float window_scale = ImGui::GetCurrentWindow()->FontWindowScale;
        if (large_font != nullptr) ImGui::PushFont(large_font);
        else ImGui::SetWindowFontScale(1.4f * style.scale);
        wrapped_in(style.text, trace::explain(trace, cursor));
        if (large_font != nullptr) ImGui::PopFont();
        else ImGui::SetWindowFontScale(window_scale);
        ImGui::Dummy(ImVec2(0.0f, style.px(6.0f)));
    }

    draw_caption_box(trace, state, cursor, style);

    if (cursor + 1 < trace.size()) {
        text_in(style.text_dim, "What happens next:");
        wrapped_in(style.text_dim, trace::explain(trace, cursor + 1));
    } else {
        text_in(style.text_dim, "This is the last step.");
    }
}

}  // namespace loopscope::ui
