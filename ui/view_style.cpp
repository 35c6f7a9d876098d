// The two themes. Lane colours are chosen to stay distinguishable for the
// common colour-vision deficiencies (a blue/orange/purple-led palette) and
// keep the same hue in both themes, so a teacher's slides match the screen.
#include "ui/view_style.hpp"

namespace loopscope::ui {

namespace {

ImU32 rgb(int r, int g, int b, int a = 255) { return IM_COL32(r, g, b, a); }

}  // namespace

ViewStyle make_view_style(bool presenter, float scale, bool apply_to_imgui) {
    ViewStyle style;
    style.scale = scale;
    style.high_contrast = presenter;
    style.line_thickness = presenter ? 2.5f : 1.0f;
    using trace::Lane;
    auto set = [&](Lane lane, ImU32 colour) { style.lanes[static_cast<int>(lane)] = colour; };
    if (presenter) {
        style.background = rgb(255, 255, 255);
        style.text = rgb(0, 0, 0);
        style.text_dim = rgb(90, 90, 90);
        style.grid = rgb(200, 200, 200);
        style.cursor = rgb(220, 0, 0);
        style.arrow = rgb(0, 0, 0);
        style.selection = rgb(0, 90, 200, 60);
        style.good = rgb(0, 140, 60);
        style.warn = rgb(150, 75, 0);  // dark amber: readable on white (contrast above 4.5:1)
        style.bad = rgb(200, 0, 0);
        set(Lane::wire, rgb(0, 90, 200));
        set(Lane::kernel, rgb(120, 60, 170));
        set(Lane::notifier, rgb(200, 100, 0));
        set(Lane::loop, rgb(0, 130, 130));
        set(Lane::js, rgb(190, 150, 0));
        set(Lane::http, rgb(0, 140, 60));
        set(Lane::tls, rgb(170, 0, 110));
        set(Lane::pool, rgb(110, 80, 40));
        set(Lane::threads, rgb(80, 80, 80));
        set(Lane::client, rgb(0, 60, 120));
        set(Lane::note, rgb(0, 0, 0));
    } else {
        style.background = rgb(24, 26, 30);
        style.text = rgb(235, 235, 235);
        style.text_dim = rgb(140, 140, 150);
        style.grid = rgb(55, 58, 66);
        style.cursor = rgb(255, 80, 80);
        style.arrow = rgb(255, 255, 255, 220);
        style.selection = rgb(80, 150, 255, 50);
        style.good = rgb(80, 200, 120);
        style.warn = rgb(240, 180, 60);
        style.bad = rgb(240, 80, 80);
        set(Lane::wire, rgb(90, 160, 255));
        set(Lane::kernel, rgb(180, 130, 240));
        set(Lane::notifier, rgb(255, 160, 60));
        set(Lane::loop, rgb(60, 200, 200));
        set(Lane::js, rgb(240, 210, 80));
        set(Lane::http, rgb(100, 210, 120));
        set(Lane::tls, rgb(240, 110, 190));
        set(Lane::pool, rgb(200, 160, 110));
        set(Lane::threads, rgb(170, 170, 170));
        set(Lane::client, rgb(120, 190, 255));
        set(Lane::note, rgb(255, 255, 255));
    }
    if (apply_to_imgui && ImGui::GetCurrentContext() != nullptr) {
        ImGuiStyle fresh;
        if (presenter) ImGui::StyleColorsLight(&fresh);
        else ImGui::StyleColorsDark(&fresh);
        fresh.WindowRounding = 0.0f;
        fresh.FrameRounding = 3.0f;
        fresh.ScaleAllSizes(scale);
        if (presenter) {
            fresh.Colors[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
            fresh.Colors[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
            fresh.Colors[ImGuiCol_Border] = ImVec4(0, 0, 0, 0.6f);
            fresh.FrameBorderSize = 1.0f;
        }
        ImGui::GetStyle() = fresh;
    }
    return style;
}

}  // namespace loopscope::ui
