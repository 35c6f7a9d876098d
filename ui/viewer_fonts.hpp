// The viewer's fonts: DejaVu Sans when fonts-dejavu-core is installed (it
// has the arrows and symbols the labels use), ImGui's built-in font
// otherwise; a normal and a large size, built for the current scale.
#pragma once

#include "ui/viewer_state.hpp"

namespace loopscope::ui {

// The path of DejaVu Sans if it is installed, else empty.
std::string dejavu_sans_path();

// Rebuilds the current ImGui context's font atlas for `scale` (presenter
// scale times the monitor's content scale) and records the fonts in
// `state`. The caller re-uploads the atlas texture when a renderer exists.
void build_fonts(ViewerState& state, float scale);

}  // namespace loopscope::ui
