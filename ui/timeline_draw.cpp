// The timeline's painters. Everything is drawn with the panel's draw list,
// clipped to the gutter or to the plot, and sized with style.px() and the
// current font so presenter mode scales it all at once. Index:
//   ruler and grid ........ draw_ruler
//   rows (gutter, plot) ... draw_lines -> draw_gutter_line, draw_plot_line
//   levels ................ timeline_levels.cpp
//   cursor, arrows ........ draw_cursor, draw_arrows
#include "ui/timeline_draw.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "trace/explain.hpp"
#include "ui/timeline_tooltip.hpp"

namespace loopscope::ui {
namespace {

using trace::Kind;

// The switch on a header that moves its group's levels into bands.
constexpr const char* level_switch_text = "levels in own bands";
// How many causes the arrows follow back from the cursor event.
constexpr int arrow_hops = 8;

// Black or white, whichever reads better on `fill`.
ImU32 text_on(ImU32 fill) {
    const float r = static_cast<float>((fill >> IM_COL32_R_SHIFT) & 0xff);
    const float g = static_cast<float>((fill >> IM_COL32_G_SHIFT) & 0xff);
    const float b = static_cast<float>((fill >> IM_COL32_B_SHIFT) & 0xff);
    return 0.299f * r + 0.587f * g + 0.114f * b > 140.0f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
}

// Events that mean something went wrong or had to wait are drawn in red.
bool is_trouble(const trace::Trace& trace, std::uint32_t event) {
    const trace::Event& e = trace[event];
    switch (e.kind) {
        case Kind::kernel_zero_window: case Kind::kernel_window_stall: case Kind::kernel_ack_dropped:
        case Kind::kernel_reset: case Kind::kernel_error: case Kind::kernel_retransmit:
        case Kind::kernel_synack_retransmit: case Kind::js_error:
            return true;
        case Kind::wire_segment: return trace.arg(e, 6) != 0;  // lost
        default: return false;
    }
}

ImU32 item_colour(const TimelineFrame& f, const DrawItem& item, trace::Lane lane) {
    if (item.count == 1 && is_trouble(f.trace, item.event)) return f.style.bad;
    return f.style.lane_colour(lane);
}

bool line_visible(const TimelineFrame& f, const TimelineLine& line) {
    const float top = f.top_of(line);
    return top + line.height > f.rows_top() && top < f.rows_bottom();
}

// ---- gutter ----

// A group's title with the triangle that folds it: pointing down when
// open, right when folded.
void draw_group_title(const TimelineFrame& f, const TimelineLine& line, const std::string& title) {
    const float top = f.top_of(line);
    const ImU32 colour = f.style.lane_colour(line.lane);
    const float x = f.origin.x + f.style.px(6), mid = top + line.strip * 0.5f, a = f.style.px(4.5f);
    if (line.kind == LineKind::collapsed)
        f.draw->AddTriangleFilled(ImVec2(x, mid - a), ImVec2(x + a * 1.6f, mid), ImVec2(x, mid + a), colour);
    else
        f.draw->AddTriangleFilled(ImVec2(x, mid - a * 0.8f), ImVec2(x + a * 2.0f, mid - a * 0.8f), ImVec2(x + a, mid + a * 0.8f), colour);
    text_at(f.draw, f.font, ImVec2(x + a * 2.0f + f.style.px(5), top + (line.strip - f.font) * 0.5f), colour, title);
}

void draw_gutter_line(const TimelineFrame& f, const TimelineLine& line) {
    const float top = f.top_of(line);
    const float x = f.origin.x + f.style.px(6);
    const float text_y = top + (line.strip - f.font) * 0.5f;
    if (line.kind == LineKind::header || line.kind == LineKind::collapsed) {
        draw_group_title(f, line, line.single ? group_title(f.model.rows()[line.row]) : lane_title(line.lane));
        return;
    }
    const TimelineRow& row = f.model.rows()[line.row];
    const bool detail = row.parent >= 0;
    const float indent = f.style.px(detail ? 22 : 12);
    if (line.kind == LineKind::group_row) draw_group_title(f, line, group_title(row));
    else text_at(f.draw, f.font, ImVec2(x + indent, text_y), f.style.text, row.label);
    if (detail) {
        const ImVec4 r = close_button_rect(f, line);
        const ImU32 colour = f.style.text_dim;
        const float pad = f.style.px(3);
        f.draw->AddLine(ImVec2(r.x + pad, r.y + pad), ImVec2(r.z - pad, r.w - pad), colour, f.style.line_thickness);
        f.draw->AddLine(ImVec2(r.x + pad, r.w - pad), ImVec2(r.z - pad, r.y + pad), colour, f.style.line_thickness);
    }
    if (row.series.empty()) return;
    const float small = f.font * small_text;
    if (!line.bands) {
        draw_level_legend(f, row, ImVec2(x + indent + f.style.px(10), top + line.strip + (f.heights.levels - small) * 0.5f - f.style.px(2)));
        return;
    }
    for (std::size_t b = 0; b < row.series.size(); ++b) {
        const LevelSeries& s = f.model.series()[row.series[b]];
        const float band_top = top + line.strip + static_cast<float>(b) * f.band;
        text_at(f.draw, small, ImVec2(x + indent + f.style.px(10), band_top + (f.band - small) * 0.5f), f.style.text_dim, s.label);
    }
}

// ---- plot ----

// A caption's flag with its step number; where the next caption's flag
// starts too close for the number ("9" and "10" at nearly one time), a
// narrow flag without it, so numbers never overprint (hovering names it).
void draw_caption_flag(const TimelineFrame& f, const DrawItem& item, float top, float strip, float next_start,
                       ImU32 colour) {
    const float x = item.x0;
    f.draw->AddLine(ImVec2(x, top + f.style.px(2)), ImVec2(x, top + strip - f.style.px(2)), colour, f.style.line_thickness);
    const std::string text = std::to_string(f.trace.arg(f.trace[item.event], 1));
    const float small = f.font * small_text;
    const float y0 = top + (strip - small) * 0.5f - f.style.px(1);
    const float w = text_width(small, text) + f.style.px(6);
    if (x + w + f.style.px(1) > next_start) {
        f.draw->AddRectFilled(ImVec2(x, y0), ImVec2(x + f.style.px(4), y0 + small + f.style.px(2)), colour);
        return;
    }
    f.draw->AddRectFilled(ImVec2(x, y0), ImVec2(x + w, y0 + small + f.style.px(2)), colour);
    text_at(f.draw, small, ImVec2(x + f.style.px(3), y0 + f.style.px(1)), text_on(colour), text);
}

// Text inside an item, only where it fits whole: between the item's
// visible left edge and the nearer of its right edge and the next item's
// start (neighbouring segments overlap in time and would cover it).
void draw_label_inside(const TimelineFrame& f, const std::string& text, float x0, float x1, float next_start, float y0,
                       float y1, ImU32 colour) {
    const float left = std::max(x0, f.plot_left());
    const float right = std::min({x1, next_start, f.plot_right()});
    const float small = f.font * small_text;
    if (text.empty() || text_width(small, text) + f.style.px(6) > right - left) return;
    const ImVec4 clip(left, y0, right, y1);
    text_at(f.draw, small, ImVec2(left + f.style.px(3), (y0 + y1 - small) * 0.5f), colour, text, &clip);
}

// One item in a strip of height `strip` at `top`; `next_start` is the
// screen x where the next item begins (labels stop there). A span's label
// is drawn apart (`span_label`), after every span, so that no overlapping
// span covers it.
void draw_item(const TimelineFrame& f, const TimelineRow& row, const DrawItem& item, float top, float strip, float next_start,
               bool span_label) {
    const ImU32 colour = item_colour(f, item, row.lane);
    const float inset = std::min(f.style.px(3), strip * 0.15f);
    const float y0 = top + inset, y1 = top + strip - inset;
    const float mid = top + strip * 0.5f;
    if (item.count > 1) {
        f.draw->AddRectFilled(ImVec2(item.x0, y0), ImVec2(item.x1, y1), fade(colour, 0.5f));
        f.draw->AddRect(ImVec2(item.x0, y0), ImVec2(item.x1, y1), colour, 0.0f, 0, f.style.line_thickness);
        // "12 segments" where it fits, else "12×".
        const float small = f.font * small_text;
        const float room = std::min(item.x1, next_start) - std::max(item.x0, f.plot_left());
        std::string label = block_label(row, item.count);
        if (text_width(small, label) + f.style.px(6) > room) label = trace::format_count(item.count) + "\xC3\x97";
        draw_label_inside(f, label, item.x0, item.x1, next_start, y0, y1, f.style.text);
        return;
    }
    if (row.lane == trace::Lane::note) {
        draw_caption_flag(f, item, top, strip, next_start, colour);
        return;
    }
    if (item.span) {
        const float x1 = std::max(item.x1, item.x0 + 1.0f);
        if (span_label) {
            if (std::min(x1, next_start) - std::max(item.x0, f.plot_left()) > f.style.px(24))
                draw_label_inside(f, item_label(f.trace, item.event), item.x0, x1, next_start, y0, y1, text_on(colour));
            return;
        }
        f.draw->AddRectFilled(ImVec2(item.x0, y0), ImVec2(x1, y1), fade(colour, 0.85f));
        if (x1 - item.x0 > f.style.px(4))
            f.draw->AddRect(ImVec2(item.x0, y0), ImVec2(x1, y1), fade(f.style.background, 0.7f), 0.0f, 0, 1.0f);
        return;
    }
    // An instant: a diamond.
    const float d = std::min(strip * 0.32f, f.style.px(5));
    f.draw->AddQuadFilled(ImVec2(item.x0, mid - d), ImVec2(item.x0 + d, mid), ImVec2(item.x0, mid + d), ImVec2(item.x0 - d, mid), colour);
}

// Distance from the mouse to an item along x; 0 inside it.
float distance_to(const DrawItem& item, float x) {
    if (x >= item.x0 && x <= item.x1) return 0.0f;
    return std::min(std::fabs(x - item.x0), std::fabs(x - item.x1));
}

void draw_aggregate(const TimelineFrame& f, const TimelineRow& row, float top, float strip, ImVec2 mouse, bool hover_row,
                    TimelineHover& hover) {
    const float bucket = std::max(1.0f, f.style.px(2));
    heat_counts(row, f.view.axis, bucket, f.view.heat);
    std::uint32_t most = 0;
    for (std::uint32_t c : f.view.heat) most = std::max(most, c);
    if (most == 0) return;
    const ImU32 colour = f.style.lane_colour(row.lane);
    const float log_most = std::log1p(static_cast<float>(most));
    const float inset = std::min(f.style.px(3), strip * 0.15f);
    for (std::size_t b = 0; b < f.view.heat.size(); ++b) {
        if (f.view.heat[b] == 0) continue;
        const float x0 = f.plot_left() + static_cast<float>(b) * bucket;
        const float strength = 0.2f + 0.8f * std::log1p(static_cast<float>(f.view.heat[b])) / log_most;
        f.draw->AddRectFilled(ImVec2(x0, top + inset), ImVec2(std::min(x0 + bucket, f.plot_right()), top + strip - inset), fade(colour, strength));
    }
    if (hover_row) {
        const auto b = static_cast<std::size_t>(std::max(0.0f, (mouse.x - f.plot_left()) / bucket));
        if (b < f.view.heat.size() && f.view.heat[b] > 0) {
            DrawItem item;
            item.t_first = f.view.axis.time_at(f.plot_left() + static_cast<float>(b) * bucket);
            item.t_last = f.view.axis.time_at(f.plot_left() + static_cast<float>(b + 1) * bucket);
            hover.item = item;
            hover.aggregate = true;
            hover.aggregate_count = f.view.heat[b];
        }
    }
}

// The events of one model row in a strip (a row's own line, or its part of
// a folded group's line); keeps the nearest item to the mouse in `hover`.
struct HoverPick {
    float best_mark, best_span;
    std::optional<DrawItem> mark, span;
    std::uint32_t mark_row = 0, span_row = 0;
};

void draw_row_items(const TimelineFrame& f, std::uint32_t row_index, float top, float strip, ImVec2 mouse, bool hover_row,
                    HoverPick& pick) {
    const TimelineRow& row = f.model.rows()[row_index];
    layout_row(row, f.view.axis, f.style.px(merge_distance_px), f.view.items);
    // Where items start, in order, so a label stops at the next item.
    f.view.starts_x.clear();
    for (const DrawItem& item : f.view.items) f.view.starts_x.push_back(item.x0);
    std::sort(f.view.starts_x.begin(), f.view.starts_x.end());
    // Spans first, then their labels, so instants and blocks inside them
    // stay visible on top; the mouse prefers those small marks over the
    // span under them.
    for (int pass = 0; pass < 3; ++pass) {
        for (const DrawItem& item : f.view.items) {
            if (item.span != (pass < 2)) continue;
            const auto next = std::upper_bound(f.view.starts_x.begin(), f.view.starts_x.end(), item.x0 + 0.5f);
            draw_item(f, row, item, top, strip, next == f.view.starts_x.end() ? FLT_MAX : *next, pass == 1);
            if (!hover_row || pass == 1) continue;
            const float d = distance_to(item, mouse.x);
            float& best = item.span ? pick.best_span : pick.best_mark;
            if (d <= best) {
                best = d;
                (item.span ? pick.span : pick.mark) = item;
                (item.span ? pick.span_row : pick.mark_row) = row_index;
            }
        }
    }
}

void draw_plot_line(const TimelineFrame& f, const TimelineLine& line, std::size_t cursor, ImVec2 mouse, bool mouse_inside,
                    TimelineHover& hover) {
    const float top = f.top_of(line);
    if (line.kind == LineKind::header) {
        f.draw->AddLine(ImVec2(f.plot_left(), top + line.strip - 1), ImVec2(f.plot_right(), top + line.strip - 1),
                        fade(f.style.lane_colour(line.lane), 0.5f), f.style.line_thickness);
        if (line.has_levels) {
            // The switch between levels inside their rows and in bands.
            const ImVec4 r = level_switch_rect(f, line);
            const float box = r.w - r.y;
            const ImU32 colour = f.style.text_dim;
            f.draw->AddRectFilled(ImVec2(r.x - f.style.px(4), r.y - f.style.px(1)), ImVec2(r.z + f.style.px(2), r.w + f.style.px(1)), f.style.background);
            f.draw->AddRect(ImVec2(r.x, r.y), ImVec2(r.x + box, r.w), colour, 0.0f, 0, f.style.line_thickness);
            if (f.view.level_bands[static_cast<std::size_t>(line.lane)])
                f.draw->AddRectFilled(ImVec2(r.x + f.style.px(3), r.y + f.style.px(3)), ImVec2(r.x + box - f.style.px(3), r.w - f.style.px(3)), colour);
            text_at(f.draw, f.font * small_text, ImVec2(r.x + box + f.style.px(5), (r.y + r.w - f.font * small_text) * 0.5f), colour, level_switch_text);
        }
        return;
    }
    const bool hover_line = mouse_inside && mouse.y >= top && mouse.y < top + line.strip && mouse.x >= f.plot_left();
    HoverPick pick{f.style.px(4), f.style.px(4), {}, {}};
    const std::uint32_t last = line.kind == LineKind::collapsed ? line.row_end : line.row + 1;
    for (std::uint32_t r = line.row; r < last; ++r) {
        const TimelineRow& row = f.model.rows()[r];
        // A folded group shows its rows' events, not the drilled connection twice.
        if (line.kind == LineKind::collapsed && row.parent >= 0) continue;
        if (line.kind != LineKind::collapsed && !row.series.empty()) {
            if (line.bands) draw_bands(f, row, top, cursor);
            else draw_row_levels(f, row, line, top, cursor);
        }
        if (row.kind == RowKind::aggregate) {
            TimelineHover heat;
            draw_aggregate(f, row, top, line.strip, mouse, hover_line, heat);
            if (heat.item) {
                hover = heat;
                hover.row = r;
            }
            continue;
        }
        draw_row_items(f, r, top, line.strip, mouse, hover_line, pick);
    }
    if (pick.mark) {
        hover.item = pick.mark;
        hover.row = pick.mark_row;
        hover.aggregate = false;
    } else if (pick.span && !hover.item) {
        hover.item = pick.span;
        hover.row = pick.span_row;
    }
}

}  // namespace

float text_width(float font_size, const std::string& text) {
    return ImGui::GetFont()->CalcTextSizeA(font_size, FLT_MAX, 0.0f, text.c_str()).x;
}

void text_at(ImDrawList* draw, float font_size, ImVec2 pos, ImU32 colour, const std::string& text,
             const ImVec4* clip) {
    draw->AddText(ImGui::GetFont(), font_size, pos, colour, text.c_str(), text.c_str() + text.size(), 0.0f, clip);
}

ImU32 fade(ImU32 colour, float alpha) {
    const float a = static_cast<float>((colour >> IM_COL32_A_SHIFT) & 0xff) * alpha;
    const auto scaled = static_cast<ImU32>(std::clamp(a, 0.0f, 255.0f));
    return (colour & ~IM_COL32_A_MASK) | (scaled << IM_COL32_A_SHIFT);
}

ImVec4 close_button_rect(const TimelineFrame& f, const TimelineLine& line) {
    const float side = std::min(line.strip, f.font + f.style.px(2));
    const float right = f.plot_left() - f.style.px(4);
    const float top = f.top_of(line) + (line.strip - side) * 0.5f;
    return ImVec4(right - side, top, right, top + side);
}

ImVec4 level_switch_rect(const TimelineFrame& f, const TimelineLine& line) {
    const float small = f.font * small_text;
    const float box = std::min(line.strip - f.style.px(4), small);
    const float width = box + f.style.px(5) + text_width(small, level_switch_text);
    const float right = f.plot_right() - f.style.px(8);
    const float top = f.top_of(line) + (line.strip - box) * 0.5f;
    return ImVec4(right - width, top, right, top + box);
}

void draw_ruler(const TimelineFrame& f, std::size_t cursor, const char* title) {
    const TimeAxis& axis = f.view.axis;
    ImDrawList* draw = f.draw;
    const float bottom = f.rows_top();
    draw->AddRectFilled(f.origin, ImVec2(f.origin.x + f.size.x, bottom), fade(f.style.grid, 0.6f));
    draw->AddLine(ImVec2(f.origin.x, bottom - 1), ImVec2(f.origin.x + f.size.x, bottom - 1), f.style.grid);

    // Ticks far enough apart for their widest label.
    const float label_room = text_width(f.font, "888.888 ms") + f.style.px(16);
    const Nanos step = tick_step(axis.ns_per_pixel(), label_room);
    const Nanos minor = step % 5 == 0 ? step / 5 : std::max<Nanos>(step / 2, 1);
    const Nanos first = (axis.start >= 0 ? (axis.start + minor - 1) / minor : axis.start / minor) * minor;
    // Compare mode: the trace's title over the ruler, just right of the
    // gutter, where it has the room the gutter lacks; tick labels it would
    // cover are left out rather than shown cut.
    const float pad = f.style.px(5);
    const ImVec2 title_a(f.plot_left() + f.style.px(2), f.origin.y + f.style.px(2));
    const ImVec2 title_b(title ? std::min(title_a.x + text_width(f.font, title) + 2 * pad, f.plot_right()) : title_a.x,
                         bottom - f.style.px(2));
    draw->PushClipRect(ImVec2(f.plot_left(), f.origin.y), ImVec2(f.plot_right(), f.rows_bottom()), true);
    for (Nanos t = first; t <= axis.end; t += minor) {
        const float x = std::floor(axis.x_of(t)) + 0.5f;
        const bool major = t % step == 0;
        draw->AddLine(ImVec2(x, bottom - f.style.px(major ? 7 : 3)), ImVec2(x, bottom), f.style.text_dim);
        if (!major) continue;
        draw->AddLine(ImVec2(x, bottom), ImVec2(x, f.rows_bottom()), fade(f.style.grid, 0.7f));
        // A label that would be cut by the right edge is left out.
        const std::string label = format_tick(t, step);
        if (x + f.style.px(3) + text_width(f.font, label) > f.plot_right()) continue;
        if (title && x < title_b.x + f.style.px(3)) continue;
        text_at(draw, f.font, ImVec2(x + f.style.px(3), f.origin.y + (f.ruler - f.style.px(7) - f.font) * 0.5f), f.style.text_dim, label);
    }
    if (title) {
        const std::string text(title);
        const ImVec2 a = title_a, b = title_b;
        draw->AddRectFilled(a, b, f.style.background, f.style.px(3));
        draw->AddRect(a, b, fade(f.style.text_dim, 0.6f), f.style.px(3), 0, f.style.line_thickness);
        const ImVec4 clip(a.x, a.y, b.x, b.y);
        text_at(draw, f.font, ImVec2(a.x + pad, (a.y + b.y - f.font) * 0.5f), f.style.text, text, &clip);
    }
    const float cx = axis.x_of(f.trace.empty() ? 0 : f.trace[cursor].time);
    const float tri = f.style.px(6);
    draw->AddTriangleFilled(ImVec2(cx - tri, bottom - tri), ImVec2(cx + tri, bottom - tri), ImVec2(cx, bottom), f.style.cursor);
    draw->PopClipRect();

    // The corner names the axis.
    draw->PushClipRect(f.origin, ImVec2(f.plot_left() - f.style.px(2), bottom), true);
    text_at(draw, f.font, ImVec2(f.origin.x + f.style.px(6), f.origin.y + (f.ruler - f.font) * 0.5f), f.style.text_dim, "time \xE2\x86\x92");  // "time →"
    draw->PopClipRect();
}

TimelineHover draw_lines(const TimelineFrame& f, std::size_t cursor, ImVec2 mouse, bool mouse_inside) {
    TimelineHover hover;
    const auto& lines = f.view.lines;
    // Lines are in y order: skip straight to the first one on screen.
    const auto first = std::partition_point(lines.begin(), lines.end(), [&](const TimelineLine& l) {
        return f.top_of(l) + l.height <= f.rows_top();
    });

    // Backgrounds: group titles tinted in their lane's colour (a header
    // across the whole width), rows alternating.
    f.draw->PushClipRect(ImVec2(f.origin.x, f.rows_top()), ImVec2(f.origin.x + f.size.x, f.rows_bottom()), true);
    for (auto it = first; it != lines.end() && f.top_of(*it) < f.rows_bottom(); ++it) {
        const float top = f.top_of(*it);
        const ImVec2 a(f.origin.x, top), b(f.origin.x + f.size.x, top + it->height);
        const ImU32 tint = fade(f.style.lane_colour(it->lane), 0.12f);
        if (it->kind == LineKind::header) {
            f.draw->AddRectFilled(a, b, tint);
            continue;
        }
        if ((it - lines.begin()) % 2 == 0) f.draw->AddRectFilled(a, b, fade(f.style.grid, 0.3f));
        if (it->kind != LineKind::row) f.draw->AddRectFilled(a, ImVec2(f.plot_left(), b.y), tint);
    }
    f.draw->PopClipRect();

    f.draw->PushClipRect(ImVec2(f.origin.x, f.rows_top()), ImVec2(f.plot_left() - f.style.px(2), f.rows_bottom()), true);
    for (auto it = first; it != lines.end() && f.top_of(*it) < f.rows_bottom(); ++it) draw_gutter_line(f, *it);
    f.draw->PopClipRect();

    f.draw->PushClipRect(ImVec2(f.plot_left(), f.rows_top()), ImVec2(f.plot_right(), f.rows_bottom()), true);
    for (auto it = first; it != lines.end() && f.top_of(*it) < f.rows_bottom(); ++it)
        draw_plot_line(f, *it, cursor, mouse, mouse_inside, hover);
    f.draw->PopClipRect();
    return hover;
}

void draw_cursor(const TimelineFrame& f, std::size_t cursor) {
    if (f.trace.empty()) return;
    const float x = f.view.axis.x_of(f.trace[cursor].time);
    f.draw->PushClipRect(ImVec2(f.plot_left(), f.rows_top()), ImVec2(f.plot_right(), f.rows_bottom()), true);
    f.draw->AddLine(ImVec2(x, f.rows_top()), ImVec2(x, f.rows_bottom()), fade(f.style.cursor, 0.8f), f.style.line_thickness * 1.5f);
    // The cursor event itself: its span outlined, or a ring round its mark.
    const std::uint32_t row_index = f.model.row_of(cursor);
    if (const TimelineLine* line = line_showing(f.model, f.view.lines, row_index); line && line_visible(f, *line)) {
        const TimelineRow& row = f.model.rows()[line->row];
        const float top = f.top_of(*line);
        const float pad = f.style.px(1);
        if (line->row == row_index && row.has_spans()) {
            const std::uint32_t item = f.model.item_of(cursor);
            const float x0 = f.view.axis.x_of(row.starts[item]);
            const float x1 = std::max(f.view.axis.x_of(row.end_of(item)), x0 + 1.0f);
            if (x1 - x0 > f.style.px(6)) {
                f.draw->AddRect(ImVec2(x0 - pad, top + pad), ImVec2(x1 + pad, top + line->strip - pad), f.style.cursor, 0.0f, 0,
                                f.style.line_thickness * 2.0f);
                f.draw->PopClipRect();
                return;
            }
        }
        f.draw->AddCircle(ImVec2(x, top + line->strip * 0.5f), std::min(line->strip * 0.45f, f.style.px(8)), f.style.cursor, 0,
                          f.style.line_thickness * 2.0f);
    }
    f.draw->PopClipRect();
}

void draw_arrows(const TimelineFrame& f, std::size_t cursor) {
    if (f.trace.empty()) return;
    f.draw->PushClipRect(ImVec2(f.plot_left(), f.rows_top()), ImVec2(f.plot_right(), f.rows_bottom()), true);
    const float thickness = f.style.line_thickness * 1.5f;
    const float head = f.style.px(7);
    std::size_t effect = cursor;
    for (int hop = 0; hop < arrow_hops; ++hop) {
        const std::uint32_t cause = f.trace[effect].cause;
        if (cause == trace::no_event || cause >= f.trace.size()) break;
        const TimelineLine* from = line_showing(f.model, f.view.lines, f.model.row_of(cause));
        const TimelineLine* to = line_showing(f.model, f.view.lines, f.model.row_of(effect));
        // Hops scrolled out of view are skipped, but the chain goes on.
        if (from && to && line_visible(f, *from) && line_visible(f, *to)) {
            const trace::Nanos effect_time = f.trace[effect].time;
            // Leave a span from the moment that matters: a packet from its
            // arrival, a callback from where it made the call.
            const TimelineRow& cause_row = f.model.rows()[f.model.row_of(cause)];
            const std::uint32_t item = f.model.item_of(cause);
            const trace::Nanos leave = std::clamp(effect_time, cause_row.starts[item], cause_row.end_of(item));
            const ImVec2 a(f.view.axis.x_of(leave), f.middle_of(*from));
            const ImVec2 b(f.view.axis.x_of(effect_time), f.middle_of(*to));
            const bool same_line = from == to;
            if (!(same_line && std::fabs(b.x - a.x) < f.style.px(3))) {
                ImVec2 direction(b.x - a.x, b.y - a.y);
                if (same_line) {
                    // Along one row: an arc above it, so it does not hide the row.
                    const float lift = from->strip * 0.8f;
                    const ImVec2 c1(a.x, a.y - lift), c2(b.x, b.y - lift);
                    f.draw->AddBezierCubic(a, c1, c2, b, f.style.arrow, thickness);
                    direction = ImVec2(0.0f, 1.0f);
                } else {
                    f.draw->AddLine(a, b, f.style.arrow, thickness);
                }
                const float length = std::sqrt(direction.x * direction.x + direction.y * direction.y);
                const ImVec2 u(direction.x / length, direction.y / length);
                const ImVec2 n(-u.y, u.x);
                const ImVec2 back(b.x - u.x * head, b.y - u.y * head);
                f.draw->AddTriangleFilled(b, ImVec2(back.x + n.x * head * 0.5f, back.y + n.y * head * 0.5f),
                                          ImVec2(back.x - n.x * head * 0.5f, back.y - n.y * head * 0.5f), f.style.arrow);
                f.draw->AddCircleFilled(a, f.style.px(2.5f), f.style.arrow);
            }
        }
        effect = cause;
    }
    f.draw->PopClipRect();
}

void draw_selection(const TimelineFrame& f) {
    if (!f.view.selection) return;
    const float x0 = std::max(f.view.axis.x_of(f.view.selection->first), f.plot_left());
    const float x1 = std::min(f.view.axis.x_of(f.view.selection->second), f.plot_right());
    if (x1 < x0) return;
    f.draw->AddRectFilled(ImVec2(x0, f.origin.y), ImVec2(x1, f.rows_bottom()), f.style.selection);
    f.draw->AddLine(ImVec2(x0, f.origin.y), ImVec2(x0, f.rows_bottom()), fade(f.style.selection, 3.0f), f.style.line_thickness);
    f.draw->AddLine(ImVec2(x1, f.origin.y), ImVec2(x1, f.rows_bottom()), fade(f.style.selection, 3.0f), f.style.line_thickness);
}

void draw_scroll_indicator(const TimelineFrame& f) {
    const float visible = f.rows_bottom() - f.rows_top();
    if (f.content_height <= visible || f.content_height <= 0) return;
    const float x0 = f.plot_right() + f.style.px(1), x1 = f.origin.x + f.size.x - f.style.px(1);
    const float thumb = std::max(f.style.px(12), visible * visible / f.content_height);
    const float y = f.rows_top() + (visible - thumb) * (f.view.scroll_y / (f.content_height - visible));
    f.draw->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + thumb), fade(f.style.text_dim, 0.6f), f.style.px(2));
}

}  // namespace loopscope::ui
