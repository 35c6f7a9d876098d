// The timeline's level painters: buffer levels and queue lengths drawn as
// faint plots inside their rows (with the values at the cursor below the
// events), or in bands of their own under the row when a group's header
// switch asks for them; and the legend that tells them apart in the gutter.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

#include "trace/explain.hpp"
#include "ui/timeline_draw.hpp"

namespace loopscope::ui {
namespace {

// The colour of a level in plots, legends and values: the layer the bytes
// are in (user space is JavaScript's, the send buffer feeds the wire).
ImU32 level_colour(const ViewStyle& style, LevelQuantity quantity) {
    switch (quantity) {
        case LevelQuantity::writable_length: return style.lane_colour(trace::Lane::js);
        case LevelQuantity::send_buffer: return style.lane_colour(trace::Lane::wire);
        case LevelQuantity::syn_queue: return style.lane_colour(trace::Lane::notifier);
        default: return style.lane_colour(trace::Lane::kernel);
    }
}

// The one word telling the levels of a row apart ("send" / "receive" buffer).
const char* level_word(LevelQuantity quantity) {
    switch (quantity) {
        case LevelQuantity::writable_length: return "writable";
        case LevelQuantity::send_buffer: return "send";
        case LevelQuantity::recv_buffer: return "receive";
        case LevelQuantity::syn_queue: return "SYN";
        case LevelQuantity::accept_queue: return "accept";
    }
    return "";
}

// Draws coloured pieces of text one after another; returns the x after them.
float draw_pieces(const TimelineFrame& f, float size, ImVec2 at, std::initializer_list<std::pair<ImU32, std::string>> pieces) {
    for (const auto& [colour, text] : pieces) {
        text_at(f.draw, size, at, colour, text);
        at.x += text_width(size, text);
    }
    return at.x;
}

std::string level_text(const LevelSeries& s, std::int64_t value) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(value, 0));
    std::string text = s.is_bytes ? trace::format_bytes(v) : trace::format_count(v);
    if (s.capacity > 0) text += " / " + (s.is_bytes ? trace::format_bytes(static_cast<std::uint64_t>(s.capacity)) : trace::format_count(static_cast<std::uint64_t>(s.capacity)));
    return text;
}

// A level as a filled plot between y `base` and `base - height`, scaled
// to its capacity: light up to the lowest value of each pixel bucket,
// stronger where it moved within the bucket.
void draw_level_plot(const TimelineFrame& f, const LevelSeries& s, float base, float height, float alpha) {
    const double scale = static_cast<double>(s.scale());
    auto y_of = [&](std::int64_t v) { return base - static_cast<float>(static_cast<double>(v) / scale) * height; };
    const ImU32 colour = level_colour(f.style, s.quantity);
    level_buckets(s, f.view.axis, std::max(1.0f, f.style.px(2)), f.view.levels);
    for (const LevelBucket& bucket : f.view.levels) {
        if (bucket.high <= 0) continue;
        f.draw->AddRectFilled(ImVec2(bucket.x0, y_of(bucket.high)), ImVec2(bucket.x1, base), fade(colour, alpha));
        if (bucket.low != bucket.high)
            f.draw->AddRectFilled(ImVec2(bucket.x0, y_of(bucket.high)), ImVec2(bucket.x1, y_of(bucket.low)), fade(colour, alpha * 1.8f));
    }
}

// A value next to the cursor line, on a faint background so it reads over
// the plot; placed left of the cursor when the right has no room.
void draw_value_at_cursor(const TimelineFrame& f, float cursor_x, float y, ImU32 colour, const std::string& text) {
    const float small = f.font * small_text;
    const float w = text_width(small, text);
    float x = cursor_x + f.style.px(4);
    if (x + w > f.plot_right()) x = cursor_x - f.style.px(4) - w;
    f.draw->AddRectFilled(ImVec2(x - f.style.px(2), y), ImVec2(x + w + f.style.px(2), y + small), fade(f.style.background, 0.8f));
    text_at(f.draw, small, ImVec2(x, y), colour, text);
}

}  // namespace

