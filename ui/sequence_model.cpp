// Building the flow graph: which host sent each segment comes from the
// event's host, compared with the connection's client host in the header;
// the receiver is the other end.
#include "trace/explain.hpp"
#include "ui/sequence_model.hpp"

#include <algorithm>

namespace loopscope::ui {
namespace {


const trace::ConnectionInfo* find_connection(const trace::Trace& trace, std::int32_t conn) {
    const auto& list = trace.header.connections;
    // Connections are usually listed in id order from 1; try the direct slot first.
    if (conn >= 1 && static_cast<std::size_t>(conn) <= list.size() && list[static_cast<std::size_t>(conn) - 1].id == conn)
        return &list[static_cast<std::size_t>(conn) - 1];
    for (const trace::ConnectionInfo& info : list)
        if (info.id == conn) return &info;
    return nullptr;
}

bool sent_by_client(const trace::Trace& trace, const trace::Event& e) {
    if (const trace::ConnectionInfo* info = find_connection(trace, e.conn)) {
        if (info->client_host != info->server_host) return e.host == info->client_host;
    }
    return e.host < trace.header.hosts.size() && trace.header.hosts[e.host].role != "server";
}

std::string server_label(const trace::Trace& trace) {
    std::string label = "server";
    // One listening port names the server the way Wireshark shows it.
    if (trace.header.listeners.size() == 1) label += " :" + std::to_string(trace.header.listeners.front().port);
    return label;
}

}  // namespace

SequenceModel::SequenceModel(const trace::Trace& trace, std::size_t max_client_columns)
    : SequenceModel(build_sequence_model(trace, max_client_columns)) {}

std::uint16_t SequenceModel::column_of(std::int32_t conn) const {
    const auto found = client_column.find(conn);
    return found == client_column.end() ? std::uint16_t{0} : found->second;
}

std::string client_label(const trace::Trace& trace, std::int32_t conn) {
    if (const trace::ConnectionInfo* info = find_connection(trace, conn); info != nullptr && info->client_port != 0)
        return "client :" + std::to_string(info->client_port);
    return "client (conn " + std::to_string(conn) + ")";
}

SequenceModel build_sequence_model(const trace::Trace& trace, std::size_t max_client_columns) {
    SequenceModel model;
    model.endpoints.push_back({SequenceEndpoint::Role::server, trace::no_conn, server_label(trace)});
    const int f_dur = trace::field_index(trace::Kind::wire_segment, "dur");
    const int f_lost = trace::field_index(trace::Kind::wire_segment, "lost");
    const int f_retransmit = trace::field_index(trace::Kind::wire_segment, "retransmit");
    std::uint16_t others = 0;  // column of "other clients", once needed
    const auto events = trace.events();
    for (std::size_t i = 0; i < events.size(); ++i) {
        const trace::Event& e = events[i];
        if (e.kind != trace::Kind::wire_segment) continue;
        auto [slot, inserted] = model.client_column.try_emplace(e.conn, std::uint16_t{0});
        if (inserted) {
            ++model.connection_count;
            if (model.endpoints.size() - 1 < max_client_columns) {
                slot->second = static_cast<std::uint16_t>(model.endpoints.size());
                model.endpoints.push_back({SequenceEndpoint::Role::client, e.conn, client_label(trace, e.conn)});
            } else {
                if (others == 0) {
                    others = static_cast<std::uint16_t>(model.endpoints.size());
                    model.endpoints.push_back({SequenceEndpoint::Role::other_clients, trace::no_conn, {}});
                }
                slot->second = others;
            }
        }
        SequenceSegment s;
        s.event = static_cast<std::uint32_t>(i);
        s.conn = e.conn;
        s.from_client = sent_by_client(trace, e);
        s.from = s.from_client ? slot->second : std::uint16_t{0};
        s.to = s.from_client ? std::uint16_t{0} : slot->second;
        s.lost = trace.arg(e, f_lost) != 0;
        s.retransmit = trace.arg(e, f_retransmit) != 0;
        s.sent = e.time;
        s.arrival = e.time + std::max<trace::Nanos>(0, trace.arg(e, f_dur));
        model.segments.push_back(s);
    }
    if (others != 0) {
        const std::size_t hidden = model.connection_count - max_client_columns;
        model.endpoints[others].label = "other clients (" + trace::format_count(hidden) + ")";
    }
    return model;
}

std::string segment_label(const trace::Trace& trace, const SequenceSegment& segment) {
    const trace::Event& e = trace[segment.event];
    const auto a = trace.args(e);  // flags, seq, ack, len, win, dur, lost, retransmit
    std::string label = trace::tcp_flags_text(static_cast<std::uint8_t>(a[0]));
    label += " seq=" + std::to_string(a[1]);
    if ((a[0] & trace::tcp_ack) != 0) label += " ack=" + std::to_string(a[2]);
    label += " len=" + std::to_string(a[3]) + " win=" + std::to_string(a[4]);
    if (segment.retransmit) label += " (retransmission)";
    if (segment.lost) label += " (lost)";
    return label;
}

std::vector<std::uint32_t> segment_rows(const SequenceModel& model, std::int32_t conn) {
    std::vector<std::uint32_t> rows;
    if (conn < 0) {
        rows.resize(model.segments.size());
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::uint32_t>(i);
        return rows;
    }
    for (std::size_t i = 0; i < model.segments.size(); ++i)
        if (model.segments[i].conn == conn) rows.push_back(static_cast<std::uint32_t>(i));
    return rows;
}

std::optional<std::size_t> segment_row_at_or_before(const SequenceModel& model, std::span<const std::uint32_t> rows,
                                                    std::size_t cursor) {
    const auto after = std::upper_bound(rows.begin(), rows.end(), cursor, [&](std::size_t c, std::uint32_t row) {
        return c < model.segments[row].event;
    });
    if (after == rows.begin()) return std::nullopt;
    return static_cast<std::size_t>(after - rows.begin()) - 1;
}

}  // namespace loopscope::ui
