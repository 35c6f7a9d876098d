// The Parameters tab: the scenario's knobs a class wants to turn (how many
// clients, how slow the network, how big the buffers, which OS), edited on a
// copy; "Run" simulates the copy and keeps the cursor at the same time, and
// "Run as B" opens it below for comparison.
#include <algorithm>
#include <array>
#include <cstdint>

#include "sim/scenario_loader.hpp"
#include "ui/viewer_frame.hpp"

namespace loopscope::ui {

namespace {

// An integer field shown in a unit a person reads easily (µs, KiB, Mbit/s).
template <typename T>
bool edit_scaled(const char* label, T& value, std::int64_t unit, std::int64_t low, std::int64_t high, const char* format,
                 const char* help) {
    std::int64_t shown = static_cast<std::int64_t>(value) / unit;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    const std::int64_t step = 1;
    bool changed = ImGui::InputScalar(label, ImGuiDataType_S64, &shown, &step, nullptr, format);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", help);
    if (changed) {
        shown = std::clamp(shown, low, high);
        value = static_cast<T>(shown * unit);
    }
    return changed;
}

}  // namespace

void draw_parameters(ViewerState& state) {
    Document& document = *state.primary;
    if (!document.scenario) {
        ImGui::TextWrapped("This trace was recorded from real sockets, so it cannot be run again with other "
                           "parameters. Open a lesson or a scenario file to experiment.");
        return;
    }
    if (state.edited_from != &document || !state.edited_scenario) {
        state.edited_scenario = document.scenario;
        state.edited_from = &document;
    }
    sim::Scenario& s = *state.edited_scenario;
    ImGui::TextWrapped("Change a value, then press Run to simulate again. The cursor stays at the same moment.");
    if (ImGui::BeginTable("parameters", 2, ImGuiTableFlags_SizingStretchSame)) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("Clients and server");
        edit_scaled("clients", s.clients.count, 1, 1, 100000, "%lld", "How many client connections the run opens");
        edit_scaled("messages per client", s.clients.messages, 1, 0, 100000, "%lld", "Echo clients: messages each sends");
        edit_scaled("message size (bytes)", s.clients.message_bytes, 1, 1, 1 << 30, "%lld", "Echo clients: bytes per message");
        edit_scaled("CPU per callback (µs)", s.server.cpu_per_callback_ns, 1000, 0, 10'000'000, "%lld",
                    "How long each JavaScript callback runs on the main thread");
        edit_scaled("highWaterMark (bytes)", s.server.high_water_mark, 1, 1, 1 << 30, "%lld",
                    "Node's writableHighWaterMark: write() returns false once this much waits in user space");
        int os = static_cast<int>(s.os);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        if (ImGui::Combo("operating system", &os, "Linux (epoll)\0macOS (kqueue)\0Windows (IOCP)\0"))
            s.os = static_cast<sim::Os>(os);
        ImGui::TableNextColumn();
        ImGui::TextDisabled("Network and kernel");
        edit_scaled("latency (µs)", s.network.latency_ns, 1000, 0, 10'000'000, "%lld", "One-way delay of the link");
        edit_scaled("bandwidth (Mbit/s)", s.network.bandwidth_bps, 1'000'000, 1, 100'000, "%lld", "Link speed, each direction");
        float loss = static_cast<float>(s.network.loss * 100.0);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        if (ImGui::SliderFloat("loss (%)", &loss, 0.0f, 20.0f, "%.1f%%")) s.network.loss = static_cast<double>(loss) / 100.0;
        edit_scaled("server send buffer", s.server.send_buffer, 1, 1024, 1 << 30, "%lld B", "SO_SNDBUF of the server's sockets");
        edit_scaled("server receive buffer", s.server.recv_buffer, 1, 1024, 1 << 30, "%lld B", "SO_RCVBUF of the server's sockets");
        edit_scaled("client receive buffer", s.clients.recv_buffer, 1, 1024, 1 << 30, "%lld B", "SO_RCVBUF of the clients' sockets");
        ImGui::EndTable();
    }
    const bool changed = sim::scenario_to_json(s) != sim::scenario_to_json(*document.scenario);
    auto source = [&] {
        return DocumentSource{DocumentSource::Type::scenario_text, document.source.name + " (edited)", sim::scenario_to_json(s), {}};
    };
    if (!changed) ImGui::BeginDisabled();
    if (ImGui::Button("Run")) {
        const trace::Nanos now = document.trace[document.cursor()].time;
        start_load(state, source(), BackgroundLoad::Slot::primary, now);
    }
    ImGui::SameLine();
    if (ImGui::Button("Run as B (compare)")) start_load(state, source(), BackgroundLoad::Slot::compare);
    ImGui::SameLine();
    if (ImGui::Button("Undo changes")) state.edited_scenario = document.scenario;
    if (!changed) ImGui::EndDisabled();
    if (!changed) {
        ImGui::SameLine();
        ImGui::TextDisabled("(no changes yet)");
    }
}

}  // namespace loopscope::ui
