// Gauges: the colour rule, their text, and the pipeline layout. Everything
// is measured from the current font and style.px(), so presenter mode
// scales it, and a pipeline too wide for the panel wraps onto more rows
// instead of clipping its text.
#include <algorithm>
#include <vector>

#include "trace/explain.hpp"
#include "ui/inspector_draw.hpp"
#include "ui/panel_explain.hpp"
#include "ui/panel_inspector.hpp"

namespace loopscope::ui {

GaugeLevel gauge_level(std::uint64_t level, std::uint64_t capacity, bool zero_window) {
    if (zero_window) return GaugeLevel::bad;
    if (capacity == 0) return GaugeLevel::good;
    if (level >= capacity) return GaugeLevel::bad;
    // 75% in integers: level / capacity >= 3 / 4.
    if (level * 4 >= capacity * 3) return GaugeLevel::warn;
    return GaugeLevel::good;
}

ImU32 gauge_colour(GaugeLevel level, const ViewStyle& style) {
    switch (level) {
        case GaugeLevel::good: return style.good;
        case GaugeLevel::warn: return style.warn;
        case GaugeLevel::bad: return style.bad;
    }
    return style.good;
}

std::string gauge_text(std::uint64_t level, std::uint64_t capacity, bool bytes) {
    const auto amount = [bytes](std::uint64_t n) { return bytes ? trace::format_bytes(n) : std::to_string(n); };
    if (capacity == 0) return amount(level);
    return amount(level) + " / " + amount(capacity);
}

namespace inspector {
namespace {

ImU32 with_alpha(ImU32 colour, unsigned alpha) {
    return (colour & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT);
}

float text_width(const std::string& text) { return ImGui::CalcTextSize(text.c_str()).x; }

struct Metrics {
    float line = 0;    // text line height
    float bar = 0;     // bar height
    float gap = 0;     // between lines
    float pad = 0;     // inside the cell
    float arrow = 0;   // width of the arrow between cells
    float height = 0;  // whole cell
};

Metrics metrics(const ViewStyle& style, bool any_note) {
    Metrics m;
    m.line = ImGui::GetTextLineHeight();
    m.bar = std::max(style.px(12.0f), m.line * 0.8f);
    m.gap = style.px(2.0f);
    m.pad = style.px(4.0f);
    m.arrow = style.px(22.0f);
    m.height = m.pad * 2 + m.line * (any_note ? 3 : 2) + m.bar + m.gap * (any_note ? 3 : 2);
    return m;
}

float cell_width(const Gauge& g, const Metrics& m) {
    const float widest = std::max({text_width(g.title), text_width(gauge_text(g.level, g.capacity, g.bytes)),
                                   g.note.empty() ? 0.0f : text_width(g.note)});
    return widest + 2 * m.pad;
}

// One gauge: title, bar, value, note; top-left at `at`.
void draw_cell(ImDrawList* draw, ImVec2 at, float width, const Gauge& g, const Metrics& m, const ViewStyle& style) {
    const ImU32 colour = gauge_colour(gauge_level(g.level, g.capacity, g.zero_window), style);
    draw->AddRect(at, ImVec2(at.x + width, at.y + m.height), style.grid, style.px(3.0f), 0, style.line_thickness);
    float y = at.y + m.pad;
    const float x = at.x + m.pad;
    draw->AddText(ImVec2(x, y), style.text_dim, g.title.c_str());
    y += m.line + m.gap;
    const ImVec2 bar_min(x, y);
    const ImVec2 bar_max(at.x + width - m.pad, y + m.bar);
    const float bar_w = bar_max.x - bar_min.x;
    draw->AddRectFilled(bar_min, bar_max, with_alpha(style.grid, 160));
    if (g.capacity > 0 && g.level > 0) {
        const auto fraction = [&](std::uint64_t n) {
            return static_cast<float>(std::min<double>(1.0, static_cast<double>(n) / static_cast<double>(g.capacity)));
        };
        // Anything above zero shows at least a sliver, so "almost empty" is not "empty".
        const float filled = std::max(style.px(2.0f), bar_w * fraction(g.level));
        const float solid = std::min(filled, bar_w * fraction(std::min(g.solid, g.level)));
        if (solid > 0) draw->AddRectFilled(bar_min, ImVec2(bar_min.x + solid, bar_max.y), colour);
        if (filled > solid) {
            // The lighter part (sent, waiting for its ACK) keeps an outline so it reads as "still held".
            draw->AddRectFilled(ImVec2(bar_min.x + solid, bar_min.y), ImVec2(bar_min.x + filled, bar_max.y),
                                with_alpha(colour, 90));
            draw->AddRect(ImVec2(bar_min.x + solid, bar_min.y), ImVec2(bar_min.x + filled, bar_max.y), colour, 0.0f,
                          0, style.line_thickness);
        }
    }
    y += m.bar + m.gap;
    draw->AddText(ImVec2(x, y), style.text, gauge_text(g.level, g.capacity, g.bytes).c_str());
    if (!g.note.empty()) {
        y += m.line + m.gap;
        draw->AddText(ImVec2(x, y), g.zero_window ? style.bad : style.text_dim, g.note.c_str());
    }
}

void arrow_right(ImDrawList* draw, ImVec2 from, float length, const ViewStyle& style) {
    const float head = style.px(5.0f);
    const ImVec2 to(from.x + length, from.y);
    draw->AddLine(from, ImVec2(to.x - head, to.y), style.text_dim, style.line_thickness * 1.5f);
    draw->AddTriangleFilled(to, ImVec2(to.x - head * 1.6f, to.y - head), ImVec2(to.x - head * 1.6f, to.y + head),
                            style.text_dim);
}

}  // namespace

void draw_pipeline(std::span<const Gauge> gauges, const ViewStyle& style) {
    if (gauges.empty()) return;
    const bool any_note = std::any_of(gauges.begin(), gauges.end(), [](const Gauge& g) { return !g.note.empty(); });
    const Metrics m = metrics(style, any_note);
    std::vector<float> widths;
    for (const Gauge& g : gauges) widths.push_back(cell_width(g, m));
    const float avail = std::max(ImGui::GetContentRegionAvail().x, *std::max_element(widths.begin(), widths.end()));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float row_gap = style.px(6.0f);
    // Rows as full as the panel allows; a row that continues the pipeline
    // starts with an arrow, so the order still reads left to right.
    float y = origin.y;
    std::size_t first = 0;
    while (first < gauges.size()) {
        const float lead = first == 0 ? 0.0f : m.arrow;
        std::size_t end = first + 1;
        float used = lead + widths[first];
        while (end < gauges.size() && used + m.arrow + widths[end] <= avail) used += m.arrow + widths[end++];
        // Spare width is shared out so the bars are as long as possible.
        const float extra = (avail - used) / static_cast<float>(end - first);
        float x = origin.x;
        for (std::size_t i = first; i < end; ++i) {
            if (i > 0) {
                arrow_right(draw, ImVec2(x + style.px(3.0f), y + m.height * 0.5f), m.arrow - style.px(6.0f), style);
                x += m.arrow;
            }
            const float w = widths[i] + extra;
            draw_cell(draw, ImVec2(x, y), w, gauges[i], m, style);
            x += w;
        }
        y += m.height + row_gap;
        first = end;
    }
    ImGui::Dummy(ImVec2(avail, y - origin.y - row_gap));
}

void text_in(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
    ImGui::PopStyleColor();
}

void wrapped_in(ImU32 colour, const std::string& text) {
    const std::string lines = wrap_at_spaces(text, ImGui::GetContentRegionAvail().x);
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(lines.c_str(), lines.c_str() + lines.size());
    ImGui::PopStyleColor();
}

void heading(const char* text, const ViewStyle& style) {
    ImGui::Dummy(ImVec2(0.0f, style.px(2.0f)));
    text_in(style.text, text);
}

ImU32 readable_on(ImU32 fill) {
    const unsigned r = (fill >> IM_COL32_R_SHIFT) & 0xFF, g = (fill >> IM_COL32_G_SHIFT) & 0xFF,
                   b = (fill >> IM_COL32_B_SHIFT) & 0xFF;
    // Integer approximation of relative luminance (ITU-R BT.601 weights).
    return (r * 299 + g * 587 + b * 114) / 1000 > 140 ? IM_COL32(15, 15, 15, 255) : IM_COL32(255, 255, 255, 255);
}

void badge(const std::string& text, bool lit, ImU32 colour, const ViewStyle& style, bool first) {
    const float pad = style.px(5.0f);
    const ImVec2 size(ImGui::CalcTextSize(text.c_str()).x + 2 * pad, ImGui::GetTextLineHeight() + style.px(4.0f));
    if (!first) {
        ImGui::SameLine(0.0f, style.px(6.0f));
        // Not enough room left on this line: start a new one instead of clipping.
        if (ImGui::GetContentRegionAvail().x < size.x) ImGui::NewLine();
    }
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(at.x + size.x, at.y + size.y);
    if (lit) draw->AddRectFilled(at, end, colour, size.y * 0.5f);
    else draw->AddRect(at, end, style.grid, size.y * 0.5f, 0, style.line_thickness);
    draw->AddText(ImVec2(at.x + pad, at.y + style.px(2.0f)), lit ? readable_on(colour) : style.text_dim, text.c_str());
    ImGui::Dummy(size);
}

}  // namespace inspector
}  // namespace loopscope::ui
