// The explanation panel: what the current step means, in words. The
// sentence for the event at the cursor in large type, the lesson's caption
// for this part of the lesson, and a greyed preview of the next step.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <imgui.h>

#include "trace/state.hpp"
#include "trace/trace.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

// Draws into the current window. large_font may be nullptr: the sentence is
// then drawn with the window's font scaled by 1.4 * style.scale.
void draw_explanation(const trace::Trace& trace, std::size_t cursor, const trace::WorldState& state,
                      const ViewStyle& style, ImFont* large_font);

// "Step 12 of 345 · 1.050 ms · kernel · conn 1" (the panel draws the lane
// name in its colour; this is the same line as plain text).
std::string step_heading(const trace::Trace& trace, std::size_t cursor);

// `text` with a line break wherever the next word would pass `width` pixels
// in the current font. Breaks only at spaces: ImGui's own wrapping also
// breaks after a comma, which splits the sentences' numbers ("1,\n460 bytes").
std::string wrap_at_spaces(std::string_view text, float width);

}  // namespace loopscope::ui
