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

// Run / Run as B / Undo, above the fields so they stay in view. Returns
// true when a run started.
bool run_buttons(ViewerState& state, const Document& document, sim::Scenario& s) {
    const bool changed = sim::scenario_to_json(s) != sim::scenario_to_json(*document.scenario);
    auto source = [&] {
        return DocumentSource{DocumentSource::Type::scenario_text, document.source.name + " (edited)", sim::scenario_to_json(s), {}};
    };
    bool started = false;
    if (!changed) ImGui::BeginDisabled();
    if (ImGui::Button("Run")) {
        start_load(state, source(), BackgroundLoad::Slot::primary, document.trace[document.cursor()].time);
        started = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("Run as B (compare)")) {
        start_load(state, source(), BackgroundLoad::Slot::compare);
        started = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("Undo changes")) s = *document.scenario;
    if (!changed) ImGui::EndDisabled();
    if (!changed) {
        ImGui::SameLine();
        ImGui::TextDisabled("(no changes yet)");
    }
    return started;
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
    run_buttons(state, document, s);
    ImGui::BeginChild("parameter fields");
    if (ImGui::BeginTable("parameters", 2, ImGuiTableFlags_SizingStretchSame)) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("Clients (%s)", s.clients.program.c_str());
        edit_scaled("clients", s.clients.count, 1, 1, 100000, "%lld", "How many client connections the run opens");
        edit_scaled("start every (µs)", s.clients.start_interval_ns, 1000, 0, 10'000'000, "%lld",
                    "Delay between one client starting and the next");
        if (s.clients.program == "echo") {
            edit_scaled("messages per client", s.clients.messages, 1, 0, 100000, "%lld", "Messages each client sends");
            edit_scaled("message size (bytes)", s.clients.message_bytes, 1, 1, 1 << 30, "%lld", "Bytes per message");
            edit_scaled("think time (µs)", s.clients.think_ns, 1000, 0, 10'000'000'000, "%lld",
                        "Pause between an echo and the next message");
        } else if (s.clients.program == "uploader") {
            edit_scaled("upload (bytes)", s.clients.upload_bytes, 1, 1, 1LL << 32, "%lld", "Bytes sent with one write(), then end()");
        } else if (s.clients.program == "slow-reader") {
            edit_scaled("reads (bytes)", s.clients.read_bytes, 1, 1, 1 << 30, "%lld", "Bytes the client reads each time");
            edit_scaled("every (ms)", s.clients.read_interval_ns, 1'000'000, 1, 100'000, "%lld", "Time between the client's reads");
        }
        edit_scaled("client send buffer", s.clients.send_buffer, 1, 1024, 1 << 30, "%lld B", "SO_SNDBUF of the clients' sockets");
        edit_scaled("client receive buffer", s.clients.recv_buffer, 1, 1024, 1 << 30, "%lld B", "SO_RCVBUF of the clients' sockets");

        ImGui::Spacing();
        ImGui::TextDisabled("Server (%s)", s.server.program.c_str());
        edit_scaled("CPU per callback (µs)", s.server.cpu_per_callback_ns, 1000, 0, 10'000'000, "%lld",
                    "How long each JavaScript callback runs on the main thread");
        edit_scaled("highWaterMark (bytes)", s.server.high_water_mark, 1, 1, 1 << 30, "%lld",
                    "Node's writableHighWaterMark: write() returns false once this much waits in user space");
        if (s.server.program == "payload") {
            edit_scaled("payload (bytes)", s.server.payload_bytes, 1, 0, 1LL << 32, "%lld", "Bytes written to each new connection");
            edit_scaled("chunk (bytes)", s.server.chunk_bytes, 1, 1, 1 << 30, "%lld", "Bytes per write() call");
            ImGui::Checkbox("wait for 'drain'", &s.server.respect_backpressure);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Stop writing when write() returns false and go on at 'drain' (the polite way)");
        } else if (s.server.program == "echo") {
            edit_scaled("thread-pool work (µs)", s.server.pool_work_ns, 1000, 0, 10'000'000, "%lld",
                        "Work each 'data' first does on the thread pool (like crypto.pbkdf2); 0 = none");
        }
        int os = static_cast<int>(s.os);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        if (ImGui::Combo("operating system", &os, "Linux (epoll)\0macOS (kqueue)\0Windows (IOCP)\0"))
            s.os = static_cast<sim::Os>(os);

        ImGui::TableNextColumn();
        ImGui::TextDisabled("Network");
        edit_scaled("latency (µs)", s.network.latency_ns, 1000, 0, 10'000'000, "%lld", "One-way delay of the link");
        edit_scaled("bandwidth (Mbit/s)", s.network.bandwidth_bps, 1'000'000, 1, 100'000, "%lld", "Link speed, each direction");
        float loss = static_cast<float>(s.network.loss * 100.0);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        if (ImGui::SliderFloat("loss (%)", &loss, 0.0f, 20.0f, "%.1f%%")) s.network.loss = static_cast<double>(loss) / 100.0;
        edit_scaled("MSS (bytes)", s.network.mss, 1, 100, 65495, "%lld", "Most payload bytes one segment carries");
        ImGui::Spacing();
        ImGui::TextDisabled("Server kernel");
        edit_scaled("send buffer", s.server.send_buffer, 1, 1024, 1 << 30, "%lld B", "SO_SNDBUF of the server's sockets");
        edit_scaled("receive buffer", s.server.recv_buffer, 1, 1024, 1 << 30, "%lld B", "SO_RCVBUF of the server's sockets");
        edit_scaled("listen backlog", s.server.backlog, 1, 1, 65535, "%lld", "listen()'s backlog: the accept queue holds backlog+1");
        ImGui::Spacing();
        ImGui::TextDisabled("Run");
        edit_scaled("stop at (ms)", s.stop_ns, 1'000'000, 1, 3'600'000, "%lld", "Virtual time at which the simulation stops");
        ImGui::EndTable();
    }
    ImGui::EndChild();
}

}  // namespace loopscope::ui
