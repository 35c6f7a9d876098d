// What the timeline shows, computed once per trace: rows grouped by lane,
// each row's items (instants and spans) in time order, and the level series
// (buffer levels, queue lengths) drawn as filled plots. Drawing then only
// binary-searches these arrays (see timeline_lod.hpp), so a frame costs the
// same on a 100-event lesson as on a 1,000,000-event trace.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.hpp"
#include "ui/timeline_range.hpp"

namespace loopscope::ui {

using trace::Nanos;

// Which end of a connection a kernel row or a level series belongs to.
enum class Endpoint : std::uint8_t { none, server, client };

enum class RowKind : std::uint8_t {
    events,     // one connection, listener, worker or the main thread
    aggregate,  // every connection of a lane at once, drawn as a heat strip
};

struct TimelineRow {
    std::string label;                 // "conn 3", "main thread", "10,000 connections"
    trace::Lane lane = trace::Lane::note;
    RowKind kind = RowKind::events;
    std::int32_t conn = trace::no_conn;
    Endpoint endpoint = Endpoint::none;
    std::uint32_t listener = 0;        // kernel listener row: its id
    std::uint32_t worker = 0;          // pool worker row: its number
    // Aggregate mode: a per-connection row is only shown, under this
    // aggregate row, while its connection is drilled into. -1 otherwise.
    std::int32_t parent = -1;
    // Aggregate rows: their per-connection rows are rows
    // [detail_first, detail_last), sorted by connection.
    std::uint32_t detail_first = 0;
    std::uint32_t detail_last = 0;

    // Items in order of their start time: the event, where it starts and
    // (for spans) where it ends. `ends` is empty when no item is a span.
    std::vector<std::uint32_t> events;
    std::vector<Nanos> starts;
    std::vector<Nanos> ends;
    Nanos longest = 0;            // longest span duration: bounds the visible-range search
    // Latest end over any item range, for span rows of tree_threshold items
    // or more; shorter rows are scanned directly.
    RangeExtremes end_extremes;
    std::vector<std::uint32_t> series;  // level series drawn in (or in bands under) this row
    // The kind of every item when they all share one (a wire row holds only
    // segments): merged blocks then say "12 segments" instead of "12 events".
    std::optional<trace::Kind> only_kind;

    static constexpr std::size_t tree_threshold = 64;
    static constexpr std::size_t npos = RangeExtremes::npos;

    std::size_t size() const { return events.size(); }
    bool has_spans() const { return !ends.empty(); }
    Nanos end_of(std::size_t item) const { return ends.empty() ? starts[item] : ends[item]; }
    // Builds end_extremes once `ends` is final.
    void index_ends();
    // The latest end among items [first, last), first < last.
    Nanos max_end(std::size_t first, std::size_t last) const;
    // The first / last item in [first, last) ending at or after t, or npos.
    std::size_t first_ending_after(std::size_t first, std::size_t last, Nanos t) const;
    std::size_t last_ending_after(std::size_t first, std::size_t last, Nanos t) const;
};

enum class LevelQuantity : std::uint8_t {
    writable_length,  // Node: bytes still in user space (socket.writableLength)
    send_buffer,      // kernel send buffer (unsent + unacknowledged)
    recv_buffer,      // kernel receive buffer (unread)
    syn_queue,        // listener: half-open connections
    accept_queue,     // listener: connections waiting for accept()
};

// A quantity that changes by steps: value(t) is the value of the last step
// at or before t (0 before the first). Several steps may share one time
// (events in the same nanosecond); each keeps the trace index of the event
// that made it, so the value as of a step of the trace can be told apart
// from the value after everything at that time.
struct LevelSeries {
    std::string label;              // "receive buffer", "accept queue"
    LevelQuantity quantity = LevelQuantity::recv_buffer;
    std::int32_t conn = trace::no_conn;
    Endpoint endpoint = Endpoint::none;
    std::uint32_t listener = 0;
    bool summed = false;            // aggregate: the sum over all connections
    std::int64_t capacity = 0;      // buffer size / backlog / highWaterMark; 0 = unknown
    std::int64_t peak = 0;          // largest value in the series
    bool is_bytes = true;           // bytes (buffers) or a count (queues)
    std::vector<Nanos> times;
    std::vector<std::int64_t> values;
    std::vector<std::uint32_t> events;  // the event that made each step (ascending)
    RangeExtremes extremes;         // built only for series of tree_threshold steps or more

    static constexpr std::size_t tree_threshold = 64;

    // The value at time t, after every step at t.
    std::int64_t value_at(Nanos t) const;
    // The value as of trace step `event`: after the last step made by an
    // event at or before that index. This is what the inspector shows.
    std::int64_t value_at_event(std::size_t event) const;
    // Min and max of value(t) over [t0, t1); {0, 0} before the first step.
    std::pair<std::int64_t, std::int64_t> min_max(Nanos t0, Nanos t1) const;
    // The height the plot scales to: the capacity, or the peak when larger.
    std::int64_t scale() const { return std::max<std::int64_t>({capacity, peak, 1}); }
};

struct TimelineModelOptions {
    // With more connections than this, per-connection lanes show one
    // aggregate row each, with drill-down to one connection.
    std::size_t max_connection_rows = 16;
};

class TimelineModel {
public:
    static constexpr std::uint32_t no_row = 0xffffffffu;

    TimelineModel() = default;
    explicit TimelineModel(const trace::Trace& trace, const TimelineModelOptions& options = {});

    const std::vector<TimelineRow>& rows() const { return rows_; }
    const std::vector<LevelSeries>& series() const { return series_; }
    // The row holding an event (its own connection's row, also in
    // aggregate mode), or no_row for an index outside the trace.
    std::uint32_t row_of(std::size_t event) const {
        return event < row_of_event_.size() ? row_of_event_[event] : no_row;
    }
    // The item position of an event within its row.
    std::uint32_t item_of(std::size_t event) const {
        return event < item_of_event_.size() ? item_of_event_[event] : 0;
    }
    bool aggregated() const { return aggregated_; }
    std::size_t connection_count() const { return connection_count_; }
    // The first event time and the last time anything is drawn (span ends
    // included): what fit-all shows.
    Nanos first_time() const { return first_time_; }
    Nanos last_time() const { return last_time_; }
    std::size_t memory_bytes() const;

private:
    std::vector<TimelineRow> rows_;
    std::vector<LevelSeries> series_;
    std::vector<std::uint32_t> row_of_event_;
    std::vector<std::uint32_t> item_of_event_;
    bool aggregated_ = false;
    std::size_t connection_count_ = 0;
    Nanos first_time_ = 0;
    Nanos last_time_ = 0;

    friend class TimelineModelBuilder;
};

// "conn 3", "listener 1", "worker 2"... and the lane group titles the
// gutter shows ("wire: packets", "js: your callbacks").
std::string lane_title(trace::Lane lane);
// The title of a group with only this row: the lane's title, or for the
// notifier, kernel and pool "notifier: epoll" (the row says which).
std::string group_title(const TimelineRow& row);
std::string quantity_label(LevelQuantity quantity);

}  // namespace loopscope::ui
