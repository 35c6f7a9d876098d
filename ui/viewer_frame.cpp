// The layout of the viewer's one window:
//
//   menu bar
//   toolbar            (lesson, open, play/step controls, step size, speed, time)
//   timeline           (A, and B below it in compare mode)   } split by a
//   ----------------------------------------------------------  draggable bar
//   explanation | Inspector / Sequence / Events / Parameters  (tabs)
//   status line
//
// Presenter mode keeps only the timeline, the explanation and the
// inspector, with larger type and the high-contrast theme. ImGui 1.86 has no
// docking, so the layout is child windows with splitters whose positions are
// fractions saved in imgui.ini.
#include "trace/explain.hpp"
#include "ui/viewer_frame.hpp"

#include <imgui_internal.h>

#include <algorithm>
#include <string>

#include "ui/panel_events.hpp"
#include "ui/panel_explain.hpp"
#include "ui/panel_inspector.hpp"
#include "ui/panel_sequence.hpp"
#include "ui/timeline_view.hpp"

namespace loopscope::ui {

namespace {

// A draggable bar between two regions; changes `fraction` of `total`.
// `length` is the bar's extent across the split (height of a vertical bar).
void splitter(const char* id, bool vertical, float& fraction, float total, float length, const ViewStyle& style) {
    const float thickness = style.px(6.0f);
    ImGui::InvisibleButton(id, vertical ? ImVec2(thickness, length) : ImVec2(length, thickness));
    const bool active = ImGui::IsItemActive();
    if (ImGui::IsItemHovered() || active)
        ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
    if (active && total > 0.0f) {
        const float delta = vertical ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
        fraction = std::clamp(fraction + delta / total, 0.15f, 0.85f);
        ImGui::MarkIniSettingsDirty();
    }
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImU32 colour = active || ImGui::IsItemHovered() ? style.cursor : style.grid;
    if (vertical) draw->AddLine(ImVec2((a.x + b.x) / 2, a.y), ImVec2((a.x + b.x) / 2, b.y), colour, 2.0f);
    else draw->AddLine(ImVec2(a.x, (a.y + b.y) / 2), ImVec2(b.x, (a.y + b.y) / 2), colour, 2.0f);
}

std::string document_label(const char* letter, const Document& document) {
    std::string os;
    for (const trace::HostInfo& host : document.trace.header.hosts)
        if (host.role == "server") os = host.os;
    return std::string(letter) + ": " + document.origin + (os.empty() ? "" : " (" + os + ")");
}

void draw_timelines(ViewerState& state, ImVec2 size) {
    Document& a = *state.primary;
    if (!state.compare) {
        TimelineInput input{&a.trace, &a.timeline(), a.cursor(), nullptr, state.show_arrows};
        const TimelineResult result = draw_timeline("timeline", input, a.timeline_view, state.style, size);
        if (result.clicked) move_cursor(state, *result.clicked);
        return;
    }
    // Compare mode: A above B, one time axis. A change of zoom in either
    // is copied to the other; a click in B moves both cursors to that time.
    Document& b = *state.compare;
    // B's axis is A's, moved so both first connects line up (each ruler
    // keeps its own clock: B's label says by how much it is moved).
    const trace::Nanos delta = b.compare_origin() - a.compare_origin();
    const auto shifted = [](TimeAxis axis, trace::Nanos by) {
        axis.start += by;
        axis.end += by;
        axis.limit_first += by;
        axis.limit_last += by;
        return axis;
    };
    const std::string label_a = document_label("A", a);
    const std::string label_b =
        document_label("B", b) +
        (delta == 0 ? "" : ", first connect lined up with A's (" + trace::format_nanos(delta < 0 ? -delta : delta) +
                               (delta < 0 ? " earlier" : " later") + " in B)");
    const float gap = ImGui::GetStyle().ItemSpacing.y;
    const ImVec2 half(size.x, (size.y - gap) / 2.0f);
    // Scrolling the rows of one scrolls the other too, so the same lanes
    // stay side by side (both traces have the same lanes in the same order).
    TimelineInput input_a{&a.trace, &a.timeline(), a.cursor(), label_a.c_str(), state.show_arrows};
    const float scroll_a = a.timeline_view.scroll_y;
    const TimelineResult result_a = draw_timeline("timeline A", input_a, a.timeline_view, state.style, half);
    b.timeline_view.axis = shifted(a.timeline_view.axis, delta);
    if (a.timeline_view.scroll_y != scroll_a) b.timeline_view.scroll_y = a.timeline_view.scroll_y;
    TimelineInput input_b{&b.trace, &b.timeline(), b.cursor(), label_b.c_str(), state.show_arrows};
    const float scroll_b = b.timeline_view.scroll_y;
    const TimelineResult result_b = draw_timeline("timeline B", input_b, b.timeline_view, state.style, half);
    if (result_b.zoom_changed) a.timeline_view.axis = shifted(b.timeline_view.axis, -delta);
    if (b.timeline_view.scroll_y != scroll_b) a.timeline_view.scroll_y = b.timeline_view.scroll_y;
    if (result_a.clicked) move_cursor(state, *result_a.clicked);
    if (result_b.clicked) {
        b.move_to(*result_b.clicked);
        a.move_to(aligned_cursor(b.trace, b.cursor(), a.trace));
    }
}

// At the first step the lesson's introduction follows the explanation, so
// a newcomer reads what the lesson is about before stepping.
void draw_introduction(const ViewerState& state, const Document& document) {
    if (document.cursor() != 0 || document.lesson_text.empty()) return;
    ImGui::Separator();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.warn), "About this lesson");
    ImGui::TextWrapped("%s", document.lesson_text.c_str());
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.warn),
                       "Press Right (or Next) to take the first step, Shift+Right to jump to the next caption.");
}

