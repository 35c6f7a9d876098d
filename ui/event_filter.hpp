// Which events the event list shows: a pure filter over the trace (lanes,
// kinds, one connection, free text), kept apart from the table so it can be
// tested and timed without a window. The filter decides per kind once, so a
// 1M-event trace is one pass over compact records.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace loopscope::ui {

inline constexpr std::uint32_t all_lanes_mask = (1u << trace::lane_count) - 1;

constexpr std::uint32_t lane_bit(trace::Lane lane) { return 1u << static_cast<unsigned>(lane); }

struct EventFilter {
    std::uint32_t lanes = all_lanes_mask;  // one bit per trace::Lane
    std::bitset<trace::kind_count> kinds;  // the kinds to show; none set means every kind
    std::int32_t conn = -1;                // -1: every event; otherwise only this connection's
    std::string text;                      // case-insensitive part of the kind name ("seg" finds wire.segment)

    bool operator==(const EventFilter&) const = default;
};

// True when the filter lets events of this kind through (lane, kind set, text).
bool kind_passes(const EventFilter& filter, trace::Kind kind);

// Indices of the events that pass the filter, in trace order.
std::vector<std::uint32_t> filter_events(const trace::Trace& trace, const EventFilter& filter);

// The position in `rows` (sorted event indices) of the last event at or
// before `cursor`, or nullopt when every row comes after it (or rows is
// empty). Binary search: the event list calls it every frame.
std::optional<std::size_t> row_at_or_before(std::span<const std::uint32_t> rows, std::size_t cursor);

}  // namespace loopscope::ui