// Under a row holding its levels: which level is which, in their colours
// ("send / receive buffer").
void draw_level_legend(const TimelineFrame& f, const TimelineRow& row, ImVec2 at) {
    const float small = f.font * small_text;
    for (std::size_t i = 0; i < row.series.size(); ++i) {
        const LevelSeries& s = f.model.series()[row.series[i]];
        if (i > 0) at.x = draw_pieces(f, small, at, {{f.style.text_dim, " / "}});
        at.x = draw_pieces(f, small, at, {{level_colour(f.style, s.quantity), level_word(s.quantity)}});
    }
    const bool queues = f.model.series()[row.series.front()].quantity >= LevelQuantity::syn_queue;
    draw_pieces(f, small, at, {{f.style.text_dim, queues ? " queue" : " buffer"}});
}

// Levels in their own bands under the strip, one band each (the detailed
// layout a group's header switches on).
void draw_bands(const TimelineFrame& f, const TimelineRow& row, float top, std::size_t cursor) {
    const float pad = f.style.px(2);
    const float small = f.font * small_text;
    const float cursor_x = f.view.axis.x_of(f.trace[cursor].time);
    for (std::size_t b = 0; b < row.series.size(); ++b) {
        const LevelSeries& s = f.model.series()[row.series[b]];
        const float band_top = top + f.strip + static_cast<float>(b) * f.band;
        const float base = band_top + f.band - pad;
        const float height = f.band - 2 * pad;
        f.draw->AddLine(ImVec2(f.plot_left(), base), ImVec2(f.plot_right(), base), fade(f.style.grid, 0.8f));
        draw_level_plot(f, s, base, height, 0.45f);
        if (s.capacity > 0) {
            const float y = base - static_cast<float>(static_cast<double>(s.capacity) / static_cast<double>(s.scale())) * height;
            f.draw->AddLine(ImVec2(f.plot_left(), y), ImVec2(f.plot_right(), y), fade(f.style.warn, 0.7f), f.style.line_thickness);
        }
        // The value as of the cursor's step, as the inspector shows it.
        if (cursor_x >= f.plot_left() && cursor_x <= f.plot_right())
            draw_value_at_cursor(f, cursor_x, band_top + (f.band - small) * 0.5f, f.style.text, level_text(s, s.value_at_event(cursor)));
    }
}

// Levels inside their row: faint plots behind the events, and under them
// the values at the cursor that are not zero ("send 23 bytes / 16 KiB").
void draw_row_levels(const TimelineFrame& f, const TimelineRow& row, const TimelineLine& line, float top, std::size_t cursor) {
    const float pad = f.style.px(2);
    const float base = top + line.height - pad;
    for (std::uint32_t index : row.series) draw_level_plot(f, f.model.series()[index], base, line.height - 2 * pad, 0.22f);
    const float cursor_x = f.view.axis.x_of(f.trace[cursor].time);
    if (cursor_x < f.plot_left() || cursor_x > f.plot_right()) return;
    std::string text;
    ImU32 colour = f.style.text;
    int shown = 0;
    for (std::uint32_t index : row.series) {
        const LevelSeries& s = f.model.series()[index];
        const std::int64_t value = s.value_at_event(cursor);
        if (value <= 0) continue;
        text += (shown++ > 0 ? ",  " : "") + std::string(level_word(s.quantity)) + " " + level_text(s, value);
        colour = shown == 1 ? level_colour(f.style, s.quantity) : f.style.text;
    }
    const float small = f.font * small_text;
    if (!text.empty()) draw_value_at_cursor(f, cursor_x, top + line.strip + (f.heights.levels - small) * 0.5f - f.style.px(2), colour, text);
}

}  // namespace loopscope::ui
