// The toolbar: which lesson, the step controls, and where we are. Buttons
// carry both a symbol and a word so a newcomer knows what they do, and each
// has a tooltip naming its key.
#include <algorithm>
#include <array>
#include <string>

#include "trace/explain.hpp"
#include "ui/stepper.hpp"
#include "ui/viewer_frame.hpp"

#include <imgui_internal.h>

namespace loopscope::ui {

namespace {

// Puts the next item on the same line when it fits, else starts a new line,
// so the toolbar wraps instead of running off a narrow or presenter-scaled
// window.
void flow(float next_width) {
    const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    const float next_right = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + next_width;
    if (next_right <= right_edge) ImGui::SameLine();
}

float button_width(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

bool button(const char* label, const char* tooltip, bool enabled = true) {
    flow(button_width(label));
    if (!enabled) ImGui::BeginDisabled();
    const bool clicked = ImGui::Button(label);
    if (!enabled) ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", tooltip);
    return clicked && enabled;
}

void lesson_picker(ViewerState& state) {
    const Document* document = state.primary.get();
    const bool is_lesson = document && document->source.type == DocumentSource::Type::lesson;
    std::string preview = document ? (is_lesson ? document->title : document->origin) : "(loading)";
    ImGui::SetNextItemWidth(state.style.px(280));
    if (ImGui::BeginCombo("##lesson", preview.c_str())) {
        for (std::size_t i = 0; i < state.lessons.size(); ++i) {
            const auto& [id, title] = state.lessons[i];
            const bool selected = is_lesson && document->source.name == id;
            const std::string label = std::to_string(i + 1) + ". " + title + "##" + id;
            if (ImGui::Selectable(label.c_str(), selected) && !selected)
                start_load(state, DocumentSource{DocumentSource::Type::lesson, id, {}, {}}, BackgroundLoad::Slot::primary);
            if (selected) ImGui::SetItemDefaultFocus();
        }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Pick a lesson: each one shows one part of the chapter");
}

}  // namespace

void draw_toolbar(ViewerState& state) {
    const bool u = state.unicode_font;
    lesson_picker(state);
    if (button(u ? "Open…" : "Open...", "Open a scenario (.json) or a trace (.jsonl)  [Ctrl+O]")) apply_action(state, Action::open);

    const Document* document = state.primary.get();
    const bool have = document != nullptr;
    const bool at_start = !have || document->cursor() == 0;
    const bool at_end = !have || document->cursor() + 1 >= document->trace.size();
    if (button(u ? "|◀" : "|<", "First step  [Home]", !at_start) ) apply_action(state, Action::home);
    if (button(u ? "◀ Back" : "< Back", "One step back  [Left]; by lesson caption  [Shift+Left]", !at_start))
        apply_action(state, Action::step_back);
    const char* play = state.playing ? (u ? "▌▌ Pause" : "Pause") : (u ? "▶ Play" : "Play");
    if (button(play, "Play the steps one after another  [Space]", have)) apply_action(state, Action::play_pause);
    if (button(u ? "Next ▶" : "Next >", "One step forward  [Right]; by lesson caption  [Shift+Right]", !at_end))
        apply_action(state, Action::step_forward);
    if (button(u ? "▶|" : ">|", "Last step  [End]", !at_end)) apply_action(state, Action::end);

    flow(ImGui::CalcTextSize("Step by").x + ImGui::GetStyle().ItemSpacing.x + state.style.px(130));
    ImGui::TextUnformatted("Step by");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(state.style.px(130));
    constexpr std::array<StepSize, 3> sizes = {StepSize::event, StepSize::caption, StepSize::iteration};
    if (ImGui::BeginCombo("##step size", std::string(step_size_name(state.step_size)).c_str())) {
        for (StepSize size : sizes)
            if (ImGui::Selectable(std::string(step_size_name(size)).c_str(), size == state.step_size)) {
                state.step_size = size;
            }
        ImGui::EndCombo();
    }
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("What one step is: one event, the next lesson caption, or the next turn of the event loop");
    flow(state.style.px(110));
    ImGui::SetNextItemWidth(state.style.px(110));
    ImGui::SliderFloat("##speed", &state.steps_per_second, 0.5f, 200.0f, "%.1f steps/s", ImGuiSliderFlags_Logarithmic);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Playback speed");

    if (have) {
        const trace::Event& event = document->trace[document->cursor()];
        const std::string where = "step " + trace::format_count(document->cursor() + 1) + " of " +
                                  trace::format_count(document->trace.size()) + "   t = " + format_step_time(event.time);
        const float width = ImGui::CalcTextSize(where.c_str()).x;
        flow(width);
        const float right = ImGui::GetWindowContentRegionMax().x - width;
        if (right > ImGui::GetCursorPosX()) ImGui::SetCursorPosX(right);
        ImGui::TextUnformatted(where.c_str());
    }
}

}  // namespace loopscope::ui
