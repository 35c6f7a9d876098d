// Traces built by hand for the trace/ tests: a small world (a server, a
// client, one listener) and an event of every kind with distinctive values.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "trace/jsonl.hpp"
#include "trace/trace.hpp"

namespace loopscope::test {

inline trace::TraceHeader small_world_header() {
    trace::TraceHeader h;
    h.scenario_id = "tcp-echo";
    h.scenario_title = "Echo: \"hello\" and back";
    h.scenario_json = R"({"seed":7,"clients":{"count":2},"os":"linux"})";
    h.hosts = {{"server", "server", "linux"}, {"client", "client", "linux"}};
    h.connections = {{1, 1, 0, 40001, 3000, 1}, {2, 1, 0, 40002, 3000, 1}};
    h.listeners = {{1, 0, 3000, 511}};
    return h;
}

// A value for a field of the given type that exercises it: the largest enum
// name, "SYN|ACK", -1 for nanos, big counts.
inline std::int64_t sample_value(trace::Trace& t, trace::FieldType type, std::size_t salt) {
    using F = trace::FieldType;
    switch (type) {
        case F::count: return static_cast<std::int64_t>(1000 + salt);
        case F::bytes: return static_cast<std::int64_t>(65536 * (salt % 3) + salt);
        case F::nanos: return salt % 4 == 0 ? -1 : static_cast<std::int64_t>(1500 * salt);
        case F::flag: return static_cast<std::int64_t>(salt % 2);
        case F::text: return t.intern(salt % 2 ? "caf\xC3\xA9 \"quoted\"\n\ttab" : "Step: the SYN arrives");
        case F::tcp_flags: return trace::tcp_syn | trace::tcp_ack;
        default: return static_cast<std::int64_t>((salt % trace::enum_names(type).size()));
    }
}

// One event of every kind, in catalogue order, with ids that skip (so id and
// index differ), causes pointing back, and a few events without a connection.
inline trace::Trace every_kind_trace() {
    trace::Trace t;
    t.header = small_world_header();
    std::uint32_t id = 5;
    for (const trace::KindSpec& spec : trace::all_kinds()) {
        std::vector<std::int64_t> values;
        const std::size_t index = t.size();
        for (const trace::FieldSpec& f : spec.fields) values.push_back(sample_value(t, f.type, index + values.size()));
        const std::uint8_t host = index % 3 == 0 ? 1 : 0;
        const std::int32_t conn = index % 5 == 0 ? trace::no_conn : static_cast<std::int32_t>(1 + index % 2);
        const std::uint32_t cause = index == 0 ? trace::no_event : static_cast<std::uint32_t>(index / 2);
        t.append(static_cast<trace::Nanos>(index * 1000), spec.kind, host, conn, cause, values);
        t.set_last_id(id);
        id += 1 + static_cast<std::uint32_t>(index % 3);
    }
    return t;
}

inline std::string to_jsonl(const trace::Trace& t) {
    std::ostringstream out;
    trace::write_trace(out, t);
    return out.str();
}

}  // namespace loopscope::test
