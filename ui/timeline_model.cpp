// Building the timeline model in two passes over the trace:
//   1. every event goes to its row (found by a packed key, with a one-entry
//      cache because neighbouring events usually share a row), spans get
//      their ends, and level events extend their series and the summed
//      series of their quantity;
//   2. rows are put in lane order; with many connections, aggregate rows
//      are added and filled in trace order (already sorted by time).
// The rows' and series' own queries live in timeline_rows.cpp. Index of the
// builder: build; placing events (key_of, row_for, place_event); level
// series (series_for, level, record_levels); rows (finish_rows, label_of,
// order_rows, fill_aggregate_rows); series to rows (attach_series).
#include "ui/timeline_model.hpp"

#include "trace/explain.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace loopscope::ui {
namespace {

using trace::Kind;
using trace::Lane;

// Where a row sits inside its lane group, in drawing order.
enum class RowPlace : std::uint8_t { listener, shared, connection, worker };

struct RowKey {
    Lane lane = Lane::note;
    RowPlace place = RowPlace::shared;
    Endpoint endpoint = Endpoint::none;
    std::uint32_t id = 0;  // connection id (as unsigned), listener id or worker number

    std::uint64_t packed() const {
        return (static_cast<std::uint64_t>(lane) << 40) | (static_cast<std::uint64_t>(place) << 36) |
               (static_cast<std::uint64_t>(endpoint) << 32) | id;
    }
};

// Field positions looked up once per kind, not once per event.
struct FieldIndices {
    std::array<int, trace::kind_count> dur{}, listener{}, worker{}, job{};
    FieldIndices() {
        for (int k = 0; k < trace::kind_count; ++k) {
            const auto kind = static_cast<Kind>(k);
            dur[k] = trace::field_index(kind, "dur");
            listener[k] = trace::field_index(kind, "listener");
            worker[k] = trace::field_index(kind, "worker");
            job[k] = trace::field_index(kind, "job");
        }
    }
};

// The level quantity an event kind moves, if any (see record_levels).
std::optional<LevelQuantity> quantity_of(Kind kind) {
    switch (kind) {
        case Kind::kernel_recv_buffer: return LevelQuantity::recv_buffer;
        case Kind::kernel_send_buffer: return LevelQuantity::send_buffer;
        case Kind::loop_write: case Kind::js_write: case Kind::js_end_call: case Kind::js_drain:
            return LevelQuantity::writable_length;
        case Kind::kernel_syn_queue: return LevelQuantity::syn_queue;
        case Kind::kernel_accept_queue: case Kind::kernel_ack_dropped: case Kind::loop_accept:
            return LevelQuantity::accept_queue;
        default: return std::nullopt;
    }
}

// Kinds drawn as spans: callbacks and segments with a duration, the
// notifier's blocking wait, loop phases, pool jobs and server threads on a core.
bool may_span(Kind kind) {
    return kind == Kind::wire_segment || kind == Kind::notifier_wake || kind == Kind::loop_phase || kind == Kind::pool_start ||
           kind == Kind::threads_run || trace::kind_spec(kind).lane == Lane::js;
}

bool is_listener_kind(Kind kind) {
    return kind == Kind::kernel_syn_queue || kind == Kind::kernel_accept_queue || kind == Kind::kernel_ack_dropped ||
           kind == Kind::kernel_synack_retransmit;
}

bool per_connection_lane(Lane lane) {
    return lane == Lane::wire || lane == Lane::kernel || lane == Lane::http || lane == Lane::tls ||
           lane == Lane::client || lane == Lane::threads;
}


std::string endpoint_word(Endpoint endpoint) {
    return endpoint == Endpoint::server ? "server" : endpoint == Endpoint::client ? "client" : "";
}

struct SeriesKey {
    LevelQuantity quantity;
    Endpoint endpoint;
    std::uint32_t id;  // connection (as unsigned) or listener
    bool summed;
    std::uint64_t packed() const {
        return (static_cast<std::uint64_t>(quantity) << 40) | (static_cast<std::uint64_t>(endpoint) << 36) |
               (static_cast<std::uint64_t>(summed) << 35) | id;
    }
};

}  // namespace

