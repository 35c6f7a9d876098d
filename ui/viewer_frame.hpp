// One frame of the viewer, from the ViewerState: everything between
// ImGui::NewFrame() and ImGui::Render(). The window layer, the tests and the
// benchmark all call this, so what they measure and check is what users see.
#pragma once

#include "ui/viewer_state.hpp"

namespace loopscope::ui {

void build_frame(ViewerState& state);

// The parts of the frame, each in its own file.
void handle_keys(ViewerState& state);                 // viewer_keys.cpp
void draw_toolbar(ViewerState& state);                // viewer_toolbar.cpp
void draw_parameters(ViewerState& state);             // viewer_parameters.cpp
void draw_dialogs(ViewerState& state);                // viewer_dialogs.cpp: open, compare, export, help
void draw_loading(ViewerState& state);                // viewer_dialogs.cpp: progress of a load

}  // namespace loopscope::ui
