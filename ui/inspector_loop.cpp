// The inspector's listener, event-loop and thread-pool sections. The loop is
// drawn as libuv's phase cycle: seven boxes on a ring, clockwise from timers
// at the top, with the phase the loop is in lit.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "trace/explain.hpp"
#include "ui/inspector_draw.hpp"
#include "ui/panel_inspector.hpp"

namespace loopscope::ui::inspector {
namespace {

constexpr int phase_count = static_cast<int>(trace::LoopPhase::close) + 1;

// libuv's default thread-pool size (UV_THREADPOOL_SIZE).
constexpr std::size_t default_pool_workers = 4;

std::string phase_name(int phase) {
    const auto names = trace::enum_names(trace::FieldType::phase);
    return std::string(names[static_cast<std::size_t>(phase)]);
}

struct Ring {
    float radius = 0;
    ImVec2 box;  // size of one phase box
    ImVec2 size; // the whole drawing
};

Ring measure_ring(const ViewStyle& style) {
    Ring ring;
    float widest = 0;
    for (int p = 0; p < phase_count; ++p) widest = std::max(widest, ImGui::CalcTextSize(phase_name(p).c_str()).x);
    ring.box = ImVec2(widest + style.px(10.0f), ImGui::GetTextLineHeight() + style.px(6.0f));
    // Neighbouring boxes at the bottom of the ring sit 0.87 radius apart:
    // the radius keeps them from touching.
    ring.radius = std::max(style.px(60.0f), ring.box.x * 1.3f);
    ring.size = ImVec2(2 * ring.radius + ring.box.x, 2 * ring.radius + ring.box.y);
    return ring;
}

ImVec2 on_ring(ImVec2 centre, float radius, float angle) {
    return ImVec2(centre.x + radius * std::sin(angle), centre.y - radius * std::cos(angle));
}

void draw_ring(const Ring& ring, const trace::LoopState& loop, const ViewStyle& style) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const ImVec2 centre(at.x + ring.size.x * 0.5f, at.y + ring.size.y * 0.5f);
    const float step = 2.0f * std::numbers::pi_v<float> / phase_count;
    const ImU32 lit = style.lane_colour(trace::Lane::loop);
    draw->AddCircle(centre, ring.radius, style.grid, 48, style.line_thickness * 1.5f);
    // Arrowheads half way between phases show the direction of travel.
    for (int p = 0; p < phase_count; ++p) {
        const float angle = step * (static_cast<float>(p) + 0.5f);
        const ImVec2 tip = on_ring(centre, ring.radius, angle);
        const ImVec2 along(std::cos(angle), std::sin(angle));  // clockwise tangent
        const ImVec2 across(-along.y, along.x);
        const float head = style.px(5.0f);
        draw->AddTriangleFilled(ImVec2(tip.x + along.x * head, tip.y + along.y * head),
                                ImVec2(tip.x - along.x * head + across.x * head, tip.y - along.y * head + across.y * head),
                                ImVec2(tip.x - along.x * head - across.x * head, tip.y - along.y * head - across.y * head),
                                style.grid);
    }
    for (int p = 0; p < phase_count; ++p) {
        const ImVec2 c = on_ring(centre, ring.radius, step * static_cast<float>(p));
        const ImVec2 min(c.x - ring.box.x * 0.5f, c.y - ring.box.y * 0.5f);
        const ImVec2 max(c.x + ring.box.x * 0.5f, c.y + ring.box.y * 0.5f);
        // Before the first iteration (server.listen() still running) no
        // phase is lit: the loop has not started turning yet.
        const bool current = !loop.exited && loop.iteration > 0 && static_cast<int>(loop.phase) == p;
        const std::string name = phase_name(p);
        const float text_w = ImGui::CalcTextSize(name.c_str()).x;
        draw->AddRectFilled(min, max, current ? lit : style.background, style.px(4.0f));
        draw->AddRect(min, max, current ? lit : style.grid, style.px(4.0f), 0, style.line_thickness);
        draw->AddText(ImVec2(c.x - text_w * 0.5f, min.y + style.px(3.0f)), current ? readable_on(lit) : style.text_dim,
                      name.c_str());
    }
    // The iteration number in the middle, on two short lines that fit inside the ring.
    const std::string number = std::to_string(loop.iteration);
    const float line = ImGui::GetTextLineHeight();
    draw->AddText(ImVec2(centre.x - ImGui::CalcTextSize("iteration").x * 0.5f, centre.y - line), style.text_dim,
                  "iteration");
    draw->AddText(ImVec2(centre.x - ImGui::CalcTextSize(number.c_str()).x * 0.5f, centre.y), style.text,
                  number.c_str());
    ImGui::Dummy(ring.size);
}

void draw_loop_text(const trace::Trace& trace, const trace::LoopState& loop, const ViewStyle& style) {
    if (loop.exited) {
        wrapped_in(style.text_dim, "The loop has exited: no active handles were left.");
        return;
    }
    if (loop.iteration == 0) {
        wrapped_in(style.text, "Not started yet: the main script (server.listen()) is still running.");
        return;
    }
    std::string phase = "Phase: " + phase_name(static_cast<int>(loop.phase));
    wrapped_in(style.text, phase);
    if (loop.blocked) wrapped_in(style.lane_colour(trace::Lane::notifier), "waiting in " + std::string(wait_call_name(trace)));
    if (loop.in_callback) wrapped_in(style.lane_colour(trace::Lane::js), "running a JS callback");
    wrapped_in(style.text_dim, "Iteration " + std::to_string(loop.iteration));
    wrapped_in(style.text_dim, "Poll timeout: " + trace::format_nanos(loop.poll_timeout));
    const ImU32 js = style.lane_colour(trace::Lane::js);
    badge("nextTick " + std::to_string(loop.next_tick), loop.next_tick > 0, js, style, true);
    badge("microtasks " + std::to_string(loop.microtasks), loop.microtasks > 0, js, style, false);
    badge("immediates " + std::to_string(loop.immediates), loop.immediates > 0, js, style, false);
    badge("timers " + std::to_string(loop.timers), loop.timers > 0, js, style, false);
}

// A two-line box for one pool worker: "worker 1" over "idle" / "job 7".
void worker_box(std::size_t number, std::int64_t job, const ViewStyle& style, bool first) {
    const std::string top = "worker " + std::to_string(number);
    const std::string bottom = job >= 0 ? "job " + std::to_string(job) : "idle";
    const float pad = style.px(6.0f);
    const float line = ImGui::GetTextLineHeight();
    const ImVec2 size(std::max(ImGui::CalcTextSize(top.c_str()).x, ImGui::CalcTextSize(bottom.c_str()).x) + 2 * pad,
                      2 * line + 2 * pad);
    if (!first) {
        ImGui::SameLine(0.0f, style.px(6.0f));
        if (ImGui::GetContentRegionAvail().x < size.x) ImGui::NewLine();
    }
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const ImVec2 end(at.x + size.x, at.y + size.y);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImU32 busy = style.lane_colour(trace::Lane::pool);
    if (job >= 0) draw->AddRectFilled(at, end, busy, style.px(4.0f));
    draw->AddRect(at, end, job >= 0 ? busy : style.grid, style.px(4.0f), 0, style.line_thickness);
    const ImU32 ink = job >= 0 ? readable_on(busy) : style.text_dim;
    draw->AddText(ImVec2(at.x + pad, at.y + pad), ink, top.c_str());
    draw->AddText(ImVec2(at.x + pad, at.y + pad + line), ink, bottom.c_str());
    ImGui::Dummy(size);
}

}  // namespace