class TimelineModelBuilder {
public:
    TimelineModelBuilder(const trace::Trace& trace, const TimelineModelOptions& options, TimelineModel& model)
        : trace_(trace), options_(options), model_(model) {}

    void build() {
        // Rows and series come mostly from connections: about four rows and
        // five series each. Reserving avoids moving them while growing.
        const std::size_t conns = trace_.header.connections.size();
        model_.rows_.reserve(4 * conns + 16);
        keys_.reserve(4 * conns + 16);
        ends_.reserve(4 * conns + 16);
        row_by_key_.reserve(4 * conns + 16);
        model_.series_.reserve(5 * conns + 16);
        series_by_key_.reserve(5 * conns + 16);
        model_.row_of_event_.assign(trace_.size(), TimelineModel::no_row);
        model_.item_of_event_.assign(trace_.size(), 0);
        // Two passes: find every event's row and count, so that each row's
        // arrays are allocated once at their final size; then fill them.
        for (std::size_t i = 0; i < trace_.size(); ++i) {
            const trace::Event& e = trace_[i];
            const std::uint32_t r = row_for(key_of(e));
            model_.row_of_event_[i] = r;
            if (auto q = quantity_of(e.kind)) ++level_events_[static_cast<int>(*q)];
            if (may_span(e.kind)) may_span_[r] = true;
        }
        std::vector<std::uint32_t> counts(model_.rows_.size(), 0);
        for (std::uint32_t r : model_.row_of_event_) ++counts[r];
        for (std::size_t r = 0; r < counts.size(); ++r) {
            model_.rows_[r].events.reserve(counts[r]);
            model_.rows_[r].starts.reserve(counts[r]);
            // Only rows with kinds that can last get an array of ends.
            if (may_span_[r]) ends_[r].reserve(counts[r]);
        }
        first_kind_.assign(model_.rows_.size(), Kind{});
        mixed_kinds_.assign(model_.rows_.size(), false);
        for (std::size_t i = 0; i < trace_.size(); ++i) place_event(static_cast<std::uint32_t>(i));
        count_connections();
        finish_rows();
        order_rows();
        if (model_.aggregated_) fill_aggregate_rows();
        finish_series();
        attach_series();
    }

private:
    const trace::Trace& trace_;
    const TimelineModelOptions& options_;
    TimelineModel& model_;
    FieldIndices fields_;
    std::vector<RowKey> keys_;
    std::vector<std::vector<Nanos>> ends_;  // per row that may hold spans, while building
    std::vector<bool> may_span_;
    std::vector<Kind> first_kind_;   // per row: the kind of its first event
    std::vector<bool> mixed_kinds_;  // per row: some event has another kind
    std::unordered_map<std::uint64_t, std::uint32_t> row_by_key_;
    std::uint64_t cached_key_ = ~0ull;
    std::uint32_t cached_row_ = 0;
    std::uint32_t current_event_ = 0;  // the event being placed: level steps record it
    std::uint32_t open_phase_row_ = TimelineModel::no_row;  // the loop.phase span still running
    std::uint32_t open_phase_item_ = 0;
    std::unordered_map<std::int64_t, std::pair<std::uint32_t, std::uint32_t>> running_jobs_;  // job -> (row, item)
    std::unordered_map<std::uint64_t, std::uint32_t> series_by_key_;
    std::vector<SeriesKey> series_keys_;
    std::array<std::size_t, 5> level_events_{};  // events per quantity, for reserving summed series
    // Index of the summed series per quantity and endpoint (no_row: none yet).
    std::array<std::array<std::uint32_t, 3>, 5> summed_series_ = [] {
        std::array<std::array<std::uint32_t, 3>, 5> none;
        for (auto& row : none) row.fill(TimelineModel::no_row);
        return none;
    }();

    Endpoint endpoint_of(const trace::Event& e) const {
        const auto& hosts = trace_.header.hosts;
        return e.host < hosts.size() && hosts[e.host].role == "client" ? Endpoint::client : Endpoint::server;
    }