void draw_explanations(ViewerState& state) {
    Document& a = *state.primary;
    if (!state.compare) {
        draw_explanation(a.trace, a.cursor(), a.state(), state.style, state.large_font);
        draw_introduction(state, a);
        return;
    }
    Document& b = *state.compare;
    const std::string label_a = document_label("A", a), label_b = document_label("B", b);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.text_dim), "%s", label_a.c_str());
    draw_explanation(a.trace, a.cursor(), a.state(), state.style, state.large_font);
    ImGui::Separator();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.text_dim), "%s", label_b.c_str());
    draw_explanation(b.trace, b.cursor(), b.state(), state.style, state.large_font);
}

ImGuiTabItemFlags tab_flags(std::optional<BottomTab> requested, BottomTab tab) {
    return requested == tab ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
}

void draw_tabs(ViewerState& state) {
    Document& a = *state.primary;
    if (state.presenter) {
        draw_inspector(a.trace, a.state(), a.cursor(), a.inspector, state.style);
        return;
    }
    if (!ImGui::BeginTabBar("panels")) return;
    // Read the request before the open tab reports itself as state.tab.
    const std::optional<BottomTab> requested = state.tab_requested ? std::optional(state.tab) : std::nullopt;
    if (ImGui::BeginTabItem("Inspector", nullptr, tab_flags(requested, BottomTab::inspector))) {
        state.tab = BottomTab::inspector;
        ImGui::BeginChild("inspector scroll");
        draw_inspector(a.trace, a.state(), a.cursor(), a.inspector, state.style);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Sequence diagram", nullptr, tab_flags(requested, BottomTab::sequence))) {
        state.tab = BottomTab::sequence;
        if (auto picked = draw_sequence(a.trace, a.sequence(), a.cursor(), a.sequence_view, state.style))
            move_cursor(state, *picked);
        ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Event list", nullptr, tab_flags(requested, BottomTab::events))) {
        state.tab = BottomTab::events;
        if (auto picked = draw_event_list(a.trace, a.cursor(), a.event_list, state.style)) move_cursor(state, *picked);
        ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Parameters", nullptr, tab_flags(requested, BottomTab::parameters))) {
        state.tab = BottomTab::parameters;
        draw_parameters(state);
        ImGui::EndTabItem();
    }
    state.tab_requested = false;
    ImGui::EndTabBar();
}

void draw_status_line(ViewerState& state) {
    const ImVec4 colour = ImGui::ColorConvertU32ToFloat4(state.status_is_error ? state.style.bad : state.style.text_dim);
    const char* hint = "F1: keys and help";
    const float hint_width = ImGui::CalcTextSize(hint).x;
    const float room = ImGui::GetContentRegionAvail().x - hint_width - ImGui::GetStyle().ItemSpacing.x * 2;
    ImGui::PushClipRect(ImGui::GetCursorScreenPos(),
                        ImVec2(ImGui::GetCursorScreenPos().x + std::max(0.0f, room), ImGui::GetCursorScreenPos().y + ImGui::GetTextLineHeightWithSpacing()),
                        true);
    ImGui::TextColored(colour, "%s", state.status.empty() ? "Ready." : state.status.c_str());
    ImGui::PopClipRect();
    if (state.status_is_error && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", state.status.c_str());
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - hint_width);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state.style.text_dim), "%s", hint);
}

