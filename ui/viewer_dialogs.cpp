// The viewer's dialogs: open a file, compare with something, export, the
// help overlay, and the progress of a load. ImGui has no native file
// dialog, so "open" lists the folder's scenarios and traces and takes a typed
// path too.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario_loader.hpp"
#include "trace/atomic_file.hpp"
#include "trace/export_chrome.hpp"
#include "trace/export_pcap.hpp"
#include "trace/jsonl.hpp"
#include "ui/viewer_frame.hpp"

namespace loopscope::ui {

namespace {

namespace fs = std::filesystem;

std::string path_text(const ViewerState& state) { return std::string(state.path_input.data()); }

void set_path(ViewerState& state, const std::string& path) {
    state.path_input.fill('\0');
    std::memcpy(state.path_input.data(), path.data(), std::min(path.size(), state.path_input.size() - 1));
}

// The folder listing: sub-folders, then .json and .jsonl files. Returns true
// when a file was double-clicked (open it at once).
bool folder_browser(ViewerState& state) {
    if (state.dialog_directory.empty()) {
        std::error_code ec;
        state.dialog_directory = fs::current_path(ec).string();
    }
    ImGui::TextDisabled("%s", state.dialog_directory.c_str());
    bool chosen = false;
    ImGui::BeginChild("files", ImVec2(ImGui::GetFontSize() * 32, ImGui::GetFontSize() * 14), true);
    std::vector<fs::directory_entry> folders, files;
    std::error_code ec;
    for (fs::directory_iterator it(state.dialog_directory, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::error_code type_ec;
        if (it->is_directory(type_ec)) folders.push_back(*it);
        else if (it->path().extension() == ".json" || it->path().extension() == ".jsonl") files.push_back(*it);
    }
    auto by_name = [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path().filename() < b.path().filename(); };
    std::sort(folders.begin(), folders.end(), by_name);
    std::sort(files.begin(), files.end(), by_name);
    if (ImGui::Selectable("../", false)) state.dialog_directory = fs::path(state.dialog_directory).parent_path().string();
    for (const auto& folder : folders)
        if (ImGui::Selectable((folder.path().filename().string() + "/").c_str(), false))
            state.dialog_directory = folder.path().string();
    for (const auto& file : files) {
        const bool selected = path_text(state) == file.path().string();
        if (ImGui::Selectable(file.path().filename().string().c_str(), selected, ImGuiSelectableFlags_AllowDoubleClick)) {
            set_path(state, file.path().string());
            if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) chosen = true;
        }
    }
    if (ec) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "cannot list this folder: %s", ec.message().c_str());
    ImGui::EndChild();
    return chosen;
}

// Opens what the path field names into `slot`; false (with a message) when
// it names nothing loadable.
bool open_path(ViewerState& state, BackgroundLoad::Slot slot) {
    auto source = resolve_source(path_text(state));
    if (auto* message = std::get_if<std::string>(&source)) {
        set_status(state, *message, true);
        return false;
    }
    start_load(state, std::get<DocumentSource>(std::move(source)), slot);
    return true;
}

void open_dialog(ViewerState& state) {
    if (state.open_dialog_requested) {
        ImGui::OpenPopup("Open");
        state.open_dialog_requested = false;
    }
    if (!ImGui::BeginPopupModal("Open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    ImGui::TextUnformatted("Open a scenario (.json) or a recorded trace (.jsonl), or type a lesson id.");
    bool go = folder_browser(state);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 32);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    go |= ImGui::InputText("##path", state.path_input.data(), state.path_input.size(), ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Open") || go) {
        if (open_path(state, BackgroundLoad::Slot::primary)) ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    if (state.status_is_error) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.bad), "%s", state.status.c_str());
    ImGui::EndPopup();
}

void compare_dialog(ViewerState& state) {
    if (state.compare_dialog_requested) {
        ImGui::OpenPopup("Compare");
        state.compare_dialog_requested = false;
    }
    if (!ImGui::BeginPopupModal("Compare", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    Document* a = state.primary.get();
    ImGui::TextUnformatted("Show a second run below this one, on the same time axis.");
    if (a && a->scenario) {
        ImGui::TextDisabled("The same scenario on another operating system:");
        const char* names[] = {"linux", "macos", "windows"};
        const char* labels[] = {"Linux (epoll)", "macOS (kqueue)", "Windows (IOCP)"};
        for (int i = 0; i < 3; ++i) {
            if (i > 0) ImGui::SameLine();
            if (ImGui::Button(labels[i])) {
                sim::Scenario copy = *a->scenario;
                copy.os = static_cast<sim::Os>(i);
                start_load(state, DocumentSource{DocumentSource::Type::scenario_text,
                                                 a->source.name + " on " + names[i], sim::scenario_to_json(copy), {}},
                           BackgroundLoad::Slot::compare);
                ImGui::CloseCurrentPopup();
            }
        }
        ImGui::TextDisabled("With other parameters: edit them in the Parameters tab, then press \"Run as B\".");
    }
    ImGui::Separator();
    ImGui::TextDisabled("Or another lesson, scenario or trace:");
    bool go = folder_browser(state);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 32);
    go |= ImGui::InputText("##compare path", state.path_input.data(), state.path_input.size(), ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Compare") || go) {
        if (open_path(state, BackgroundLoad::Slot::compare)) ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

// Saving over an existing file takes a second click on the same button.
bool may_write(ViewerState& state, const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec) || state.overwrite_asked == path) return true;
    state.overwrite_asked = path;
    return false;
}

void export_dialog(ViewerState& state) {
    std::string path(state.export_input.data());
    if (state.export_dialog_requested && state.primary) {
        ImGui::OpenPopup("Export");
        state.export_dialog_requested = false;
        state.overwrite_asked.clear();
        if (path.empty()) {
            const std::string name = state.primary->trace.header.scenario_id.empty() ? "loopscope"
                                                                                    : state.primary->trace.header.scenario_id;
            path = name + "-step" + std::to_string(state.primary->cursor() + 1);
            state.export_input.fill('\0');
            std::memcpy(state.export_input.data(), path.data(), std::min(path.size(), state.export_input.size() - 1));
        }
    }
    if (!ImGui::BeginPopupModal("Export", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
    ImGui::TextUnformatted("File name (the extension is added; relative to the current folder):");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    if (ImGui::InputText("##export path", state.export_input.data(), state.export_input.size())) state.overwrite_asked.clear();
    const std::string stem = fs::path(path).replace_extension().string();
    const std::string png = stem + ".png", jsonl = stem + ".jsonl";
    if (ImGui::Button("Screenshot (.png)") && may_write(state, png)) {
        state.screenshot_request = png;
        state.screenshot_wait_frames = 2;  // capture once this dialog has gone
        ImGui::CloseCurrentPopup();
    }
    // The trace and its exports: each written atomically (a failure leaves
    // no half-written file) and reported in the status line.
    const auto save = [&state](const char* what, const std::string& file, const auto& write) {
        try {
            write(file);
            set_status(state, std::string(what) + " saved to " + file);
        } catch (const std::exception& e) {
            set_status(state, std::string("cannot save the ") + what + ": " + e.what(), true);
        }
        ImGui::CloseCurrentPopup();
    };
    const trace::Trace& trace = state.primary->trace;
    ImGui::SameLine();
    if (ImGui::Button("Trace (.jsonl)") && may_write(state, jsonl))
        save("trace", jsonl, [&](const std::string& file) { trace::write_trace_file(file, trace); });
    const std::string chrome = stem + ".json", pcap = stem + ".pcap";
    ImGui::SameLine();
    if (ImGui::Button("Chrome / Perfetto (.json)") && may_write(state, chrome))
        save("Chrome trace", chrome, [&](const std::string& file) {
            trace::write_file_atomically(file, [&](std::ostream& out) { trace::write_chrome_trace(out, trace); });
        });
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Opens in ui.perfetto.dev or chrome://tracing: one track per lane, counters for every buffer");
    ImGui::SameLine();
    if (ImGui::Button("Packets (.pcap)") && may_write(state, pcap))
        save("capture", pcap, [&](const std::string& file) { trace::write_pcap_file(file, trace); });
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The wire lane as IPv4/TCP packets: open it in Wireshark or tshark");
    if (!state.overwrite_asked.empty())
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.bad), "%s already exists: press the button again to replace it.",
                           state.overwrite_asked.c_str());
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

void help_overlay(ViewerState& state) {
    if (!state.show_help) return;
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x / 2, viewport->WorkPos.y + viewport->WorkSize.y / 2),
                            ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowBgAlpha(0.97f);
    if (!ImGui::Begin("Keys and how to read the screen (F1 or Esc to close)", &state.show_help,
                      ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
        ImGui::End();
        return;
    }
    constexpr std::pair<const char*, const char*> keys[] = {
        {"Space", "play / pause"},
        {"Right / Left", "one step forward / back (by the toolbar's step size)"},
        {"Shift+Right / Shift+Left", "next / previous lesson caption"},
        {"Home / End", "first / last step"},
        {"+ / -", "zoom the timeline in / out around the cursor"},
        {"mouse wheel", "zoom around the pointer"},
        {"drag", "pan the timeline; Shift+drag or right-drag selects a time span"},
        {"F / Z", "fit everything / zoom to the selected span"},
        {"click", "jump to the event under the pointer"},
        {"click a lane's title", "fold or unfold that group of rows (\"levels in own bands\" shows buffer plots apart)"},
        {"Ctrl+O / Ctrl+E", "open a file / export a screenshot or the trace"},
        {"F5", "presenter mode: big type, high contrast, fewer panels"},
        {"F1", "this help"},
    };
    if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        for (const auto& [key, what] : keys) {
            ImGui::TableNextColumn();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.warn), "%s", key);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(what);
        }
        ImGui::EndTable();
    }
    ImGui::Separator();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
    ImGui::TextUnformatted(
        "The timeline runs left to right in time. Each band is one layer of the chapter: the wire (packets), the "
        "kernel (TCP buffers and queues), the notifier (epoll, kqueue or IOCP), the event loop (libuv's phases), "
        "and JavaScript (your callbacks, all on one thread). The red line is the current step; the arrows show "
        "what caused it. Below, the explanation says in words what just happened, and the inspector shows the "
        "buffers and queues at this moment.");
    ImGui::PopTextWrapPos();
    ImGui::End();
}

}  // namespace

void draw_dialogs(ViewerState& state) {
    open_dialog(state);
    compare_dialog(state);
    export_dialog(state);
    help_overlay(state);
}

void draw_loading(ViewerState& state) {
    if (!state.loading) return;
    const LoadStatus status = state.loading->status();
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x / 2, viewport->WorkPos.y + viewport->WorkSize.y / 2),
                            ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 26, 0));
    ImGui::Begin("Opening", nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoResize);
    ImGui::TextWrapped("%s", state.loading->source.name.c_str());
    ImGui::TextUnformatted(status.stage.empty() ? "starting..." : status.stage.c_str());
    if (status.fraction >= 0.0) ImGui::ProgressBar(static_cast<float>(status.fraction), ImVec2(-1, 0));
    else ImGui::ProgressBar(static_cast<float>(-ImGui::GetTime() * 0.4), ImVec2(-1, 0), "working");
    if (ImGui::Button("Cancel")) {
        state.loading->cancel();
        set_status(state, "cancelled opening " + state.loading->source.name);
    }
    ImGui::End();
}

}  // namespace loopscope::ui
