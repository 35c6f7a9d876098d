// The event list tab: every event of the trace in a filterable table (time,
// lane, connection, kind, sentence). Only the rows on screen are laid out
// and only their sentences are written, so it stays fast on 1M events.
// Selecting a row returns its event index; the app moves the cursor there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "trace/trace.hpp"
#include "ui/event_filter.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

struct EventListState {
    EventFilter filter;
    char text[64] = {};             // the search box (copied into filter.text each frame)
    int conn_field = -1;            // the connection box: -1 = every connection
    std::size_t last_cursor = SIZE_MAX;  // the cursor the table last scrolled to

    // The filtered rows and what they were made from; rebuilt when any changes.
    std::vector<std::uint32_t> rows;
    EventFilter rows_filter;
    const trace::Trace* rows_trace = nullptr;
    std::size_t rows_trace_size = 0;
    bool rows_valid = false;
    std::uint32_t lanes_present = 0;  // lanes that occur in rows_trace (their checkboxes are shown)
};

std::optional<std::size_t> draw_event_list(const trace::Trace& trace, std::size_t cursor, EventListState& state,
                                           const ViewStyle& style);

}  // namespace loopscope::ui
