// A Dear ImGui context without a window or GPU, for tests and benchmarks of
// the viewer's drawing code: NewFrame() ... Render() builds draw lists on the
// CPU exactly as in the app, and nothing is rasterised.
#pragma once

#include <imgui.h>

namespace loopscope::test {

class HeadlessImGui {
public:
    explicit HeadlessImGui(float width = 1280.0f, float height = 720.0f) {
        context_ = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;  // tests never write imgui.ini
        io.DisplaySize = ImVec2(width, height);
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // the atlas must exist before NewFrame
    }
    ~HeadlessImGui() { ImGui::DestroyContext(context_); }
    HeadlessImGui(const HeadlessImGui&) = delete;
    HeadlessImGui& operator=(const HeadlessImGui&) = delete;

    void new_frame() { ImGui::NewFrame(); }
    // Ends the frame; returns the number of vertices drawn (0 = nothing drawn).
    int render() {
        ImGui::Render();
        return ImGui::GetDrawData()->TotalVtxCount;
    }

private:
    ImGuiContext* context_ = nullptr;
};

}  // namespace loopscope::test
