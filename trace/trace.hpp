// The trace container: a header plus a time-ordered array of compact events.
// Kind-specific fields live in one shared array of integers (strings are
// interned), so an event costs its 32-byte record plus 8 bytes per field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/kinds.hpp"

namespace loopscope::trace {

// "No event": used for a missing cause.
inline constexpr std::uint32_t no_event = 0xffffffffu;
inline constexpr std::int32_t no_conn = -1;

struct Event {
    Nanos time = 0;
    std::uint32_t cause = no_event; // index (not id) of the causing event in this trace
    Kind kind = Kind::note_caption;
    std::uint8_t host = 0;          // index into TraceHeader::hosts
    std::int32_t conn = no_conn;    // connection id, or no_conn
    std::uint32_t first_arg = 0;    // index of this event's first field in Trace::args
};
// The id written in the file is not stored here: it equals the index unless
// a file numbered its events otherwise (Trace::id() keeps those).
static_assert(sizeof(Event) == 24, "events stay compact: a 1M-event trace must fit in 64 MB");

struct HostInfo {
    std::string name;  // "server", "client"
    std::string role;  // "server" or "client"
    std::string os;    // "linux", "macos", "windows"
};

struct ConnectionInfo {
    std::int32_t id = 0;
    std::uint8_t client_host = 0;
    std::uint8_t server_host = 0;
    std::uint32_t client_port = 0;
    std::uint32_t server_port = 0;
    std::uint32_t listener = 0;  // listener id that accepted it (0 = none)
};

struct ListenerInfo {
    std::uint32_t id = 0;  // from 1
    std::uint8_t host = 0;
    std::uint32_t port = 0;
    std::uint32_t backlog = 0;
};

struct TraceHeader {
    static constexpr std::string_view format_name = "loopscope-trace";
    static constexpr int current_version = 1;
    int version = current_version;
    std::string source = "sim";     // "sim" or "real"
    std::string clock = "virtual";  // "virtual" or "monotonic"
    std::string scenario_id;
    std::string scenario_title;
    std::string scenario_json = "{}";  // the scenario and its parameters, compact JSON
    std::vector<HostInfo> hosts;
    std::vector<ConnectionInfo> connections;
    std::vector<ListenerInfo> listeners;
};

class Trace {
public:
    TraceHeader header;

    std::size_t size() const { return events_.size(); }
    bool empty() const { return events_.empty(); }
    const Event& operator[](std::size_t index) const { return events_[index]; }
    std::span<const Event> events() const { return events_; }

    // The fields of an event, in the order of kind_spec(e.kind).fields.
    std::span<const std::int64_t> args(const Event& e) const {
        return {args_.data() + e.first_arg, kind_spec(e.kind).fields.size()};
    }
    std::int64_t arg(const Event& e, int field) const { return args_[e.first_arg + field]; }
    // By name; 0 when the kind has no such field.
    std::int64_t arg(const Event& e, std::string_view field) const;
    std::string_view text(std::int64_t index) const;

    // Adds an event; `values` must have exactly one entry per field of the
    // kind. The event id is its index unless set_last_id() changes it.
    // Returns the new event's index.
    std::uint32_t append(Nanos time, Kind kind, std::uint8_t host, std::int32_t conn,
                         std::uint32_t cause, std::span<const std::int64_t> values);
    std::uint32_t append(Nanos time, Kind kind, std::uint8_t host, std::int32_t conn,
                         std::uint32_t cause, std::initializer_list<std::int64_t> values) {
        return append(time, kind, host, conn, cause, std::span<const std::int64_t>(values.begin(), values.size()));
    }
    void set_last_id(std::uint32_t id);
    // The stable id of the event at `index`, as written in the file.
    std::uint32_t id(std::size_t index) const {
        return ids_.empty() ? static_cast<std::uint32_t>(index) : ids_[index];
    }
    // Changes one field of an event already recorded (the simulator fills in
    // a callback's duration once the callback has run).
    void set_arg(std::uint32_t index, int field, std::int64_t value) {
        args_[events_[index].first_arg + static_cast<std::uint32_t>(field)] = value;
    }
    std::uint32_t intern(std::string_view text);

    // Index of the event with this id, if any (ids are strictly increasing).
    std::optional<std::uint32_t> index_of_id(std::uint32_t id) const;

    // Set by the reader when the file ended in the middle of a line.
    bool truncated = false;
    std::string truncation_note;

    std::size_t memory_bytes() const;
    // Room for `events` events with `fields` field values in all.
    void reserve(std::size_t events, std::size_t fields);

private:
    std::vector<Event> events_;
    std::vector<std::int64_t> args_;
    std::vector<std::uint32_t> ids_;  // empty while every id equals its index
    std::vector<std::string> strings_;
    std::unordered_map<std::string, std::uint32_t> string_index_;
};

}  // namespace loopscope::trace
