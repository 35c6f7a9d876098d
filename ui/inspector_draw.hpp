// Drawing pieces the inspector's sections share: a gauge pipeline (boxes
// with filled bars and arrows between them, wrapped onto as many rows as the
// panel's width needs), text in a colour, small count badges, and the
// sections drawn in inspector_loop.cpp. Internal to panel_inspector.cpp and
// inspector_*.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <imgui.h>

#include "trace/state.hpp"
#include "trace/trace.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui::inspector {

struct Gauge {
    std::string title;                 // "kernel send buffer"
    std::uint64_t level = 0;
    std::uint64_t capacity = 0;        // 0: not known yet (drawn empty, no limit shown)
    std::string note;                  // one extra line under the value, may be empty
    std::uint64_t solid = UINT64_MAX;  // the first `solid` units are drawn solid, the rest lighter
    bool bytes = true;                 // bytes or a count
    bool zero_window = false;          // draw as bad even when not full
};

void draw_pipeline(std::span<const Gauge> gauges, const ViewStyle& style);

void text_in(ImU32 colour, const std::string& text);
void wrapped_in(ImU32 colour, const std::string& text);
void heading(const char* text, const ViewStyle& style);

// A rounded badge "nextTick 3"; lit when count > 0. Flows onto the current
// line when there is room (call with first = true for the first of a row).
void badge(const std::string& text, bool lit, ImU32 colour, const ViewStyle& style, bool first);

// Black or white, whichever reads better on `fill`.
ImU32 readable_on(ImU32 fill);

// The sections of inspector_loop.cpp.
void draw_listeners(const trace::Trace& trace, const trace::WorldState& state, const ViewStyle& style);
void draw_event_loop(const trace::Trace& trace, const trace::WorldState& state, const ViewStyle& style);
void draw_thread_pool(const trace::WorldState& state, const ViewStyle& style);

}  // namespace loopscope::ui::inspector
