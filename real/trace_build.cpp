#include "real/trace_build.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "real/scenario_real.hpp"
#include "sim/recorder.hpp"

namespace loopscope::real {

using trace::Kind;

namespace {

// One record or one captured segment, in the merged time order.
struct Item {
    Nanos time;
    std::uint32_t source;  // tracer index, or tracers.size() for the capture
    std::uint32_t index;
};

class ConnectionTable {
public:
    explicit ConnectionTable(std::uint16_t server_port) : server_port_(server_port) {}

    std::int32_t id_for(std::int32_t port, bool new_connection) {
        if (port < 0) return trace::no_conn;
        auto it = ids_.find(port);
        if (it == ids_.end() || new_connection) {
            const auto id = static_cast<std::int32_t>(connections_.size() + 1);
            trace::ConnectionInfo info;
            info.id = id;
            info.client_host = sim::client_host;
            info.server_host = sim::server_host;
            info.client_port = static_cast<std::uint32_t>(port);
            info.server_port = server_port_;
            info.listener = 1;
            connections_.push_back(info);
            ids_[port] = id;
            return id;
        }
        return it->second;
    }
    std::vector<trace::ConnectionInfo> take() { return std::move(connections_); }

private:
    std::uint16_t server_port_;
    std::unordered_map<std::int32_t, std::int32_t> ids_;
    std::vector<trace::ConnectionInfo> connections_;
};

// Sequence numbers relative to each direction's first sequence number, as
// Wireshark shows them.
class RelativeSequence {
public:
    std::uint32_t seq(std::uint16_t from, std::uint16_t to, std::uint32_t absolute, bool syn) {
        const std::uint32_t key = (std::uint32_t{from} << 16) | to;
        auto it = base_.find(key);
        if (it == base_.end() || syn) it = base_.insert_or_assign(key, absolute).first;
        return absolute - it->second;
    }
    std::uint32_t ack(std::uint16_t from, std::uint16_t to, std::uint32_t absolute) {
        // Our ack acknowledges the other direction's sequence numbers.
        const std::uint32_t key = (std::uint32_t{to} << 16) | from;
        const auto it = base_.find(key);
        return it == base_.end() ? 0 : absolute - it->second;
    }

private:
    std::unordered_map<std::uint32_t, std::uint32_t> base_;
};

}  // namespace

trace::Trace build_real_trace(const sim::Scenario& scenario, const RealRunInfo& info,
                              std::span<Tracer* const> tracers, std::span<const CapturedSegment> segments,
                              RunNotes& notes) {
    // One line from stamps to ns for every tracer of the run: the one that
    // started first, calibrated now, spans the whole run (the widest base
    // gives the best rate), and each tracer calibrating its own put events
    // of different threads up to tens of µs out of order.
    if (!tracers.empty()) {
        Tracer* first = *std::min_element(tracers.begin(), tracers.end(), [](const Tracer* a, const Tracer* b) {
            return a->clock().start_ticks() < b->clock().start_ticks();
        });
        first->finish_clock();
        for (Tracer* t : tracers) t->use_clock(first->clock());
    }
    std::vector<Item> items;
    std::size_t total = segments.size();
    for (const Tracer* t : tracers) total += t->size();
    items.reserve(total);
    for (std::uint32_t s = 0; s < tracers.size(); ++s)
        for (std::uint32_t i = 0; i < tracers[s]->size(); ++i)
            items.push_back(Item{tracers[s]->time_of((*tracers[s])[i]), s, i});
    const auto capture_source = static_cast<std::uint32_t>(tracers.size());
    for (std::uint32_t i = 0; i < segments.size(); ++i) items.push_back(Item{segments[i].time, capture_source, i});
    // Stable: records of one tracer keep their recorded order at equal times.
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.time < b.time; });

    // The captions are those for the OS the run really used.
    sim::Scenario as_run = scenario;
    as_run.os = native_os();
    sim::Recorder recorder(as_run);
    trace::Trace& out = recorder.trace();
    out.header.source = "real";
    out.header.clock = "monotonic";
    out.header.scenario_id = scenario.id;
    out.header.scenario_title = scenario.title;
    out.header.scenario_json = scenario.source_json;
    const std::string os(sim::os_name(native_os()));
    out.header.hosts = {{"server", "server", os}, {"client", "client", os}};
    out.header.listeners = {{1, sim::server_host, info.server_port, info.backlog}};

    ConnectionTable connections(info.server_port);
    RelativeSequence sequence;
    // Record number → event index, per tracer, for causes.
    std::vector<std::vector<std::uint32_t>> index_of(tracers.size());
    for (std::size_t s = 0; s < tracers.size(); ++s) index_of[s].assign(tracers[s]->size(), trace::no_event);

    std::int64_t values[max_record_fields];
    std::uint64_t dropped = 0;
    for (const Tracer* t : tracers) dropped += t->dropped();
    const Nanos origin = info.started;
    for (const Item& item : items) {
        const Nanos time = std::max<Nanos>(0, item.time - origin);
        if (item.source == capture_source) {
            const CapturedSegment& seg = segments[item.index];
            const bool from_client = seg.dst_port == info.server_port;
            const std::uint16_t client_port = from_client ? seg.src_port : seg.dst_port;
            const std::int32_t conn = connections.id_for(client_port, false);
            const bool syn = (seg.flags & trace::tcp_syn) != 0;
            const std::int64_t fields[] = {seg.flags,
                                           sequence.seq(seg.src_port, seg.dst_port, seg.seq, syn),
                                           (seg.flags & trace::tcp_ack) ? sequence.ack(seg.src_port, seg.dst_port, seg.ack) : 0,
                                           seg.len, seg.win,
                                           0,  // loopback: no measurable time on the link
                                           0, 0};
            recorder.emit(time, Kind::wire_segment, from_client ? sim::client_host : sim::server_host, conn,
                          trace::no_event, fields);
            continue;
        }
        const Tracer& tracer = *tracers[item.source];
        const TraceRecord& r = tracer[item.index];
        const trace::KindSpec& spec = trace::kind_spec(r.kind);
        if (r.field_count != spec.fields.size())
            throw std::logic_error("real trace: a " + std::string(spec.name) + " record has " +
                                   std::to_string(r.field_count) + " fields, the kind has " +
                                   std::to_string(spec.fields.size()));
        for (std::size_t f = 0; f < spec.fields.size(); ++f) {
            values[f] = tracer.field_value(r, static_cast<int>(f));
            if (spec.fields[f].type == trace::FieldType::text) values[f] = out.intern(tracer.text_of(r.fields[f]));
        }
        const std::int32_t conn = connections.id_for(r.conn, r.kind == Kind::client_connect);
        const std::uint32_t cause =
            r.cause != no_record && r.cause < index_of[item.source].size() ? index_of[item.source][r.cause] : trace::no_event;
        index_of[item.source][item.index] =
            recorder.emit(time, r.kind, r.host, conn, cause, std::span<const std::int64_t>(values, spec.fields.size()));
    }
    out.header.connections = connections.take();
    if (dropped != 0)
        notes.add("the recorder was full: " + std::to_string(dropped) +
                  " events were not recorded (the trace is complete up to that point)");
    // The simulator sees every TCP state and every packet; a real run sees
    // what TCP_INFO, the socket calls and (with --capture) the packets show.
    if (const auto unshown = recorder.unshown_caption_steps(); !unshown.empty()) {
        std::string steps;
        for (const std::uint32_t step : unshown) steps += (steps.empty() ? "" : ", ") + std::to_string(step);
        notes.add(std::to_string(unshown.size()) + " of the lesson's captions (" + steps +
                  (unshown.size() == 1 ? ") is" : ") are") +
                  " not shown: the moments they describe did not happen or are not visible on real sockets "
                  "(the simulator shows them all)");
    }
    return recorder.take();
}

}  // namespace loopscope::real
