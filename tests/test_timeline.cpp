// The timeline's logic without a window: the time axis, the range tree, the
// visible-range search, merging of narrow items, min/max bucketing and
// hit-testing against brute-force references on random rows; and the model
// on real lesson traces (rows, spans, aggregation, drill-down). The panel
// itself, drawn headless, is tested in test_timeline_panel.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <random>
#include <set>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "trace/explain.hpp"
#include "trace/state.hpp"
#include "ui/timeline_lod.hpp"
#include "ui/timeline_tooltip.hpp"
#include "timeline_test_support.hpp"
#include "ui/timeline_view.hpp"

using namespace loopscope;
using namespace loopscope::ui;
using trace::Nanos;

namespace {

using test::axis_over;
using test::lesson_trace;

// A row built by hand from (start, end) pairs; events are 0, 1, 2...
TimelineRow make_row(std::vector<std::pair<Nanos, Nanos>> items) {
    std::sort(items.begin(), items.end());
    TimelineRow row;
    for (std::size_t i = 0; i < items.size(); ++i) {
        row.events.push_back(static_cast<std::uint32_t>(i));
        row.starts.push_back(items[i].first);
        row.ends.push_back(items[i].second);
        row.longest = std::max(row.longest, items[i].second - items[i].first);
    }
    row.index_ends();
    return row;
}

std::size_t brute_overlapping(const TimelineRow& row, Nanos t0, Nanos t1) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < row.size(); ++i)
        if (row.end_of(i) >= t0 && row.starts[i] <= t1) ++n;
    return n;
}

}  // namespace

