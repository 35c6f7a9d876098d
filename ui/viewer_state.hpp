// Everything the viewer knows, in one struct passed by reference to every
// part of the frame: the open documents, the step and playback controls,
// layout, presenter mode, dialogs, and the background load in progress.
// Nothing in the viewer is static; a test can build one, feed it key
// presses and frames, and look at the cursor.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ui/document.hpp"
#include "ui/stepping.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

// A document being simulated or read on a worker thread.
class BackgroundLoad {
public:
    enum class Slot { primary, compare };
    BackgroundLoad(DocumentSource source, Slot slot, std::optional<trace::Nanos> keep_time);
    ~BackgroundLoad();  // cancels and joins
    BackgroundLoad(const BackgroundLoad&) = delete;
    BackgroundLoad& operator=(const BackgroundLoad&) = delete;

    bool done() const { return done_.load(); }
    LoadStatus status() const;
    void cancel() { cancel_.store(true); }
    // Once done(): the document, or the error text (empty when cancelled).
    std::unique_ptr<Document> take_document() { return std::move(document_); }
    const std::string& error() const { return error_; }

    const DocumentSource source;
    const Slot slot;
    const std::optional<trace::Nanos> keep_time;  // put the cursor here once loaded (re-runs)

private:
    mutable std::mutex mutex_;
    LoadStatus status_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> done_{false};
    std::unique_ptr<Document> document_;
    std::string error_;
    std::thread worker_;
};

enum class BottomTab { inspector, sequence, events, parameters };
// "inspector", "sequence", "events", "parameters" (the --tab option).
std::optional<BottomTab> tab_from_name(std::string_view name);

// Actions from keys, toolbar buttons and menus: one path for all of them.
enum class Action {
    play_pause, step_forward, step_back, caption_forward, caption_back, home, end,
    zoom_in, zoom_out, fit, zoom_selection, open, export_dialog, presenter, help, quit,
};

// One key press (or auto-repeat) as the window system reported it, with
// GLFW's key code. The window queues every press, so quick taps that go down
// and up within one frame are not lost (ImGui 1.86 only keeps the key's
// current state); tests feed the same queue.
struct KeyPress {
    int key = 0;
    bool shift = false;
    bool ctrl = false;
};

struct ViewerState {
    std::unique_ptr<Document> primary;
    std::unique_ptr<Document> compare;  // compare mode when set: stacked below, shared time axis
    std::unique_ptr<BackgroundLoad> loading;
    std::optional<DocumentSource> queued_compare;  // opened once the primary document has loaded

    // Stepping and playback.
    StepSize step_size = StepSize::event;
    bool playing = false;
    float steps_per_second = 4.0f;
    double play_credit = 0.0;  // fractional steps owed to playback since the last frame

    // Look and layout (fractions survive resizes; saved in imgui.ini).
    bool presenter = false;
    float presenter_scale = 2.0f;     // chosen; see effective_scale()
    float dpi_scale = 1.0f;           // from the monitor's content scale
    float timeline_fraction = 0.50f;  // of the height below the toolbar
    float explain_fraction = 0.40f;   // of the width of the bottom half
    BottomTab tab = BottomTab::inspector;
    bool tab_requested = false;       // select `tab` on the next frame
    bool show_arrows = true;
    ViewStyle style;
    ImFont* large_font = nullptr;     // the explanation's sentence (owned by the ImGui atlas)
    bool unicode_font = false;        // DejaVu loaded: arrows and symbols can be drawn
    std::vector<std::pair<std::string, std::string>> lessons;  // (id, title) for the picker
    float font_scale_built = 0.0f;    // scale the font atlas was built for

    // Dialogs and messages.
    bool show_help = false;
    bool show_lesson = false;         // the lesson's introduction in its own window
    bool open_dialog_requested = false;
    bool export_dialog_requested = false;
    bool compare_dialog_requested = false;
    std::array<char, 1024> path_input{};    // the path field of the open and compare dialogs (ImGui edits it in place)
    std::array<char, 1024> export_input{};  // the export dialog's own path field
    std::string overwrite_asked;            // export: the existing file the user was warned about
    std::string dialog_directory;     // folder shown in the open dialog
    std::string status;               // one line at the bottom: last action, error or warning
    bool status_is_error = false;
    // The Parameters tab edits a copy of the open document's scenario;
    // "Run" simulates the copy. Reset when another document opens.
    std::optional<sim::Scenario> edited_scenario;
    const Document* edited_from = nullptr;

    int screenshot_wait_frames = 0;   // let a closing dialog disappear before capturing

    std::vector<KeyPress> key_presses;  // since the last frame; handle_keys() consumes them

    // Requests the window layer fulfils after rendering the frame.
    std::string screenshot_request;   // write the next frame to this PNG path
    bool quit_requested = false;
    std::string window_title;         // wanted title; the window layer applies changes
    std::shared_ptr<void> settings_target;  // what the imgui.ini handler writes from (viewer_settings.cpp)
};

// The largest presenter scale that still leaves room for the layout in a
// window `height` pixels tall (about 30 lines of text): 1.5 at 720, 2.25 at
// 1080. Presenter mode uses the smaller of this and the chosen scale, so a
// projector never shows a cut-off sentence.
float presenter_scale_limit(float height);
// The scale everything is drawn at: monitor scale times presenter scale.
float effective_scale(const ViewerState& state, float height);

// Runs one action against the state (keys, buttons and tests share this).
void apply_action(ViewerState& state, Action action);
// Moves the primary cursor (and the compare cursor with it) to `index`.
void move_cursor(ViewerState& state, std::size_t index);
// Starts opening a document in the background; replaces any load running.
void start_load(ViewerState& state, DocumentSource source, BackgroundLoad::Slot slot,
                std::optional<trace::Nanos> keep_time = std::nullopt);
// Called every frame: advances playback by `seconds`, and installs a
// finished background load.
void update(ViewerState& state, double seconds);
void set_status(ViewerState& state, std::string text, bool is_error = false);

}  // namespace loopscope::ui
