// The keyboard: every key press maps to an Action, so keys, buttons and
// tests share one path. Presses come from ViewerState::key_presses (filled
// by the window's GLFW key callback, or by a test) rather than from ImGui's
// key state, which in 1.86 loses a tap that goes down and up within one frame.
#include <GLFW/glfw3.h>

#include <optional>

#include "ui/viewer_frame.hpp"

namespace loopscope::ui {

namespace {

// Keys that work even while a dialog is open or a text field has focus.
std::optional<Action> global_action(const KeyPress& press) {
    switch (press.key) {
        case GLFW_KEY_F1: return Action::help;
        case GLFW_KEY_F5: return Action::presenter;
        case GLFW_KEY_O: return press.ctrl ? std::optional(Action::open) : std::nullopt;
        case GLFW_KEY_E: return press.ctrl ? std::optional(Action::export_dialog) : std::nullopt;
        case GLFW_KEY_Q: return press.ctrl ? std::optional(Action::quit) : std::nullopt;
        default: return std::nullopt;
    }
}

// Keys for the timeline and the steps, when nothing else has the keyboard.
std::optional<Action> stepping_action(const KeyPress& press) {
    if (press.ctrl) return std::nullopt;
    switch (press.key) {
        case GLFW_KEY_SPACE: return Action::play_pause;
        case GLFW_KEY_RIGHT: return press.shift ? Action::caption_forward : Action::step_forward;
        case GLFW_KEY_LEFT: return press.shift ? Action::caption_back : Action::step_back;
        case GLFW_KEY_HOME: return Action::home;
        case GLFW_KEY_END: return Action::end;
        // "+" is Shift+= on most layouts; the keypad has its own keys.
        case GLFW_KEY_EQUAL:
        case GLFW_KEY_KP_ADD: return Action::zoom_in;
        case GLFW_KEY_MINUS:
        case GLFW_KEY_KP_SUBTRACT: return Action::zoom_out;
        case GLFW_KEY_F: return Action::fit;
        case GLFW_KEY_Z: return Action::zoom_selection;
        default: return std::nullopt;
    }
}

}  // namespace

void handle_keys(ViewerState& state) {
    std::vector<KeyPress> presses;
    presses.swap(state.key_presses);
    const ImGuiIO& io = ImGui::GetIO();
    // A text field or a dialog (open, export, compare) has the keyboard: the
    // remaining keys are its own.
    const bool keyboard_taken = io.WantTextInput || ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId);
    for (const KeyPress& press : presses) {
        if (press.key == GLFW_KEY_ESCAPE && state.show_help) {
            state.show_help = false;
        } else if (auto action = global_action(press)) {
            apply_action(state, *action);
        } else if (!keyboard_taken) {
            if (auto step = stepping_action(press)) apply_action(state, *step);
        }
    }
}

}  // namespace loopscope::ui