    std::int64_t field(const trace::Event& e, int index) const { return index < 0 ? 0 : trace_.arg(e, index); }

    RowKey key_of(const trace::Event& e) const {
        const auto k = static_cast<int>(e.kind);
        RowKey key;
        key.lane = trace::kind_spec(e.kind).lane;
        if (key.lane == Lane::kernel && is_listener_kind(e.kind)) {
            key.place = RowPlace::listener;
            key.id = static_cast<std::uint32_t>(field(e, fields_.listener[k]));
        } else if (per_connection_lane(key.lane) && e.conn != trace::no_conn) {
            key.place = RowPlace::connection;
            key.id = static_cast<std::uint32_t>(e.conn);
            if (key.lane == Lane::kernel) key.endpoint = endpoint_of(e);
        } else if (key.lane == Lane::pool && fields_.worker[k] >= 0) {
            key.place = RowPlace::worker;
            key.id = static_cast<std::uint32_t>(field(e, fields_.worker[k]));
        }
        return key;
    }

    std::uint32_t row_for(const RowKey& key) {
        const std::uint64_t packed = key.packed();
        if (packed == cached_key_) return cached_row_;
        auto [it, added] = row_by_key_.try_emplace(packed, static_cast<std::uint32_t>(keys_.size()));
        if (added) {
            keys_.push_back(key);
            ends_.emplace_back();
            may_span_.push_back(false);
            model_.rows_.emplace_back();
        }
        cached_key_ = packed;
        cached_row_ = it->second;
        return it->second;
    }

    void place_event(std::uint32_t index) {
        const trace::Event& e = trace_[index];
        const auto k = static_cast<int>(e.kind);
        const std::uint32_t row_index = model_.row_of_event_[index];
        TimelineRow& row = model_.rows_[row_index];
        Nanos start = e.time, end = e.time;
        if (fields_.dur[k] >= 0) end = e.time + std::max<std::int64_t>(0, field(e, fields_.dur[k]));
        if (e.kind == Kind::notifier_wake) start = e.time - std::max<std::int64_t>(0, trace_.arg(e, "blocked"));
        const auto item = static_cast<std::uint32_t>(row.events.size());
        row.events.push_back(index);
        row.starts.push_back(start);
        if (may_span_[row_index]) ends_[row_index].push_back(end);
        model_.item_of_event_[index] = item;
        current_event_ = index;
        if (item == 0) first_kind_[row_index] = e.kind;
        else if (e.kind != first_kind_[row_index]) mixed_kinds_[row_index] = true;

        // A loop phase lasts until the loop enters the next one.
        if (e.kind == Kind::loop_phase || e.kind == Kind::loop_exit) {
            if (open_phase_row_ != TimelineModel::no_row) ends_[open_phase_row_][open_phase_item_] = e.time;
            open_phase_row_ = e.kind == Kind::loop_phase ? row_index : TimelineModel::no_row;
            open_phase_item_ = item;
        }
        // A pool job runs from pool.start to the pool.done with its job id.
        if (e.kind == Kind::pool_start) running_jobs_[field(e, fields_.job[k])] = {row_index, item};
        if (e.kind == Kind::pool_done) {
            auto it = running_jobs_.find(field(e, fields_.job[k]));
            if (it != running_jobs_.end()) {
                ends_[it->second.first][it->second.second] = e.time;
                running_jobs_.erase(it);
            }
        }
        record_levels(e);
    }

    // ---- level series ----

