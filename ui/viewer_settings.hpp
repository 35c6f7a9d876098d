// Where the viewer remembers its window size and layout between runs: an
// imgui.ini in the user's configuration directory ($XDG_CONFIG_HOME/loopscope
// or ~/.config/loopscope), never the working directory, with one [loopscope]
// section next to ImGui's own.
#pragma once

#include <string>

#include "ui/viewer_state.hpp"

namespace loopscope::ui {

// The remembered window geometry; kept with the layout in the ini file.
struct WindowGeometry {
    int width = 1280;
    int height = 720;
};

// The ini file's path (its folder is created), or empty when there is no
// home directory to keep it in.
std::string settings_path();

// Registers the [loopscope] section with the current ImGui context: layout
// fractions, presenter scale and step size from `state`, and the window
// size in `geometry`. Both must outlive the context.
void register_settings(ViewerState& state, WindowGeometry& geometry);

}  // namespace loopscope::ui
