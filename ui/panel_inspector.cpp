// The inspector's front: which connection to show, the connection section
// (both ends' TCP state and byte pipelines), and the pure helpers the
// sections use. Listeners, the loop and the pool are in inspector_loop.cpp;
// gauges in inspector_gauges.cpp.
#include "ui/panel_inspector.hpp"

#include <algorithm>
#include <vector>

#include "trace/explain.hpp"
#include "ui/inspector_draw.hpp"
#include "ui/sequence_model.hpp"

namespace loopscope::ui {
namespace {

using inspector::Gauge;
using inspector::text_in;
using inspector::wrapped_in;

// Far enough back to find the connection of any step in a lesson, short
// enough to stay cheap every frame on a 1M-event trace.
constexpr std::size_t connection_lookback = 10000;

// Above this many connections a summary line says what they are all doing.
constexpr std::size_t summary_threshold = 16;


std::string tcp_state_name(trace::TcpState state) {
    const auto names = trace::enum_names(trace::FieldType::tcp_state);
    const auto index = static_cast<std::size_t>(state);
    return index < names.size() ? std::string(names[index]) : std::string("?");
}

const trace::ConnectionInfo* connection_info(const trace::Trace& trace, std::int32_t conn) {
    for (const trace::ConnectionInfo& info : trace.header.connections)
        if (info.id == conn) return &info;
    return nullptr;
}

std::string server_label(const trace::Trace& trace, std::int32_t conn) {
    const trace::ConnectionInfo* info = connection_info(trace, conn);
    return info != nullptr && info->server_port != 0 ? "server :" + std::to_string(info->server_port) : "server";
}

// The bytes one end sends, as the pipeline they travel through to the peer.
std::vector<Gauge> send_pipeline(const trace::EndpointState& sender, const trace::EndpointState& receiver,
                                 const std::string& receiver_name) {
    std::vector<Gauge> gauges;
    if (sender.high_water_mark > 0) {
        gauges.push_back({.title = "Node writable buffer", .level = sender.writable_length,
                          .capacity = sender.high_water_mark, .note = "limit: highWaterMark"});
    }
    const std::uint64_t sent_unacked = sender.send_level > sender.send_unsent ? sender.send_level - sender.send_unsent : 0;
    // Linux checks SO_SNDBUF (memory, not payload) before a write and lets
    // that write finish past it: a real level can exceed the capacity.
    const bool over = sender.send_capacity > 0 && sender.send_level > sender.send_capacity;
    gauges.push_back({.title = "kernel send buffer", .level = sender.send_level, .capacity = sender.send_capacity,
                      .note = trace::format_bytes(sender.send_unsent) + " not sent yet" +
                              (over ? "; past the limit: Linux checks it before a write, not during" : ""),
                      .solid = sender.send_unsent});
    gauges.push_back({.title = "in flight", .level = sent_unacked, .capacity = sender.peer_window,
                      .note = "limit: peer's window"});
    const bool zero_window = receiver.seen && receiver.recv_capacity > 0 && receiver.window == 0;
    gauges.push_back({.title = receiver_name + "'s receive buffer", .level = receiver.recv_level,
                      .capacity = receiver.recv_capacity,
                      // A real run does not measure the client's receive buffer.
                      .note = receiver.recv_capacity == 0
                                  ? (receiver.bytes_read > 0
                                         ? "level not recorded; " + trace::format_bytes(receiver.bytes_read) + " read so far"
                                         : "nothing received yet")
                              : zero_window ? "window 0: full!"
                                            : "window " + trace::format_bytes(receiver.window),
                      .zero_window = zero_window});
    return gauges;
}

void draw_end(const char* side, const std::string& name, const trace::EndpointState& end,
              const trace::EndpointState& peer, const std::string& peer_name, bool real, const ViewStyle& style) {
    if (!end.seen) {
        text_in(style.text_dim, std::string(side) + " (" + name + "): no socket yet");
        return;
    }
    text_in(style.text, std::string(side) + " (" + name + "): ");
    ImGui::SameLine(0.0f, 0.0f);
    text_in(style.lane_colour(trace::Lane::kernel), tcp_state_name(end.tcp));
    if (end.handle_closed) {
        ImGui::SameLine();
        text_in(style.text_dim, "(socket closed by the program)");
        if (real) {
            // Nothing measures a closed descriptor: stale levels would mislead.
            wrapped_in(style.text_dim, "Nothing measures a closed socket, so its buffers are not shown and its TCP "
                                       "state is the last one seen; the kernel finishes the goodbye (FIN, "
                                       "TIME_WAIT) on its own.");
            return;
        }
    }
    text_in(style.text_dim, "Bytes it sends, left to right:");
    const std::vector<Gauge> gauges = send_pipeline(end, peer, peer_name);
    inspector::draw_pipeline(gauges, style);
    if (end.write_returned_false) wrapped_in(style.warn, "write() returned false, waiting for 'drain'");
    if (end.stalled) wrapped_in(style.bad, "zero window: sender stalled");
    if (end.fin_received) wrapped_in(style.text_dim, "FIN received: the peer will send no more data");
}

void draw_picker(std::int32_t shown, InspectorState& inspector, const ViewStyle& style) {
    bool follow = inspector.pinned_conn < 0;
    if (follow) inspector.conn_field = std::max(shown, 0);
    if (ImGui::Checkbox("Follow the cursor##inspector", &follow)) {
        inspector.pinned_conn = follow ? -1 : std::max(shown, 0);
        inspector.conn_field = std::max(shown, 0);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(style.px(110.0f));
    if (ImGui::InputInt("connection##inspector", &inspector.conn_field)) {
        inspector.conn_field = std::max(inspector.conn_field, 0);
        inspector.pinned_conn = inspector.conn_field;
    }
}

void draw_connection(const trace::Trace& trace, const trace::WorldState& state, std::size_t cursor,
                     InspectorState& inspector, const ViewStyle& style) {
    const std::int32_t conn = inspected_connection(trace, cursor, inspector);
    draw_picker(conn, inspector, style);
    if (state.connections.size() > summary_threshold) wrapped_in(style.text_dim, connection_summary(state));
    if (conn < 0) {
        wrapped_in(style.text_dim, "No connection yet at this step.");
        return;
    }
    const auto found = state.connections.find(conn);
    if (found == state.connections.end()) {
        const bool known = connection_info(trace, conn) != nullptr;
        wrapped_in(style.text_dim, "Connection " + std::to_string(conn) +
                                       (known ? ": not opened yet at this step." : ": no such connection."));
        return;
    }
    const trace::ConnectionState& c = found->second;
    const std::string server = server_label(trace, conn);
    const std::string client = client_label(trace, conn);
    text_in(style.text, "Connection " + std::to_string(conn) + ": " + client + " <-> " + server);
    const bool real = trace.header.source == "real";
    draw_end("Server side", server, c.server, c.client, "client", real, style);
    ImGui::Dummy(ImVec2(0.0f, style.px(4.0f)));
    draw_end("Client side", client, c.client, c.server, "server", real, style);
}

}  // namespace

ServerStateCounts count_server_states(const trace::WorldState& state) {
    ServerStateCounts counts;
    for (const auto& [id, c] : state.connections) {
        ++counts.total;
        if (!c.server.seen) {
            ++counts.not_accepted;
            continue;
        }
        const auto index = static_cast<std::size_t>(c.server.tcp);
        if (index < counts.by_state.size()) ++counts.by_state[index];
    }
    return counts;
}

std::string connection_summary(const trace::WorldState& state) {
    const ServerStateCounts counts = count_server_states(state);
    std::vector<std::pair<std::size_t, std::string>> parts;
    for (std::size_t i = 0; i < counts.by_state.size(); ++i)
        if (counts.by_state[i] > 0) parts.emplace_back(counts.by_state[i], tcp_state_name(static_cast<trace::TcpState>(i)));
    if (counts.not_accepted > 0) parts.emplace_back(counts.not_accepted, "handshake under way");
    // Largest first; stable so equal counts keep the TCP state order.
    std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string text = trace::format_count(counts.total) + (counts.total == 1 ? " connection" : " connections");
    for (std::size_t i = 0; i < parts.size(); ++i)
        text += (i == 0 ? ": " : ", ") + trace::format_count(parts[i].first) + " " + parts[i].second;
    return text;
}

std::string_view wait_call_name(const trace::Trace& trace) {
    for (const trace::HostInfo& host : trace.header.hosts) {
        if (host.role != "server") continue;
        if (host.os == "macos") return "kevent";
        if (host.os == "windows") return "GetQueuedCompletionStatus";
        return "epoll_wait";
    }
    return "epoll_wait";
}

std::int32_t connection_near(const trace::Trace& trace, std::size_t cursor) {
    if (trace.empty()) return -1;
    cursor = std::min(cursor, trace.size() - 1);
    const std::size_t stop = cursor > connection_lookback ? cursor - connection_lookback : 0;
    for (std::size_t i = cursor + 1; i-- > stop;)
        if (trace[i].conn != trace::no_conn) return trace[i].conn;
    return -1;
}

std::int32_t inspected_connection(const trace::Trace& trace, std::size_t cursor, const InspectorState& inspector) {
    return inspector.pinned_conn >= 0 ? inspector.pinned_conn : connection_near(trace, cursor);
}

void draw_inspector(const trace::Trace& trace, const trace::WorldState& state, std::size_t cursor,
                    InspectorState& inspector, const ViewStyle& style) {
    ImGui::PushID("inspector");
    if (ImGui::CollapsingHeader("Connection", ImGuiTreeNodeFlags_DefaultOpen))
        draw_connection(trace, state, cursor, inspector, style);
    if (ImGui::CollapsingHeader("Listening sockets", ImGuiTreeNodeFlags_DefaultOpen))
        inspector::draw_listeners(trace, state, style);
    if (ImGui::CollapsingHeader("Event loop", ImGuiTreeNodeFlags_DefaultOpen))
        inspector::draw_event_loop(trace, state, style);
    if (ImGui::CollapsingHeader("Thread pool", ImGuiTreeNodeFlags_DefaultOpen))
        inspector::draw_thread_pool(state, style);
    ImGui::PopID();
}

}  // namespace loopscope::ui