    std::uint32_t series_for(const SeriesKey& key) {
        auto [it, added] = series_by_key_.try_emplace(key.packed(), static_cast<std::uint32_t>(model_.series_.size()));
        if (added) {
            series_keys_.push_back(key);
            LevelSeries& s = model_.series_.emplace_back();
            s.quantity = key.quantity;
            s.endpoint = key.endpoint;
            s.summed = key.summed;
            s.is_bytes = key.quantity != LevelQuantity::syn_queue && key.quantity != LevelQuantity::accept_queue;
            // A summed series gets a step from most events of its quantity;
            // one connection's series only a few.
            const std::size_t expected = key.summed ? level_events_[static_cast<int>(key.quantity)] : 8;
            s.times.reserve(expected);
            s.values.reserve(expected);
            s.events.reserve(expected);
            if (key.quantity == LevelQuantity::syn_queue || key.quantity == LevelQuantity::accept_queue) {
                s.listener = key.id;
                s.label = quantity_label(key.quantity);
            } else if (key.summed) {
                s.label = quantity_label(key.quantity) + " (sum)";
            } else {
                s.conn = static_cast<std::int32_t>(key.id);
                s.label = quantity_label(key.quantity);
                // Make sure the connection end has a kernel row to draw in.
                row_for(RowKey{Lane::kernel, RowPlace::connection, key.endpoint, key.id});
            }
        }
        return it->second;
    }

    // Every step is kept, also several in one nanosecond: the inspector
    // shows the state as of a step, and the timeline must agree with it.
    void add_step(LevelSeries& s, Nanos t, std::int64_t value) const {
        s.times.push_back(t);
        s.values.push_back(value);
        s.events.push_back(current_event_);
        s.peak = std::max(s.peak, value);
    }

    void level(const trace::Event& e, LevelQuantity quantity, std::int64_t value, std::int64_t capacity) {
        if (e.conn == trace::no_conn) return;
        const Endpoint endpoint = endpoint_of(e);
        const auto id = static_cast<std::uint32_t>(e.conn);
        LevelSeries& own = model_.series_[series_for({quantity, endpoint, id, false})];
        const std::int64_t before = own.values.empty() ? 0 : own.values.back();
        add_step(own, e.time, value);
        own.capacity = std::max(own.capacity, capacity);
        // The summed series moves by this connection's change.
        std::uint32_t& sum_index = summed_series_[static_cast<int>(quantity)][static_cast<int>(endpoint)];
        if (sum_index == TimelineModel::no_row) sum_index = series_for({quantity, endpoint, 0, true});
        LevelSeries& sum = model_.series_[sum_index];
        add_step(sum, e.time, (sum.values.empty() ? 0 : sum.values.back()) + value - before);
    }

    void queue_level(const trace::Event& e, LevelQuantity quantity, std::int64_t len, std::int64_t capacity) {
        const auto listener = static_cast<std::uint32_t>(trace_.arg(e, "listener"));
        LevelSeries& s = model_.series_[series_for({quantity, Endpoint::none, listener, false})];
        add_step(s, e.time, len);
        s.capacity = std::max(s.capacity, capacity);
    }

    void record_levels(const trace::Event& e) {
        switch (e.kind) {
            case Kind::kernel_recv_buffer:
                level(e, LevelQuantity::recv_buffer, trace_.arg(e, 0), trace_.arg(e, 1));
                break;
            case Kind::kernel_send_buffer:
                level(e, LevelQuantity::send_buffer, trace_.arg(e, 0), trace_.arg(e, 2));
                break;
            case Kind::loop_write:
                level(e, LevelQuantity::writable_length, trace_.arg(e, 3), 0);
                break;
            case Kind::js_write:
                level(e, LevelQuantity::writable_length, trace_.arg(e, 2), trace_.arg(e, 3));
                break;
            case Kind::js_end_call:
                level(e, LevelQuantity::writable_length, trace_.arg(e, 0), trace_.arg(e, 1));
                break;
            case Kind::js_drain:  // 'drain' means the user-space buffer emptied
                level(e, LevelQuantity::writable_length, 0, 0);
                break;
            case Kind::kernel_syn_queue:
                queue_level(e, LevelQuantity::syn_queue, trace_.arg(e, 1), trace_.arg(e, 2));
                break;
            case Kind::kernel_accept_queue:
            case Kind::kernel_ack_dropped:
            case Kind::loop_accept:
                // The queue holds backlog + 1 connections (Linux).
                queue_level(e, LevelQuantity::accept_queue, trace_.arg(e, 1), trace_.arg(e, 2) + 1);
                break;
            default: break;
        }
    }

    // ---- rows ----

