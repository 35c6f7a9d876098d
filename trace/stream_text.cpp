#include "trace/stream_text.hpp"

#include <algorithm>

namespace loopscope::trace {

StreamText::StreamText(const Trace& trace) {
    const int client_data = field_index(Kind::client_write, "data");
    const int loop_data = field_index(Kind::loop_write, "data");
    if (client_data < 0 && loop_data < 0) return;  // an older trace format: lengths only
    const int client_accepted = field_index(Kind::client_write, "accepted");
    const int client_total = field_index(Kind::client_write, "total");
    const int loop_accepted = field_index(Kind::loop_write, "accepted");

    std::unordered_map<std::int32_t, const ConnectionInfo*> connections;
    for (const auto& c : trace.header.connections) connections[c.id] = &c;
    // Bytes the server side has handed to its kernel so far, per connection
    // (loop.write carries no running total; client.write does).
    std::unordered_map<std::int32_t, std::uint64_t> server_sent;

    for (const Event& e : trace.events()) {
        if (e.kind != Kind::client_write && e.kind != Kind::loop_write) continue;
        const auto found = connections.find(e.conn);
        if (found == connections.end()) continue;
        const bool client_side = e.host == found->second->client_host;
        std::uint64_t offset = 0;
        std::int64_t accepted = 0;
        std::string_view text;
        if (e.kind == Kind::client_write) {
            accepted = trace.arg(e, client_accepted);
            offset = static_cast<std::uint64_t>(std::max<std::int64_t>(0, trace.arg(e, client_total) - accepted));
            if (client_data >= 0) text = trace.text(trace.arg(e, client_data));
        } else {
            accepted = trace.arg(e, loop_accepted);
            std::uint64_t& sent = server_sent[e.conn];
            offset = sent;
            sent += static_cast<std::uint64_t>(std::max<std::int64_t>(0, accepted));
            if (loop_data >= 0) text = trace.text(trace.arg(e, loop_data));
        }
        // The text is a prefix of what the kernel accepted; never more.
        text = text.substr(0, static_cast<std::size_t>(std::max<std::int64_t>(0, accepted)));
        if (!text.empty()) streams_[key(e.conn, client_side)][offset] = text;
    }
}

void StreamText::fill(std::int32_t conn, bool client_side, std::uint64_t offset, std::uint8_t* out, std::size_t size,
                      std::string_view filler) const {
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<std::uint8_t>(filler[(offset + i) % filler.size()]);
    const auto stream = streams_.find(key(conn, client_side));
    if (stream == streams_.end()) return;
    const Pieces& pieces = stream->second;
    // The piece that starts at or before `offset`, then every later one that
    // starts inside the range.
    auto it = pieces.upper_bound(offset);
    if (it != pieces.begin()) --it;
    const std::uint64_t end = offset + size;
    for (; it != pieces.end() && it->first < end; ++it) {
        const std::uint64_t from = std::max(offset, it->first);
        const std::uint64_t to = std::min(end, it->first + it->second.size());
        for (std::uint64_t at = from; at < to; ++at)
            out[at - offset] = static_cast<std::uint8_t>(it->second[at - it->first]);
    }
}

std::uint64_t StreamText::known_bytes(std::int32_t conn, bool client_side) const {
    const auto stream = streams_.find(key(conn, client_side));
    if (stream == streams_.end()) return 0;
    std::uint64_t total = 0;
    for (const auto& [offset, text] : stream->second) total += text.size();
    return total;
}

}  // namespace loopscope::trace