void draw_listeners(const trace::Trace& trace, const trace::WorldState& state, const ViewStyle& style) {
    if (trace.header.listeners.empty() && state.listeners.empty()) {
        wrapped_in(style.text_dim, "No listening socket in this trace.");
        return;
    }
    // The header lists every listener with its port; the state has their queues once they change.
    std::vector<trace::ListenerInfo> listeners = trace.header.listeners;
    for (const auto& [id, l] : state.listeners) {
        const bool listed = std::any_of(listeners.begin(), listeners.end(), [id = id](const auto& info) { return info.id == id; });
        if (!listed) listeners.push_back({id, 0, 0, 0});
    }
    for (const trace::ListenerInfo& info : listeners) {
        const auto found = state.listeners.find(info.id);
        const trace::ListenerState now = found != state.listeners.end() ? found->second : trace::ListenerState{};
        const std::uint64_t backlog = now.backlog > 0 ? now.backlog : info.backlog;
        std::string title = "listener " + std::to_string(info.id);
        if (info.port != 0) title += " (port " + std::to_string(info.port) + ")";
        // Say where 512 comes from: Linux lets backlog+1 connections wait.
        if (backlog > 0) title += ", listen backlog " + std::to_string(backlog) + ": up to " + std::to_string(backlog + 1) + " wait";
        text_in(style.text, title);
        // The kernel holds backlog+1 connections in the accept queue.
        // The SYN queue's size is the backlog too until the kernel says otherwise.
        const Gauge syn{.title = "SYN queue", .level = now.syn_queue, .capacity = now.syn_max > 0 ? now.syn_max : backlog,
                        .note = "handshake not finished", .bytes = false};
        const Gauge accept{.title = "accept queue", .level = now.accept_queue, .capacity = backlog + 1,
                           .note = "waiting for accept()", .bytes = false};
        const Gauge gauges[] = {syn, accept};
        ImGui::PushID(static_cast<int>(info.id));
        draw_pipeline(gauges, style);
        ImGui::PopID();
    }
}

void draw_event_loop(const trace::Trace& trace, const trace::WorldState& state, const ViewStyle& style) {
    const Ring ring = measure_ring(style);
    const float text_min = style.px(200.0f);
    const bool side_by_side = ImGui::GetContentRegionAvail().x >= ring.size.x + style.px(12.0f) + text_min;
    draw_ring(ring, state.loop, style);
    if (side_by_side) {
        ImGui::SameLine(0.0f, style.px(12.0f));
        ImGui::BeginGroup();
        draw_loop_text(trace, state.loop, style);
        ImGui::EndGroup();
    } else {
        draw_loop_text(trace, state.loop, style);
    }
}

void draw_thread_pool(const trace::WorldState& state, const ViewStyle& style) {
    const std::size_t shown = std::max(default_pool_workers, state.pool.workers.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const std::int64_t job = i < state.pool.workers.size() ? state.pool.workers[i] : -1;
        worker_box(i + 1, job, style, i == 0);
    }
    wrapped_in(style.text_dim, std::to_string(state.pool.queued) +
                                   (state.pool.queued == 1 ? " job waiting" : " jobs waiting") + " for a free worker");
}

}  // namespace loopscope::ui::inspector
