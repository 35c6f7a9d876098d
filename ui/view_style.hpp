// How the viewer looks: lane colours, text colours and sizes, for the normal
// and the presenter (projector) mode. Every panel draws with a ViewStyle it
// is given, so presenter mode changes the whole window at once.
#pragma once

#include <imgui.h>

#include "trace/kinds.hpp"

namespace loopscope::ui {

struct ViewStyle {
    float scale = 1.0f;           // font and size scale (presenter mode: 1.0-3.0)
    bool high_contrast = false;   // presenter mode: black on white, saturated lanes
    float line_thickness = 1.0f;  // timeline strokes, arrows, cursor
    ImU32 background = 0;         // panel background behind the timeline
    ImU32 text = 0;
    ImU32 text_dim = 0;           // "what happens next", secondary labels
    ImU32 grid = 0;               // time grid and row separators
    ImU32 cursor = 0;             // the current step, across all lanes
    ImU32 arrow = 0;              // causal arrows
    ImU32 selection = 0;          // zoom-to-selection band
    ImU32 good = 0;               // a gauge with room (green)
    ImU32 warn = 0;               // a gauge near its limit (amber)
    ImU32 bad = 0;                // full / zero window / dropped (red)
    ImU32 lanes[trace::lane_count] = {};

    ImU32 lane_colour(trace::Lane lane) const { return lanes[static_cast<int>(lane)]; }
    // A pixel size scaled for the current mode (for widths, paddings, rows).
    float px(float pixels) const { return pixels * scale; }
};

// The style for the normal (dark) and the presenter (high-contrast light)
// themes; also applies the matching ImGui colours and sizes to the current
// ImGui context when `apply_to_imgui` is true.
ViewStyle make_view_style(bool presenter, float scale, bool apply_to_imgui);

}  // namespace loopscope::ui
