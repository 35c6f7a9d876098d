// The data behind the sequence diagram: every wire.segment of a trace as a
// row of a Wireshark-style flow graph, with the endpoint it leaves and the
// one it reaches. Built once per trace (one pass); labels are made only for
// the rows on screen, so a 1M-event trace costs 40 bytes per segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace/trace.hpp"

namespace loopscope::ui {

// One vertical line of the diagram.
struct SequenceEndpoint {
    enum class Role : std::uint8_t { server, client, other_clients };
    Role role = Role::server;
    std::int32_t conn = trace::no_conn;  // the client's connection (clients only)
    std::string label;                   // "server :3000", "client :52001", "other clients (9,990)"
};

struct SequenceSegment {
    std::uint32_t event = 0;        // index of the wire.segment event
    std::int32_t conn = trace::no_conn;
    std::uint16_t from = 0;         // endpoint indices in SequenceModel::endpoints
    std::uint16_t to = 0;
    bool from_client = false;       // sent by the client end of its connection
    bool lost = false;
    bool retransmit = false;
    trace::Nanos sent = 0;          // the event's time: the segment leaves its sender
    trace::Nanos arrival = 0;       // sent + dur: it reaches the receiver (never, when lost)
};

inline constexpr std::size_t default_client_columns = 8;

struct SequenceModel {
    SequenceModel() = default;
    // The same as build_sequence_model(trace, max_client_columns).
    explicit SequenceModel(const trace::Trace& trace, std::size_t max_client_columns = default_client_columns);

    // [0] is the server; then one column per client connection up to the
    // limit, then (when there are more) one column for all other clients.
    std::vector<SequenceEndpoint> endpoints;
    std::vector<SequenceSegment> segments;  // in trace order
    std::size_t connection_count = 0;       // connections that sent or received a segment
    // Column of each connection's client (other_clients for those past the limit).
    std::unordered_map<std::int32_t, std::uint16_t> client_column;

    std::uint16_t column_of(std::int32_t conn) const;
};

SequenceModel build_sequence_model(const trace::Trace& trace, std::size_t max_client_columns = default_client_columns);

// "SYN|ACK seq=0 ack=1 len=0 win=65535", with " (retransmission)" and
// " (lost)" appended like Wireshark's marks.
std::string segment_label(const trace::Trace& trace, const SequenceSegment& segment);

// "client :52001" for a connection, from the trace header ("client (conn 3)"
// when the header does not list it).
std::string client_label(const trace::Trace& trace, std::int32_t conn);

// Positions in `rows` (indices into model.segments, ascending) of the last
// segment whose event is at or before `cursor`; nullopt when none is.
std::optional<std::size_t> segment_row_at_or_before(const SequenceModel& model, std::span<const std::uint32_t> rows,
                                                    std::size_t cursor);

// The rows (indices into model.segments) of one connection's segments, or of
// every segment when conn is -1.
std::vector<std::uint32_t> segment_rows(const SequenceModel& model, std::int32_t conn);

}  // namespace loopscope::ui