void draw_menu_bar(ViewerState& state) {
    if (!ImGui::BeginMenuBar()) return;
    if (ImGui::BeginMenu("File")) {
        if (ImGui::MenuItem("Open...", "Ctrl+O")) apply_action(state, Action::open);
        if (ImGui::MenuItem("Compare with...", nullptr, false, state.primary != nullptr)) state.compare_dialog_requested = true;
        if (ImGui::MenuItem("Close comparison", nullptr, false, state.compare != nullptr)) state.compare.reset();
        if (ImGui::MenuItem("Export...", "Ctrl+E", false, state.primary != nullptr)) apply_action(state, Action::export_dialog);
        ImGui::Separator();
        if (ImGui::MenuItem("Quit", "Ctrl+Q")) apply_action(state, Action::quit);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        if (ImGui::MenuItem("Presenter mode", "F5", state.presenter)) apply_action(state, Action::presenter);
        ImGui::SetNextItemWidth(state.style.px(120));
        ImGui::SliderFloat("Presenter scale", &state.presenter_scale, 1.0f, 3.0f, "%.1fx");
        const float limit = presenter_scale_limit(ImGui::GetIO().DisplaySize.y / state.dpi_scale);
        if (state.presenter_scale > limit)
            ImGui::TextDisabled("(%.1fx fits this window's height; a taller window allows more)", static_cast<double>(limit));
        ImGui::MenuItem("Causal arrows", nullptr, &state.show_arrows);
        ImGui::Separator();
        if (ImGui::MenuItem("Fit all", "F")) apply_action(state, Action::fit);
        if (ImGui::MenuItem("Zoom to selection", "Z")) apply_action(state, Action::zoom_selection);
        if (ImGui::MenuItem("Zoom in", "+")) apply_action(state, Action::zoom_in);
        if (ImGui::MenuItem("Zoom out", "-")) apply_action(state, Action::zoom_out);
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        if (ImGui::MenuItem("Keys and how to read the screen", "F1")) apply_action(state, Action::help);
        if (ImGui::MenuItem("About this lesson", nullptr, false, state.primary && !state.primary->lesson_text.empty()))
            state.show_lesson = true;
        ImGui::EndMenu();
    }
    ImGui::EndMenuBar();
}

void draw_lesson_window(ViewerState& state) {
    if (!state.show_lesson || !state.primary) return;
    ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 36, ImGui::GetFontSize() * 24), ImGuiCond_FirstUseEver);
    if (ImGui::Begin(("About this lesson: " + state.primary->title + "###lesson").c_str(), &state.show_lesson,
                     ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
        ImGui::TextWrapped("%s", state.primary->lesson_text.c_str());
    }
    ImGui::End();
}

}  // namespace

void build_frame(ViewerState& state) {
    handle_keys(state);
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("loopscope", nullptr, flags);
    draw_menu_bar(state);
    draw_toolbar(state);

    if (state.primary) {
        const float status_height = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
        const float splitter_height = state.style.px(6.0f) + ImGui::GetStyle().ItemSpacing.y * 2;
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float body = std::max(100.0f, avail.y - status_height - splitter_height);
        const float timeline_height = std::max(60.0f, body * state.timeline_fraction);
        draw_timelines(state, ImVec2(avail.x, timeline_height));
        splitter("##timeline splitter", false, state.timeline_fraction, body, avail.x, state.style);

        const float bottom_height = std::max(60.0f, avail.y - timeline_height - splitter_height - status_height);
        const float splitter_width = state.style.px(6.0f) + ImGui::GetStyle().ItemSpacing.x * 2;
        const float explain_width = std::max(120.0f, (avail.x - splitter_width) * state.explain_fraction);
        ImGui::BeginChild("explanation", ImVec2(explain_width, bottom_height), true);
        draw_explanations(state);
        ImGui::EndChild();
        ImGui::SameLine();
        splitter("##explanation splitter", true, state.explain_fraction, avail.x - splitter_width, bottom_height, state.style);
        ImGui::SameLine();
        ImGui::BeginChild("tabs", ImVec2(0, bottom_height), true);
        draw_tabs(state);
        ImGui::EndChild();
    } else {
        // Nothing open: the first load is running, failed or was cancelled.
        const float room = ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing() * 2;
        ImGui::BeginChild("empty", ImVec2(0, std::max(10.0f, room)));
        if (!state.loading) {
            ImGui::SetCursorPosY(ImGui::GetContentRegionAvail().y / 2);
            ImGui::TextWrapped("Nothing is open. Pick a lesson in the toolbar, or File > Open... (Ctrl+O) a scenario "
                               "(.json) or a trace (.jsonl).");
        }
        ImGui::EndChild();
    }
    draw_status_line(state);
    draw_dialogs(state);
    draw_lesson_window(state);
    draw_loading(state);
    ImGui::End();
}

}  // namespace loopscope::ui
