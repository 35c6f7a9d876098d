#include "ui/viewer_fonts.hpp"

#include <array>
#include <filesystem>

namespace loopscope::ui {

std::string dejavu_sans_path() {
    // Debian's fonts-dejavu-core path first, then other distributions' usual places.
    constexpr std::array<const char*, 4> candidates = {
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
    };
    std::error_code ec;
    for (const char* path : candidates)
        if (std::filesystem::is_regular_file(path, ec)) return path;
    return {};
}

void build_fonts(ViewerState& state, float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    const float base = 16.0f * scale;
    const std::string dejavu = dejavu_sans_path();
    state.unicode_font = false;
    state.large_font = nullptr;
    if (!dejavu.empty()) {
        // Latin and Latin-1 (µ, ·, ×), general punctuation (–, —, …), arrows
        // (← → ↔) and geometric shapes (▶ ◀ ■ ●) used by the labels.
        static constexpr ImWchar ranges[] = {0x0020, 0x00FF, 0x2010, 0x205E, 0x2190, 0x21FF,
                                             0x2500, 0x25FF, 0};
        ImFontConfig config;
        config.OversampleH = 2;
        ImFont* normal = io.Fonts->AddFontFromFileTTF(dejavu.c_str(), base, &config, ranges);
        ImFont* large = io.Fonts->AddFontFromFileTTF(dejavu.c_str(), base * 1.45f, &config, ranges);
        if (normal != nullptr && large != nullptr) {
            state.unicode_font = true;
            state.large_font = large;
        } else {
            io.Fonts->Clear();
        }
    }
    if (!state.unicode_font) {
        ImFontConfig config;
        config.SizePixels = 13.0f * scale;
        io.Fonts->AddFontDefault(&config);
        config.SizePixels = 13.0f * scale * 1.45f;
        state.large_font = io.Fonts->AddFontDefault(&config);
    }
    io.Fonts->Build();
    state.font_scale_built = scale;
}

}  // namespace loopscope::ui