    void count_connections() {
        std::unordered_set<std::int32_t> conns;
        for (const auto& c : trace_.header.connections) conns.insert(c.id);
        for (const RowKey& key : keys_)
            if (key.place == RowPlace::connection) conns.insert(static_cast<std::int32_t>(key.id));
        model_.connection_count_ = conns.size();
        model_.aggregated_ = conns.size() > options_.max_connection_rows;
    }

    // Ends become spans where any item has a duration; rows whose items are
    // not in start order (a notifier wake starts when its wait began) are
    // sorted once here.
    void finish_rows() {
        for (std::size_t r = 0; r < model_.rows_.size(); ++r) {
            TimelineRow& row = model_.rows_[r];
            std::vector<Nanos>& ends = ends_[r];
            if (!std::is_sorted(row.starts.begin(), row.starts.end())) {
                std::vector<std::uint32_t> order(row.size());
                std::iota(order.begin(), order.end(), 0u);
                std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return row.starts[a] < row.starts[b]; });
                std::vector<std::uint32_t> events(row.size());
                std::vector<Nanos> starts(row.size()), sorted_ends(ends.empty() ? 0 : row.size());
                for (std::size_t i = 0; i < order.size(); ++i) {
                    events[i] = row.events[order[i]];
                    starts[i] = row.starts[order[i]];
                    if (!ends.empty()) sorted_ends[i] = ends[order[i]];
                    model_.item_of_event_[events[i]] = static_cast<std::uint32_t>(i);
                }
                row.events = std::move(events);
                row.starts = std::move(starts);
                ends = std::move(sorted_ends);
            }
            for (std::size_t i = 0; i < ends.size(); ++i) row.longest = std::max(row.longest, ends[i] - row.starts[i]);
            if (row.longest > 0) {
                row.ends = std::move(ends);
                row.index_ends();
            }
            std::vector<Nanos>().swap(ends);
            const RowKey& key = keys_[r];
            row.lane = key.lane;
            row.endpoint = key.endpoint;
            if (key.place == RowPlace::connection) row.conn = static_cast<std::int32_t>(key.id);
            if (key.place == RowPlace::listener) row.listener = key.id;
            if (key.place == RowPlace::worker) row.worker = key.id;
            row.label = label_of(key);
            // Rows made for a level series in the second pass hold no events.
            if (!row.events.empty() && r < mixed_kinds_.size() && !mixed_kinds_[r]) row.only_kind = first_kind_[r];
            if (!row.starts.empty()) {
                model_.first_time_ = std::min(model_.first_time_, row.starts.front());
                model_.last_time_ = std::max(model_.last_time_, row.max_end(0, row.size()));
            }
        }
    }

    std::string label_of(const RowKey& key) const {
        switch (key.place) {
            case RowPlace::listener: {
                for (const auto& l : trace_.header.listeners)
                    if (l.id == key.id) return "listener " + std::to_string(key.id) + " :" + std::to_string(l.port);
                return "listener " + std::to_string(key.id);
            }
            case RowPlace::connection: {
                std::string label = "conn " + std::to_string(static_cast<std::int32_t>(key.id));
                if (key.endpoint != Endpoint::none) label += " " + endpoint_word(key.endpoint);
                return label;
            }
            case RowPlace::worker: return "worker " + std::to_string(key.id);
            case RowPlace::shared: break;
        }
        switch (key.lane) {
            case Lane::notifier: return notifier_label();
            case Lane::loop: return "libuv loop";
            case Lane::js: return "main thread";
            case Lane::note: return "captions";
            case Lane::pool: return "job queue";
            default: return "no connection";
        }
    }

    // The notifier row is named after the OS call it stands for.
    std::string notifier_label() const {
        for (std::size_t i = 0; i < trace_.size(); ++i) {
            const trace::Event& e = trace_[i];
            if (trace::kind_spec(e.kind).lane != Lane::notifier) continue;
            if (e.kind == Kind::notifier_submit || e.kind == Kind::notifier_complete) return "IOCP";
            switch (static_cast<trace::NotifierApi>(trace_.arg(e, 0))) {
                case trace::NotifierApi::epoll: return "epoll";
                case trace::NotifierApi::kqueue: return "kqueue";
                case trace::NotifierApi::iocp: return "IOCP";
                case trace::NotifierApi::poll: return "poll";
            }
        }
        return "notifier";
    }

    void order_rows() {
        const bool grouped = model_.aggregated_;
        std::vector<std::uint32_t> order(model_.rows_.size());
        std::iota(order.begin(), order.end(), 0u);
        auto rank = [&](std::uint32_t r) {
            const RowKey& k = keys_[r];
            const auto conn = static_cast<std::int64_t>(static_cast<std::int32_t>(k.id));
            const auto id = k.place == RowPlace::connection ? conn : static_cast<std::int64_t>(k.id);
            // In aggregate mode a lane's rows of one endpoint stay together
            // under their aggregate row; otherwise a connection's two ends
            // sit next to each other.
            return grouped ? std::tuple(k.lane, k.place, k.endpoint, id) : std::tuple(k.lane, k.place, Endpoint::none, id * 4 + static_cast<int>(k.endpoint));
        };
        std::sort(order.begin(), order.end(), [&](auto a, auto b) { return rank(a) < rank(b); });
        // One move of every row into its place; in aggregate mode an
        // aggregate row goes in front of each lane's (and endpoint's)
        // per-connection rows, which become its detail rows.
        std::vector<TimelineRow> rows;
        std::vector<RowKey> keys;
        std::vector<std::uint32_t> new_index(order.size());
        rows.reserve(order.size() + 2 * trace::lane_count);
        keys.reserve(rows.capacity());
        std::uint32_t aggregate = TimelineModel::no_row;
        for (std::uint32_t r : order) {
            const RowKey& key = keys_[r];
            const bool detail = grouped && key.place == RowPlace::connection;
            if (!detail) aggregate = TimelineModel::no_row;
            if (detail && (aggregate == TimelineModel::no_row || keys[aggregate].lane != key.lane ||
                           keys[aggregate].endpoint != key.endpoint)) {
                aggregate = static_cast<std::uint32_t>(rows.size());
                TimelineRow& agg = rows.emplace_back();
                agg.kind = RowKind::aggregate;
                agg.lane = key.lane;
                agg.endpoint = key.endpoint;
                agg.detail_first = static_cast<std::uint32_t>(rows.size());
                keys.push_back(key);
            }
            new_index[r] = static_cast<std::uint32_t>(rows.size());
            rows.push_back(std::move(model_.rows_[r]));
            keys.push_back(key);
            if (detail) {
                rows.back().parent = static_cast<std::int32_t>(aggregate);
                rows[aggregate].detail_last = new_index[r] + 1;
            }
        }
        model_.rows_ = std::move(rows);
        keys_ = std::move(keys);
        for (auto& row : model_.row_of_event_)
            if (row != TimelineModel::no_row) row = new_index[row];
    }

    void fill_aggregate_rows() {
        std::vector<TimelineRow>& rows = model_.rows_;
        // Fill the aggregate rows in trace order: per-connection lanes hold
        // instants and spans that start at their event's time, so this order
        // is already start order. A compact parent table keeps this pass in
        // cache, rather than touching a large row per event.
        std::vector<std::int32_t> parent_of(rows.size());
        std::vector<std::size_t> sizes(rows.size(), 0);
        for (std::size_t r = 0; r < rows.size(); ++r) {
            parent_of[r] = rows[r].parent;
            if (rows[r].parent >= 0) sizes[static_cast<std::size_t>(rows[r].parent)] += rows[r].size();
        }
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (rows[r].kind != RowKind::aggregate) continue;
            rows[r].events.reserve(sizes[r]);
            rows[r].starts.reserve(sizes[r]);
        }
        for (std::size_t i = 0; i < trace_.size(); ++i) {
            const std::uint32_t r = model_.row_of_event_[i];
            if (r == TimelineModel::no_row || parent_of[r] < 0) continue;
            TimelineRow& agg = rows[static_cast<std::size_t>(parent_of[r])];
            agg.events.push_back(static_cast<std::uint32_t>(i));
            agg.starts.push_back(trace_[i].time);
        }
        for (std::size_t r = 0; r < rows.size(); ++r) {
            TimelineRow& agg = rows[r];
            if (agg.kind != RowKind::aggregate) continue;
            const std::size_t conns = agg.detail_last - agg.detail_first;
            // Appended piece by piece: `" " + string` here trips GCC 12's
            // false -Wrestrict warning (GCC bug 105329).
            agg.label = trace::format_count(conns);
            if (agg.lane == Lane::kernel) agg.label.append(" ").append(endpoint_word(agg.endpoint)).append(" sockets");
            else agg.label.append(" connections");
            if (!std::is_sorted(agg.starts.begin(), agg.starts.end())) {
                std::vector<std::uint32_t> order(agg.size());
                std::iota(order.begin(), order.end(), 0u);
                std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return agg.starts[a] < agg.starts[b]; });
                std::vector<std::uint32_t> events(agg.size());
                std::vector<Nanos> starts(agg.size());
                for (std::size_t i = 0; i < order.size(); ++i) {
                    events[i] = agg.events[order[i]];
                    starts[i] = agg.starts[order[i]];
                }
                agg.events = std::move(events);
                agg.starts = std::move(starts);
            }
        }
    }

    void finish_series() {
        // Summed series only matter when connections are aggregated (and
        // without aggregation there are few series to move).
        if (!model_.aggregated_) std::erase_if(model_.series_, [](const LevelSeries& s) { return s.summed; });
        for (LevelSeries& series : model_.series_) {
            // Short series (one connection's few steps) are scanned directly.
            if (series.values.size() >= LevelSeries::tree_threshold) series.extremes = RangeExtremes(series.values, true);
        }
    }

    // Each row lists its series in pipeline order: writableLength (user
    // space), then the send buffer, then the receive buffer.
    void attach_series() {
        std::unordered_map<std::uint64_t, std::uint32_t> kernel_rows;  // listener and connection-end rows
        std::array<std::uint32_t, 3> aggregate_rows{TimelineModel::no_row, TimelineModel::no_row, TimelineModel::no_row};
        for (std::size_t r = 0; r < model_.rows_.size(); ++r) {
            const TimelineRow& row = model_.rows_[r];
            if (row.lane != Lane::kernel) continue;
            if (row.kind == RowKind::aggregate)
                aggregate_rows[static_cast<int>(row.endpoint)] = static_cast<std::uint32_t>(r);
            else
                kernel_rows.emplace(keys_[r].packed(), static_cast<std::uint32_t>(r));
        }
        for (std::size_t s = 0; s < model_.series_.size(); ++s) {
            const LevelSeries& series = model_.series_[s];
            std::uint32_t r = TimelineModel::no_row;
            if (series.summed) {
                r = aggregate_rows[static_cast<int>(series.endpoint)];
            } else {
                const bool queue = series.quantity == LevelQuantity::syn_queue || series.quantity == LevelQuantity::accept_queue;
                const RowKey key = queue ? RowKey{Lane::kernel, RowPlace::listener, Endpoint::none, series.listener}
                                         : RowKey{Lane::kernel, RowPlace::connection, series.endpoint,
                                                  static_cast<std::uint32_t>(series.conn)};
                if (auto it = kernel_rows.find(key.packed()); it != kernel_rows.end()) r = it->second;
            }
            // A quantity that never rises above zero gets no band (an echo
            // server never has bytes waiting in user space).
            if (r != TimelineModel::no_row && series.peak > 0) model_.rows_[r].series.push_back(static_cast<std::uint32_t>(s));
        }
        for (TimelineRow& row : model_.rows_) {
            std::sort(row.series.begin(), row.series.end(), [&](auto a, auto b) {
                return model_.series_[a].quantity < model_.series_[b].quantity;
            });
        }
    }
};

TimelineModel::TimelineModel(const trace::Trace& trace, const TimelineModelOptions& options) {
    if (!trace.empty()) first_time_ = last_time_ = trace[0].time;
    TimelineModelBuilder(trace, options, *this).build();
}

}  // namespace loopscope::ui
