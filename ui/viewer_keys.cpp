// The keyboard: every key maps to an Action, so keys, buttons and tests
// share one path. ImGui 1.86 reports keys by the backend's key codes (GLFW's
// here), through io.KeyMap for named keys and GLFW_KEY_* for the rest.
#include <GLFW/glfw3.h>

#include "ui/viewer_frame.hpp"

namespace loopscope::ui {

namespace {

bool pressed(int glfw_key, bool repeat = false) { return ImGui::IsKeyPressed(glfw_key, repeat); }
bool pressed_named(ImGuiKey key, bool repeat = true) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), repeat); }

}  // namespace

void handle_keys(ViewerState& state) {
    const ImGuiIO& io = ImGui::GetIO();
    // A text field has the keyboard: the keys are its own.
    if (io.WantTextInput) return;
    const bool ctrl = io.KeyCtrl, shift = io.KeyShift;
    if (pressed(GLFW_KEY_F1)) apply_action(state, Action::help);
    if (pressed(GLFW_KEY_F5)) apply_action(state, Action::presenter);
    if (ctrl && pressed(GLFW_KEY_O)) apply_action(state, Action::open);
    if (ctrl && pressed(GLFW_KEY_E)) apply_action(state, Action::export_dialog);
    if (ctrl && pressed(GLFW_KEY_Q)) apply_action(state, Action::quit);
    if (pressed_named(ImGuiKey_Escape, false) && state.show_help) state.show_help = false;
    // Dialogs (open, export, compare) take the remaining keys while open.
    if (ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) return;
    if (ctrl) return;
    if (pressed_named(ImGuiKey_Space, false)) apply_action(state, Action::play_pause);
    if (pressed_named(ImGuiKey_RightArrow)) apply_action(state, shift ? Action::caption_forward : Action::step_forward);
    if (pressed_named(ImGuiKey_LeftArrow)) apply_action(state, shift ? Action::caption_back : Action::step_back);
    if (pressed_named(ImGuiKey_Home, false)) apply_action(state, Action::home);
    if (pressed_named(ImGuiKey_End, false)) apply_action(state, Action::end);
    // "+" is Shift+= on most layouts; the keypad has its own keys.
    if (pressed(GLFW_KEY_EQUAL, true) || pressed(GLFW_KEY_KP_ADD, true)) apply_action(state, Action::zoom_in);
    if (pressed(GLFW_KEY_MINUS, true) || pressed(GLFW_KEY_KP_SUBTRACT, true)) apply_action(state, Action::zoom_out);
    if (pressed(GLFW_KEY_F)) apply_action(state, Action::fit);
    if (pressed(GLFW_KEY_Z)) apply_action(state, Action::zoom_selection);
}

}  // namespace loopscope::ui
