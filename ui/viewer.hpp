// The ImGui viewer: `loopscope` with no arguments and `loopscope view`.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace loopscope::ui {

struct ViewerOptions {
    std::string target;               // lesson id, scenario .json or trace .jsonl
    std::string compare_target;       // open this too, stacked below (compare mode)
    std::vector<std::string> overrides;          // --set key=value for the target's scenario
    std::vector<std::string> compare_overrides;  // --compare-set, for the compared scenario
    std::string screenshot;           // write a PNG of the window and exit
    std::string at;                   // step to show: 1-based number, "first", "middle", "last"
    std::optional<trace::Nanos> at_time;  // or the step at this time
    int width = 1280, height = 720;   // window size (screenshots; else the remembered size)
    bool size_given = false;
    std::string tab;                  // bottom tab to show: inspector, sequence, events, parameters
    bool show_help = false;           // start with the keys overlay open
    bool presenter = false;
    float presenter_scale = 0.0f;     // 0 = the remembered or default scale
};

// Why the viewer cannot open a window here (empty when it can try): no
// X11/Wayland display.
std::string no_display_reason();

// What run_viewer() returns when no window could be opened at all (GLFW
// cannot reach the display): the caller may fall back to the stepper.
inline constexpr int viewer_no_window = -1;

// Opens the window and runs until it is closed. Returns an exit code, or
// viewer_no_window; errors (bad target, no OpenGL) go to `err`.
int run_viewer(const ViewerOptions& options, std::ostream& err);

}  // namespace loopscope::ui