TEST_CASE("time axis maps times to pixels and back, and zooms around the pointer", "[timeline]") {
    TimeAxis axis = axis_over(1'000'000, 2'000'000, 1000.0f);
    axis.set_limits(0, 10'000'000);
    CHECK(axis.ns_per_pixel() == Approx(1000.0));
    CHECK(axis.x_of(1'500'000) == Approx(600.0f));
    for (Nanos t : {Nanos{1'000'000}, Nanos{1'234'000}, Nanos{1'999'000}})
        CHECK(std::llabs(axis.time_at(axis.x_of(t)) - t) <= 1);

    const float pointer = 350.0f;
    const Nanos under = axis.time_at(pointer);
    axis.zoom_around(pointer, 4.0);
    CHECK(axis.window() == 250'000);
    CHECK(std::llabs(axis.time_at(pointer) - under) <= 1);
    axis.zoom_around(pointer, 0.5);
    CHECK(axis.window() == 500'000);
    CHECK(std::llabs(axis.time_at(pointer) - under) <= 1);

    // The zoom stops at 100 ns in and at the whole trace plus a margin out.
    axis.zoom_around(pointer, 1e9);
    CHECK(axis.window() == TimeAxis::min_window);
    axis.zoom_around(pointer, 1e-9);
    CHECK(axis.window() <= 11'000'000);
    CHECK(axis.window() >= 10'000'000);

    axis.fit(2'000'000, 4'000'000);
    CHECK(axis.start < 2'000'000);
    CHECK(axis.end > 4'000'000);
    CHECK(axis.window() < 2'500'000);
    const Nanos before = axis.start;
    axis.pan_pixels(10.0f);
    CHECK(axis.start > before);
    const Nanos window = axis.window();
    axis.centre_on(5'000'000);
    CHECK(axis.window() == window);
    CHECK(axis.start + window / 2 == 5'000'000);
    axis.show(3'000'000, 3'000'010);  // narrower than the minimum
    CHECK(axis.window() == TimeAxis::min_window);

    // Hours of trace neither overflow nor lose precision.
    const Nanos hours = 5LL * 3600 * 1'000'000'000;
    TimeAxis long_axis = axis_over(hours, hours + 1000, 1000.0f);
    CHECK(long_axis.time_at(long_axis.x_of(hours + 500)) == hours + 500);
}

TEST_CASE("ruler ticks use 1-2-5 steps and integer labels", "[timeline]") {
    CHECK(tick_step(1.0, 80.0f) == 100);
    CHECK(tick_step(10.0, 80.0f) == 1000);
    CHECK(tick_step(3.0, 80.0f) == 500);
    CHECK(tick_step(30'000.0, 80.0f) == 5'000'000);
    CHECK(format_tick(250, 50) == "0.25 \xC2\xB5s");
    CHECK(format_tick(15, 5) == "15 ns");
    CHECK(format_tick(1500, 500) == "1.5 \xC2\xB5s");
    CHECK(format_tick(12'250'000, 250'000) == "12.25 ms");
    CHECK(format_tick(3'000'000'000, 1'000'000'000) == "3 s");
    CHECK(format_tick(1'240'000'000, 20'000'000) == "1.24 s");
    CHECK(format_tick(-2000, 1000) == "-2 \xC2\xB5s");
}

TEST_CASE("range extremes agree with a brute-force scan", "[timeline]") {
    std::mt19937_64 rng(42);
    for (std::size_t n : {1u, 2u, 7u, 64u, 1000u}) {
        std::vector<std::int64_t> values(n);
        for (auto& v : values) v = static_cast<std::int64_t>(rng() % 1000) - 300;
        RangeExtremes tree(values);
        for (int q = 0; q < 200; ++q) {
            std::size_t a = rng() % n, b = rng() % n;
            if (a > b) std::swap(a, b);
            ++b;
            auto [lo, hi] = tree.min_max(a, b);
            CHECK(lo == *std::min_element(values.begin() + a, values.begin() + b));
            CHECK(hi == *std::max_element(values.begin() + a, values.begin() + b));
            const std::int64_t threshold = static_cast<std::int64_t>(rng() % 1000) - 300;
            std::size_t first = RangeExtremes::npos, last = RangeExtremes::npos;
            for (std::size_t i = a; i < b; ++i)
                if (values[i] >= threshold) {
                    if (first == RangeExtremes::npos) first = i;
                    last = i;
                }
            CHECK(tree.first_at_least(a, b, threshold) == first);
            CHECK(tree.last_at_least(a, b, threshold) == last);
        }
    }
}

TEST_CASE("the visible range of a row includes a long span that started before the window", "[timeline]") {
    TimelineRow row = make_row({{0, 10}, {100, 5000}, {200, 210}, {1000, 1000}, {2000, 2000}, {6000, 6100}});
    const ItemRange range = candidate_range(row, 1500, 3000);
    // The span [100, 5000] reaches into the window, so the search starts at
    // or before it; the item at 6000 is after the window.
    CHECK(range.first <= 1);
    CHECK(range.last == 5);
    CHECK(count_overlapping(row, 1500, 3000) == 2);  // the long span and the instant at 2000
    CHECK(count_overlapping(row, 1500, 3000) == brute_overlapping(row, 1500, 3000));

    std::vector<DrawItem> items;
    layout_row(row, axis_over(1500, 3000, 1500.0f), merge_distance_px, items);
    REQUIRE(items.size() == 2);
    CHECK(items[0].event == 1);
    CHECK(items[0].span);
    CHECK(items[0].x0 < 100.0f);  // starts left of the window
    CHECK(items[1].event == 4);
    CHECK_FALSE(items[1].span);
}

TEST_CASE("narrow items merge into blocks whose counts add up", "[timeline]") {
    std::mt19937_64 rng(7);
    std::vector<std::pair<Nanos, Nanos>> raw;
    for (int i = 0; i < 20000; ++i) {
        const Nanos start = static_cast<Nanos>(rng() % 10'000'000);
        const Nanos duration = rng() % 4 == 0 ? static_cast<Nanos>(rng() % 20'000) : 0;
        raw.emplace_back(start, start + duration);
    }
    raw.emplace_back(-5'000'000, 4'000'000);  // one very long span
    const TimelineRow row = make_row(raw);
    const float width = 1200.0f;
    for (auto [t0, t1] : {std::pair<Nanos, Nanos>{0, 10'000'000}, {3'000'000, 3'200'000}, {5'000'000, 5'001'000}}) {
        const TimeAxis axis = axis_over(t0, t1, width);
        std::vector<DrawItem> items;
        layout_row(row, axis, merge_distance_px, items);
        std::size_t total = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const DrawItem& d = items[i];
            total += d.count;
            if (d.count > 1) CHECK(d.x1 - d.x0 >= merge_distance_px - 0.01f);
            CHECK(d.x1 >= d.x0);
        }
        // Blocks and narrow singles come in time order, each starting more
        // than the merge distance after the one before.
        float last_x = -1e30f;
        for (const DrawItem& d : items) {
            if (d.span && d.x1 - d.x0 >= merge_distance_px) continue;
            CHECK(d.x0 >= last_x);
            last_x = d.x0;
        }
        CHECK(total == brute_overlapping(row, t0, t1));
        // One item per 3 px at most, plus the few spans entering from the left.
        CHECK(items.size() <= static_cast<std::size_t>(width / merge_distance_px) + 4);
    }
}

TEST_CASE("level series give the min and max per pixel bucket", "[timeline]") {
    std::mt19937_64 rng(3);
    LevelSeries s;
    Nanos t = 1000;
    for (int i = 0; i < 5000; ++i) {
        t += static_cast<Nanos>(rng() % 300);
        if (!s.times.empty() && s.times.back() == t) continue;
        s.times.push_back(t);
        s.values.push_back(static_cast<std::int64_t>(rng() % 65536));
    }
    s.extremes = RangeExtremes(s.values);
    auto brute_at = [&](Nanos at) {
        std::int64_t v = 0;
        for (std::size_t i = 0; i < s.times.size() && s.times[i] <= at; ++i) v = s.values[i];
        return v;
    };
    auto brute_min_max = [&](Nanos a, Nanos b) {
        std::int64_t lo = brute_at(a), hi = lo;
        for (std::size_t i = 0; i < s.times.size(); ++i)
            if (s.times[i] > a && s.times[i] < b) {
                lo = std::min(lo, s.values[i]);
                hi = std::max(hi, s.values[i]);
            }
        return std::pair(lo, hi);
    };
    for (int q = 0; q < 300; ++q) {
        const Nanos a = static_cast<Nanos>(rng() % static_cast<std::uint64_t>(t + 2000));
        const Nanos b = a + 1 + static_cast<Nanos>(rng() % 50'000);
        CHECK(s.value_at(a) == brute_at(a));
        CHECK(s.min_max(a, b) == brute_min_max(a, b));
    }
    const TimeAxis axis = axis_over(0, t + 1000, 800.0f);
    std::vector<LevelBucket> buckets;
    level_buckets(s, axis, 1.0f, buckets);
    REQUIRE_FALSE(buckets.empty());
    for (const LevelBucket& b : buckets) {
        CHECK(b.x1 > b.x0);
        const auto [lo, hi] = brute_min_max(axis.time_at(b.x0), axis.time_at(b.x1));
        CHECK(b.low == lo);
        CHECK(b.high == hi);
    }
}

TEST_CASE("a wide span is never folded into the instants at its start", "[timeline]") {
    // The loop enters six phases at one instant, then sits in poll for 1 ms.
    std::vector<std::pair<Nanos, Nanos>> raw(6, {20'000, 20'000});
    raw.emplace_back(20'000, 1'150'000);
    const TimelineRow row = make_row(raw);
    std::vector<DrawItem> items;
    layout_row(row, axis_over(0, 1'400'000, 1000.0f), merge_distance_px, items);
    REQUIRE(items.size() == 2);
    const auto span = std::find_if(items.begin(), items.end(), [](const DrawItem& d) { return d.span; });
    REQUIRE(span != items.end());
    CHECK(span->count == 1);
    CHECK(span->t_last == 1'150'000);
    const auto block = std::find_if(items.begin(), items.end(), [](const DrawItem& d) { return d.count > 1; });
    REQUIRE(block != items.end());
    CHECK(block->count == 6);
}

TEST_CASE("hit-testing finds the event under the pointer", "[timeline]") {
    const TimelineRow row = make_row({{1000, 1000}, {2000, 6000}, {3000, 3000}, {9000, 9000}});
    const TimeAxis axis = axis_over(0, 10'000, 1000.0f);  // 10 ns per pixel, x0 = 100
    CHECK(hit_test(row, axis, axis.x_of(1000) + 2.0f, 4.0f) == 0u);
    CHECK(hit_test(row, axis, axis.x_of(3000) - 3.0f, 4.0f) == 2u);  // the instant beats the span around it
    CHECK(hit_test(row, axis, axis.x_of(4500), 4.0f) == 1u);         // inside the span
    CHECK(hit_test(row, axis, axis.x_of(7500), 4.0f) == std::nullopt);
    CHECK(hit_test(row, axis, axis.x_of(9000) + 10.0f, 4.0f) == std::nullopt);
}

TEST_CASE("the model of tcp-echo has rows per lane and connection, with spans", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const TimelineModel model(t);
    CHECK_FALSE(model.aggregated());
    std::set<std::string> labels;
    int last_lane = -1;
    std::size_t placed = 0;
    for (const TimelineRow& row : model.rows()) {
        labels.insert(std::string(trace::lane_name(row.lane)) + "/" + row.label);
        CHECK(static_cast<int>(row.lane) >= last_lane);  // lane order
        last_lane = static_cast<int>(row.lane);
        CHECK(std::is_sorted(row.starts.begin(), row.starts.end()));
        placed += row.size();
    }
    CHECK(placed == t.size());  // every event in exactly one row
    for (const char* expected : {"wire/conn 1", "kernel/listener 1 :3000", "kernel/conn 1 server", "kernel/conn 1 client",
                                 "notifier/epoll", "loop/libuv loop", "js/main thread", "client/conn 1", "note/captions"})
        CHECK(labels.count(expected) == 1);

    for (std::size_t i = 0; i < t.size(); ++i) {
        const TimelineRow& row = model.rows()[model.row_of(i)];
        const std::uint32_t item = model.item_of(i);
        REQUIRE(row.events[item] == i);
        const trace::Event& e = t[i];
        if (e.kind == trace::Kind::wire_segment) CHECK(row.end_of(item) == e.time + t.arg(e, "dur"));
        if (e.kind == trace::Kind::js_data) CHECK(row.end_of(item) == e.time + t.arg(e, "dur"));
        if (e.kind == trace::Kind::notifier_wake) CHECK(row.starts[item] == e.time - t.arg(e, "blocked"));
        if (e.kind == trace::Kind::kernel_syn_queue) CHECK(row.label.rfind("listener", 0) == 0);
        if (e.kind == trace::Kind::loop_phase) {
            // A phase lasts until the next phase begins.
            for (std::size_t j = i + 1; j < t.size(); ++j)
                if (t[j].kind == trace::Kind::loop_phase) {
                    CHECK(row.end_of(item) == t[j].time);
                    break;
                }
        }
    }
    // Buffer levels: the server end's receive buffer saw the client's 13 bytes.
    bool saw_recv = false;
    for (const LevelSeries& s : model.series())
        if (s.quantity == LevelQuantity::recv_buffer && s.endpoint == Endpoint::server && s.conn == 1) {
            saw_recv = true;
            CHECK(s.peak >= 13);
            CHECK(s.capacity > 0);
        }
    CHECK(saw_recv);
    CHECK(model.first_time() <= t[0].time);
    CHECK(model.last_time() >= t[t.size() - 1].time);
}

TEST_CASE("many connections become aggregate rows with summed levels and drill-down", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo", {"clients.count=40"});
    const TimelineModel model(t);
    REQUIRE(model.aggregated());
    CHECK(model.connection_count() >= 40);

    std::vector<TimelineLine> lines;
    layout_lines(model, -1, LaneSet{}, LaneSet{}, LineHeights{}, lines);
    std::size_t aggregates = 0;
    for (const TimelineLine& line : lines) {
        if (line.row == TimelineModel::no_row) continue;
        const TimelineRow& row = model.rows()[line.row];
        CHECK(row.parent < 0);  // no per-connection rows until one is drilled
        if (row.kind == RowKind::aggregate) {
            ++aggregates;
            CHECK(std::is_sorted(row.starts.begin(), row.starts.end()));
        }
    }
    CHECK(aggregates >= 4);  // wire, kernel server, kernel client, client
    CHECK(lines.size() < 30);

    // The summed series equals the brute-force sum over connections.
    std::mt19937_64 rng(11);
    for (const LevelSeries& sum : model.series()) {
        if (!sum.summed) continue;
        for (int q = 0; q < 50; ++q) {
            const Nanos at = model.first_time() + static_cast<Nanos>(rng() % static_cast<std::uint64_t>(model.last_time() - model.first_time() + 1));
            std::int64_t expected = 0;
            for (const LevelSeries& own : model.series())
                if (!own.summed && own.quantity == sum.quantity && own.endpoint == sum.endpoint && own.conn >= 0)
                    expected += own.value_at(at);
            CHECK(sum.value_at(at) == expected);
        }
    }

    // Drilling into connection 7 adds exactly its rows, holding exactly its events.
    const std::int32_t conn = 7;
    layout_lines(model, conn, LaneSet{}, LaneSet{}, LineHeights{}, lines);
    std::size_t detail_events = 0, detail_rows = 0;
    for (const TimelineLine& line : lines) {
        if (line.row == TimelineModel::no_row || model.rows()[line.row].parent < 0) continue;
        const TimelineRow& row = model.rows()[line.row];
        ++detail_rows;
        CHECK(row.conn == conn);
        CHECK(line_showing(model, lines, line.row) == &line);
        for (std::uint32_t e : row.events) CHECK(t[e].conn == conn);
        detail_events += row.size();
    }
    std::size_t expected_events = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const trace::Lane lane = trace::kind_spec(t[i].kind).lane;
        const bool listener_kind = t[i].kind == trace::Kind::kernel_syn_queue || t[i].kind == trace::Kind::kernel_accept_queue ||
                                   t[i].kind == trace::Kind::kernel_ack_dropped || t[i].kind == trace::Kind::kernel_synack_retransmit;
        if (t[i].conn == conn && !listener_kind && (lane == trace::Lane::wire || lane == trace::Lane::kernel || lane == trace::Lane::client))
            ++expected_events;
    }
    CHECK(detail_rows >= 3);
    CHECK(detail_events == expected_events);
    // An undrilled connection's events are shown on their aggregate row.
    layout_lines(model, -1, LaneSet{}, LaneSet{}, LineHeights{}, lines);
    const std::uint32_t row_of_wire = model.row_of(std::size_t(std::find_if(t.events().begin(), t.events().end(), [&](const trace::Event& e) {
        return e.kind == trace::Kind::wire_segment && e.conn == conn; }) - t.events().begin()));
    const TimelineLine* shown = line_showing(model, lines, row_of_wire);
    REQUIRE(shown != nullptr);
    CHECK(model.rows()[shown->row].kind == RowKind::aggregate);
}

TEST_CASE("field values read as a person would say them", "[timeline]") {
    trace::Trace t;
    CHECK(field_value_text(t, trace::FieldType::bytes, 65536) == "64 KiB");
    CHECK(field_value_text(t, trace::FieldType::nanos, -1) == "forever");
    CHECK(field_value_text(t, trace::FieldType::flag, 1) == "yes");
    CHECK(field_value_text(t, trace::FieldType::tcp_state, static_cast<int>(trace::TcpState::established)) == "ESTABLISHED");
    CHECK(field_value_text(t, trace::FieldType::tcp_flags, trace::tcp_syn | trace::tcp_ack) == "SYN|ACK");
    CHECK(field_value_text(t, trace::FieldType::phase, 4) == "poll");
    CHECK(field_value_text(t, trace::FieldType::count, 12345) == "12,345");
}
