#include "ui/viewer_settings.hpp"

#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace loopscope::ui {

namespace {

struct SettingsTarget {
    ViewerState* state;
    WindowGeometry* geometry;
};

void* read_open(ImGuiContext*, ImGuiSettingsHandler* handler, const char* name) {
    // One section, [loopscope][layout]; anything else is ignored.
    return std::string_view(name) == "layout" ? handler->UserData : nullptr;
}

void read_line(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* target = static_cast<SettingsTarget*>(entry);
    ViewerState& state = *target->state;
    int a = 0, b = 0;
    float f = 0.0f;
    // Values outside sensible ranges (a hand-edited or corrupt file) are
    // clamped, never trusted.
    if (std::sscanf(line, "Window=%d,%d", &a, &b) == 2) {
        target->geometry->width = std::clamp(a, 640, 8192);
        target->geometry->height = std::clamp(b, 400, 8192);
    } else if (std::sscanf(line, "Timeline=%f", &f) == 1) {
        state.timeline_fraction = std::clamp(f, 0.15f, 0.85f);
    } else if (std::sscanf(line, "Explanation=%f", &f) == 1) {
        state.explain_fraction = std::clamp(f, 0.15f, 0.85f);
    } else if (std::sscanf(line, "PresenterScale=%f", &f) == 1) {
        state.presenter_scale = std::clamp(f, 1.0f, 3.0f);
    } else if (std::sscanf(line, "Arrows=%d", &a) == 1) {
        state.show_arrows = a != 0;
    }
}

void write_all(ImGuiContext*, ImGuiSettingsHandler* handler, ImGuiTextBuffer* out) {
    const auto* target = static_cast<const SettingsTarget*>(handler->UserData);
    const ViewerState& state = *target->state;
    out->appendf("[%s][layout]\n", handler->TypeName);
    out->appendf("Window=%d,%d\n", target->geometry->width, target->geometry->height);
    out->appendf("Timeline=%.3f\n", static_cast<double>(state.timeline_fraction));
    out->appendf("Explanation=%.3f\n", static_cast<double>(state.explain_fraction));
    out->appendf("PresenterScale=%.2f\n", static_cast<double>(state.presenter_scale));
    out->appendf("Arrows=%d\n", state.show_arrows ? 1 : 0);
    out->append("\n");
}

}  // namespace

std::string settings_path() {
    std::filesystem::path folder;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') folder = xdg;
    else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
        folder = std::filesystem::path(home) / ".config";
    else return {};
    folder /= "loopscope";
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return {};
    return (folder / "imgui.ini").string();
}

void register_settings(ViewerState& state, WindowGeometry& geometry) {
    // The handler's user data must live as long as the ImGui context, which
    // the state outlives, so the state keeps it.
    state.settings_target = std::make_shared<SettingsTarget>(SettingsTarget{&state, &geometry});
    ImGuiSettingsHandler handler;
    handler.TypeName = "loopscope";
    handler.TypeHash = ImHashStr("loopscope");
    handler.ReadOpenFn = read_open;
    handler.ReadLineFn = read_line;
    handler.WriteAllFn = write_all;
    handler.UserData = state.settings_target.get();
    ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
}

}  // namespace loopscope::ui
