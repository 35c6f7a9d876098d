// The sequence diagram tab: the packets between the client(s) and the
// server as a Wireshark-style flow graph. One column per endpoint, one row
// per segment in time order (not to scale), each an arrow from sender to
// receiver labelled with its flags, seq/ack, length and window. The row at
// the cursor is highlighted and kept in view; clicking a row picks its event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "trace/trace.hpp"
#include "ui/sequence_model.hpp"
#include "ui/view_style.hpp"

namespace loopscope::ui {

struct SequenceState {
    std::int32_t conn_filter = -1;  // -1: all connections; otherwise only this one
    int conn_field = 0;             // the number in the connection picker
    std::size_t last_cursor = SIZE_MAX;  // the cursor the view last scrolled to

    // The rows shown (indices into SequenceModel::segments) and what they were made from.
    std::vector<std::uint32_t> rows;
    const SequenceModel* rows_model = nullptr;
    std::size_t rows_model_segments = 0;
    std::int32_t rows_conn = -2;
};

std::optional<std::size_t> draw_sequence(const trace::Trace& trace, const SequenceModel& model, std::size_t cursor,
                                         SequenceState& state, const ViewStyle& style);

}  // namespace loopscope::ui
