// The inspector: the state of the world at the cursor, drawn so a student
// can see where the bytes are. Per connection its TCP state and its bytes as
// a pipeline of gauges (Node's writable buffer -> kernel send buffer -> in
// flight -> the peer's receive buffer); per listener its SYN and accept
// queues; the event loop's phase cycle and queues; the thread pool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <imgui.h>

#include "trace/state.hpp"
#include "trace/trace.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

struct InspectorState {
    std::int32_t pinned_conn = -1;  // -1: follow the cursor's connection
    int conn_field = 0;             // the number in the connection picker
};

void draw_inspector(const trace::Trace& trace, const trace::WorldState& state, std::size_t cursor,
                    InspectorState& inspector, const ViewStyle& style);

// ---- Pure helpers behind the drawing (tested directly). ----

enum class GaugeLevel : std::uint8_t { good, warn, bad };

// bad when full (level >= capacity) or when the receiver advertises a zero
// window; warn from 75% full; good otherwise, and when the capacity is not
// known yet (0).
GaugeLevel gauge_level(std::uint64_t level, std::uint64_t capacity, bool zero_window = false);
ImU32 gauge_colour(GaugeLevel level, const ViewStyle& style);

// "12 KiB / 16 KiB" (bytes) or "3 / 512" (counts).
std::string gauge_text(std::uint64_t level, std::uint64_t capacity, bool bytes);

inline constexpr std::size_t tcp_state_count = static_cast<std::size_t>(trace::TcpState::time_wait) + 1;

struct ServerStateCounts {
    std::array<std::size_t, tcp_state_count> by_state{};  // server end's TCP state, by TcpState value
    std::size_t not_accepted = 0;  // connections whose server end has no event yet (handshake under way)
    std::size_t total = 0;
};
ServerStateCounts count_server_states(const trace::WorldState& state);
// "10,000 connections: 9,812 ESTABLISHED, 120 TIME_WAIT, 68 handshake under way"
// (largest count first).
std::string connection_summary(const trace::WorldState& state);

// The call the loop blocks in, by the server host's OS: "epoll_wait",
// "kevent" or "GetQueuedCompletionStatus".
std::string_view wait_call_name(const trace::Trace& trace);

// The connection the inspector shows when following the cursor: the cursor
// event's, else the nearest earlier event's (looking back a bounded number
// of events); -1 when there is none.
std::int32_t connection_near(const trace::Trace& trace, std::size_t cursor);

// The connection shown: the pinned one, or connection_near().
std::int32_t inspected_connection(const trace::Trace& trace, std::size_t cursor, const InspectorState& inspector);

}  // namespace loopscope::ui
