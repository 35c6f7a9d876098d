// The simulator's side of the trace: appends events and inserts the lesson's
// captions (note.caption) just before the event each caption is tied to.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "sim/scenario.hpp"
#include "trace/stream_text.hpp"
#include "trace/trace.hpp"

namespace loopscope::sim {

inline constexpr std::uint8_t server_host = 0;
inline constexpr std::uint8_t client_host = 1;
using trace::payload_text_limit;  // the data field's limit (trace/stream_text.hpp)

class Recorder {
public:
    explicit Recorder(const Scenario& scenario);

    // Records an event and returns its index (the id other events name as
    // their cause). `fields` follow the kind's field order in trace/kinds.cpp.
    std::uint32_t emit(Nanos time, trace::Kind kind, std::uint8_t host, std::int32_t conn,
                       std::uint32_t cause, std::initializer_list<std::int64_t> fields) {
        return emit(time, kind, host, conn, cause, std::span<const std::int64_t>(fields.begin(), fields.size()));
    }
    std::uint32_t emit(Nanos time, trace::Kind kind, std::uint8_t host, std::int32_t conn, std::uint32_t cause,
                       std::span<const std::int64_t> fields);

    // The `data` field of client.write and loop.write: the bytes written up
    // to the first one that is not printable ASCII, CR, LF or TAB, at most
    // payload_text_limit of them, interned (an HTTP request, the head of a
    // response whose body is an image, an echo message; binary data such as
    // TLS records gives "" and is not copied into the trace).
    std::int64_t payload_text(std::string_view bytes);

    // The lesson's captions (for this OS) that no event has matched yet: in
    // a real trace, those about moments real mode cannot observe.
    std::vector<std::uint32_t> unshown_caption_steps() const;

    trace::Trace& trace() { return trace_; }
    trace::Trace take() { return std::move(trace_); }

private:
    struct Condition {
        std::size_t field;    // index in the kind's fields
        std::int64_t value;   // text: the interned string
    };
    struct PendingCaption {
        std::int32_t conn;
        std::uint32_t nth;
        std::uint32_t seen = 0;
        std::int64_t text;  // interned
        std::uint32_t step;
        int host = -1;      // -1: either
        std::vector<Condition> where;
        bool shown = false;
    };
    trace::Trace trace_;
    // Captions grouped by the kind that triggers them, in lesson order.
    std::vector<std::vector<PendingCaption>> captions_by_kind_;
};

}  // namespace loopscope::sim
