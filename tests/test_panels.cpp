// The viewer's panels: the event filter and the sequence model against brute
// force on lesson traces, the inspector's pure helpers, and every panel drawn
// headless on every built-in lesson at its first, middle and last step.
#include <catch2/catch.hpp>

#include <ctime>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string>
#include <variant>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "tests/imgui_headless.hpp"
#include "trace/state.hpp"
#include "ui/event_filter.hpp"
#include "ui/panel_events.hpp"
#include "ui/panel_explain.hpp"
#include "ui/panel_inspector.hpp"
#include "ui/panel_sequence.hpp"
#include "ui/sequence_model.hpp"

namespace {

using namespace loopscope;
using trace::Kind;
using trace::Lane;

trace::Trace lesson_trace(std::string_view id, const std::vector<std::string>& overrides = {}) {
    const sim::Lesson* lesson = sim::find_lesson(id);
    REQUIRE(lesson != nullptr);
    auto loaded = sim::load_lesson(*lesson, overrides);
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    return sim::simulate(std::get<sim::Scenario>(loaded));
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The filter's meaning, written out plainly per event.
std::vector<std::uint32_t> brute_force(const trace::Trace& t, const ui::EventFilter& f) {
    std::vector<std::uint32_t> rows;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const trace::KindSpec& spec = trace::kind_spec(t[i].kind);
        if ((f.lanes & (1u << static_cast<unsigned>(spec.lane))) == 0) continue;
        if (f.kinds.any() && !f.kinds.test(static_cast<std::size_t>(t[i].kind))) continue;
        if (f.conn >= 0 && t[i].conn != f.conn) continue;
        if (lower(spec.name).find(lower(f.text)) == std::string::npos) continue;
        rows.push_back(static_cast<std::uint32_t>(i));
    }
    return rows;
}

}  // namespace

TEST_CASE("filter_events matches a brute-force filter on lesson traces", "[panels]") {
    const std::string id = GENERATE(std::string("tcp-echo"), std::string("backpressure"));
    const trace::Trace t = lesson_trace(id, {"clients.count=3"});
    REQUIRE(t.size() > 100);

    ui::EventFilter everything;
    CHECK(ui::filter_events(t, everything).size() == t.size());

    ui::EventFilter wire;
    wire.lanes = ui::lane_bit(Lane::wire);
    const auto wire_rows = ui::filter_events(t, wire);
    CHECK(!wire_rows.empty());
    CHECK(wire_rows == brute_force(t, wire));
    for (std::uint32_t i : wire_rows) CHECK(t[i].kind == Kind::wire_segment);

    ui::EventFilter kinds;
    kinds.kinds.set(static_cast<std::size_t>(Kind::js_data));
    kinds.kinds.set(static_cast<std::size_t>(Kind::loop_read));
    CHECK(!ui::filter_events(t, kinds).empty());
    CHECK(ui::filter_events(t, kinds) == brute_force(t, kinds));

    ui::EventFilter conn;
    conn.conn = 2;
    const auto conn_rows = ui::filter_events(t, conn);
    CHECK(!conn_rows.empty());
    CHECK(conn_rows == brute_force(t, conn));

    ui::EventFilter text;
    text.text = "SEG";  // case-insensitive: finds wire.segment
    CHECK(ui::filter_events(t, text) == wire_rows);
    text.text = "  buffer ";  // surrounding spaces are ignored
    const auto buffer_rows = ui::filter_events(t, text);
    text.text = "buffer";
    CHECK(buffer_rows == brute_force(t, text));

    ui::EventFilter combined;
    combined.lanes = ui::lane_bit(Lane::kernel) | ui::lane_bit(Lane::loop);
    combined.conn = 1;
    combined.text = "Re";
    const auto combined_rows = ui::filter_events(t, combined);
    CHECK(!combined_rows.empty());
    CHECK(combined_rows == brute_force(t, combined));

    ui::EventFilter nothing;
    nothing.text = "no kind is called this";
    CHECK(ui::filter_events(t, nothing).empty());
}

TEST_CASE("row_at_or_before finds the cursor's place in the filtered rows", "[panels]") {
    const std::vector<std::uint32_t> rows = {3, 7, 8, 20};
    CHECK_FALSE(ui::row_at_or_before(rows, 0).has_value());
    CHECK_FALSE(ui::row_at_or_before(rows, 2).has_value());
    CHECK(ui::row_at_or_before(rows, 3) == 0u);
    CHECK(ui::row_at_or_before(rows, 6) == 0u);
    CHECK(ui::row_at_or_before(rows, 8) == 2u);
    CHECK(ui::row_at_or_before(rows, 19) == 2u);
    CHECK(ui::row_at_or_before(rows, 1000) == 3u);
    CHECK_FALSE(ui::row_at_or_before({}, 5).has_value());
}

namespace {
// CPU time of this thread: the machine running the suite is shared, and a
// wall clock also counts the time other processes had the core. These are
// sanity bounds far above the measured costs (docs/performance.md has the
// numbers); the benchmarks measure.
std::chrono::nanoseconds thread_cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

TEST_CASE("filter_events on a 1M-event trace takes well under 100 ms", "[panels][big]") {
    const trace::Trace t = lesson_trace("tcp-echo", {"clients.count=17000"});
    REQUIRE(t.size() > 900000);
    ui::EventFilter f;
    f.lanes = ui::lane_bit(Lane::kernel) | ui::lane_bit(Lane::js);
    f.conn = 1234;
    f.text = "e";
    const auto start = thread_cpu_now();
    const auto rows = ui::filter_events(t, f);
    ui::EventFilter by_lane;
    by_lane.lanes = ui::lane_bit(Lane::wire);
    const auto wire_rows = ui::filter_events(t, by_lane);
    const auto elapsed = thread_cpu_now() - start;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    WARN("two filters over " << t.size() << " events: " << ms << " ms");
    CHECK(!rows.empty());
    CHECK(!wire_rows.empty());
    CHECK(ms < 100 * 2);
    CHECK(ui::row_at_or_before(wire_rows, t.size() - 1) == wire_rows.size() - 1);
}

TEST_CASE("panels build a frame quickly on a 1M-event trace", "[panels][big]") {
    const trace::Trace t = lesson_trace("tcp-echo", {"clients.count=17000"});
    REQUIRE(t.size() > 900000);
    const trace::Cursor cursor(t);
    const auto model_start = thread_cpu_now();
    const ui::SequenceModel model(t);
    const auto model_ms = std::chrono::duration_cast<std::chrono::milliseconds>(thread_cpu_now() - model_start).count();
    WARN("sequence model of " << model.segments.size() << " segments: " << model_ms << " ms");
    test::HeadlessImGui imgui;
    const ui::ViewStyle style = ui::make_view_style(false, 1.0f, true);
    ui::InspectorState inspector;
    ui::SequenceState sequence;
    ui::EventListState events;
    const std::size_t step = t.size() / 2;
    const trace::WorldState state = cursor.state_at(step);
    constexpr int frames = 20;
    std::chrono::nanoseconds slowest{};
    for (int frame = 0; frame < frames; ++frame) {
        const auto start = thread_cpu_now();
        imgui.new_frame();
        ImGui::SetNextWindowSize(ImVec2(640, 720));
        ImGui::Begin("left");
        ui::draw_explanation(t, step + static_cast<std::size_t>(frame), state, style, nullptr);
        ui::draw_inspector(t, state, step + static_cast<std::size_t>(frame), inspector, style);
        ImGui::End();
        ImGui::SetNextWindowSize(ImVec2(640, 360));
        ImGui::Begin("sequence");
        ui::draw_sequence(t, model, step + static_cast<std::size_t>(frame) * 1000, sequence, style);
        ImGui::End();
        ImGui::SetNextWindowSize(ImVec2(640, 360));
        ImGui::Begin("events");
        ui::draw_event_list(t, step + static_cast<std::size_t>(frame) * 1000, events, style);
        ImGui::End();
        CHECK(imgui.render() > 0);
        // The first frame filters the rows once; the rest are what scrolling costs.
        if (frame > 0) slowest = std::max(slowest, thread_cpu_now() - start);
    }
    const auto slowest_us = std::chrono::duration_cast<std::chrono::microseconds>(slowest).count();
    WARN("slowest frame of the four panels (cursor moving every frame): " << slowest_us << " us");
    CHECK(slowest_us < 20000);
}

TEST_CASE("sequence model: tcp-echo starts with SYN, SYN|ACK, ACK", "[panels]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const ui::SequenceModel model = ui::build_sequence_model(t);
    REQUIRE(model.endpoints.size() == 2);  // the server and the one client
    CHECK(model.endpoints[0].role == ui::SequenceEndpoint::Role::server);
    CHECK(model.endpoints[0].label == "server :3000");
    CHECK(model.endpoints[1].label == "client :" + std::to_string(t.header.connections.at(0).client_port));
    REQUIRE(model.segments.size() >= 3);
    const auto& syn = model.segments[0];
    const auto& synack = model.segments[1];
    const auto& ack = model.segments[2];
    CHECK(ui::segment_label(t, syn).rfind("SYN seq=0 len=0 win=", 0) == 0);
    CHECK(ui::segment_label(t, synack).rfind("SYN|ACK seq=0 ack=1 len=0 win=", 0) == 0);
    CHECK(ui::segment_label(t, ack).rfind("ACK seq=1 ack=1 len=0", 0) == 0);
    CHECK((syn.from == 1 && syn.to == 0 && syn.from_client));
    CHECK((synack.from == 0 && synack.to == 1 && !synack.from_client));
    CHECK((ack.from == 1 && ack.to == 0 && ack.from_client));
    std::size_t segments = 0;
    for (const auto& s : model.segments) {
        const trace::Event& e = t[s.event];
        REQUIRE(e.kind == Kind::wire_segment);
        CHECK(s.sent == e.time);
        CHECK(s.arrival == e.time + t.arg(e, "dur"));
        CHECK(s.arrival > s.sent);
        CHECK_FALSE(s.lost);
        ++segments;
    }
    CHECK(segments == static_cast<std::size_t>(std::count_if(t.events().begin(), t.events().end(), [](const auto& e) {
              return e.kind == Kind::wire_segment;
          })));
    // The cursor's row: the last segment at or before it.
    const auto rows = ui::segment_rows(model, -1);
    CHECK_FALSE(ui::segment_row_at_or_before(model, rows, syn.event - 1).has_value());
    CHECK(ui::segment_row_at_or_before(model, rows, syn.event) == 0u);
    CHECK(ui::segment_row_at_or_before(model, rows, synack.event - 1) == 0u);
    CHECK(ui::segment_row_at_or_before(model, rows, t.size() - 1) == rows.size() - 1);
}

TEST_CASE("sequence model marks lost segments and groups clients past the column limit", "[panels]") {
    const trace::Trace t = lesson_trace("backpressure", {"network.loss=0.1", "clients.count=5"});
    const ui::SequenceModel model = ui::build_sequence_model(t, 3);
    std::size_t lost = 0;
    for (const auto& s : model.segments) {
        const trace::Event& e = t[s.event];
        CHECK(s.lost == (t.arg(e, "lost") != 0));
        CHECK(s.retransmit == (t.arg(e, "retransmit") != 0));
        const std::string label = ui::segment_label(t, s);
        CHECK((label.find("(lost)") != std::string::npos) == s.lost);
        if (s.lost) ++lost;
        // The sender is the event's host: the client's host for client-sent segments.
        const auto& info = *std::find_if(t.header.connections.begin(), t.header.connections.end(),
                                         [&](const auto& c) { return c.id == e.conn; });
        CHECK(s.from_client == (e.host == info.client_host));
        CHECK((s.from_client ? s.to : s.from) == 0);
        CHECK(s.from != s.to);
    }
    CHECK(lost > 0);
    REQUIRE(model.connection_count == 5);
    REQUIRE(model.endpoints.size() == 1 + 3 + 1);
    CHECK(model.endpoints.back().role == ui::SequenceEndpoint::Role::other_clients);
    CHECK(model.endpoints.back().label == "other clients (2)");
    // One connection's rows are exactly its segments.
    const auto rows = ui::segment_rows(model, 4);
    REQUIRE(!rows.empty());
    for (std::uint32_t r : rows) CHECK(model.segments[r].conn == 4);
    CHECK(model.column_of(4) == 4);  // past the limit: the "other clients" column
    CHECK(model.column_of(1) == 1);
}

TEST_CASE("inspector helpers: gauge colours, texts, state counts", "[panels]") {
    using ui::GaugeLevel;
    CHECK(ui::gauge_level(0, 16384) == GaugeLevel::good);
    CHECK(ui::gauge_level(12287, 16384) == GaugeLevel::good);
    CHECK(ui::gauge_level(12288, 16384) == GaugeLevel::warn);  // exactly 75%
    CHECK(ui::gauge_level(16384, 16384) == GaugeLevel::bad);
    CHECK(ui::gauge_level(20000, 16384) == GaugeLevel::bad);   // over the highWaterMark
    CHECK(ui::gauge_level(5, 0) == GaugeLevel::good);          // capacity not known yet
    CHECK(ui::gauge_level(0, 65536, true) == GaugeLevel::bad); // zero window
    const ui::ViewStyle style = ui::make_view_style(false, 1.0f, false);
    CHECK(ui::gauge_colour(GaugeLevel::warn, style) == style.warn);
    CHECK(ui::gauge_colour(GaugeLevel::bad, style) == style.bad);
    CHECK(ui::gauge_text(12288, 16384, true) == "12 KiB / 16 KiB");
    CHECK(ui::gauge_text(3, 512, false) == "3 / 512");
    CHECK(ui::gauge_text(1460, 0, true) == "1,460 bytes");

    trace::WorldState state;
    for (std::int32_t id = 1; id <= 10000; ++id) {
        trace::ConnectionState& c = state.connections[id];
        c.id = id;
        if (id <= 68) continue;  // server end not seen: handshake under way
        c.server.seen = true;
        c.server.tcp = id <= 188 ? trace::TcpState::time_wait : trace::TcpState::established;
    }
    const ui::ServerStateCounts counts = ui::count_server_states(state);
    CHECK(counts.total == 10000);
    CHECK(counts.not_accepted == 68);
    CHECK(counts.by_state[static_cast<std::size_t>(trace::TcpState::established)] == 9812);
    CHECK(counts.by_state[static_cast<std::size_t>(trace::TcpState::time_wait)] == 120);
    CHECK(ui::connection_summary(state) ==
          "10,000 connections: 9,812 ESTABLISHED, 120 TIME_WAIT, 68 handshake under way");
}

TEST_CASE("inspector helpers: the wait call by OS and the connection to follow", "[panels]") {
    trace::Trace t;
    t.header.hosts = {{"client", "client", "linux"}, {"server", "server", "windows"}};
    CHECK(ui::wait_call_name(t) == "GetQueuedCompletionStatus");
    t.header.hosts[1].os = "macos";
    CHECK(ui::wait_call_name(t) == "kevent");
    t.header.hosts[1].os = "linux";
    CHECK(ui::wait_call_name(t) == "epoll_wait");

    t.append(0, Kind::loop_iteration, 1, trace::no_conn, trace::no_event, {1});
    t.append(1, Kind::client_connect, 0, 7, trace::no_event, {3000});
    t.append(2, Kind::loop_iteration, 1, trace::no_conn, trace::no_event, {2});
    CHECK(ui::connection_near(t, 0) == -1);
    CHECK(ui::connection_near(t, 1) == 7);
    CHECK(ui::connection_near(t, 2) == 7);  // the nearest earlier event's connection
    ui::InspectorState pinned;
    pinned.pinned_conn = 42;
    CHECK(ui::inspected_connection(t, 2, pinned) == 42);
    CHECK(ui::inspected_connection(t, 2, ui::InspectorState{}) == 7);
}

TEST_CASE("every panel draws on every lesson at the first, a middle and the last step", "[panels]") {
    test::HeadlessImGui imgui;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        const trace::Trace t = lesson_trace(lesson.id);
        REQUIRE(!t.empty());
        const trace::Cursor cursor(t);
        const ui::SequenceModel model = ui::build_sequence_model(t);
        ui::InspectorState inspector;
        ui::SequenceState sequence;
        ui::EventListState events;
        for (const float scale : {1.0f, 3.0f}) {
            const ui::ViewStyle style = ui::make_view_style(scale > 1.0f, scale, true);
            for (const std::size_t step : {std::size_t{0}, t.size() / 2, t.size() - 1}) {
                INFO(lesson.id << " step " << step << " scale " << scale);
                const trace::WorldState state = cursor.state_at(step);
                // Two frames: the second runs with the scroll the first asked for.
                for (int frame = 0; frame < 2; ++frame) {
                    imgui.new_frame();
                    ImGui::SetNextWindowSize(ImVec2(1280, 720));
                    ImGui::Begin("t");
                    ui::draw_explanation(t, step, state, style, nullptr);
                    ui::draw_inspector(t, state, step, inspector, style);
                    ImGui::End();
                    ImGui::SetNextWindowSize(ImVec2(1280, 400));
                    ImGui::Begin("sequence");
                    CHECK_FALSE(ui::draw_sequence(t, model, step, sequence, style).has_value());
                    ImGui::End();
                    ImGui::SetNextWindowSize(ImVec2(1280, 400));
                    ImGui::Begin("events");
                    CHECK_FALSE(ui::draw_event_list(t, step, events, style).has_value());
                    ImGui::End();
                    CHECK(imgui.render() > 0);
                }
            }
        }
    }
}

TEST_CASE("panels draw a pinned connection that does not exist and filters that match nothing", "[panels]") {
    test::HeadlessImGui imgui;
    const trace::Trace t = lesson_trace("tcp-echo");
    const trace::Cursor cursor(t);
    const ui::SequenceModel model = ui::build_sequence_model(t);
    const ui::ViewStyle style = ui::make_view_style(false, 1.0f, true);
    ui::InspectorState inspector;
    inspector.pinned_conn = 9999;
    ui::SequenceState sequence;
    sequence.conn_filter = 9999;
    ui::EventListState events;
    std::snprintf(events.text, sizeof events.text, "%s", "nothing matches this");
    const std::size_t step = t.size() / 2;
    for (int frame = 0; frame < 2; ++frame) {
        imgui.new_frame();
        ImGui::SetNextWindowSize(ImVec2(1280, 720));  // a window with no size is hidden on its first frame
        ImGui::Begin("t");
        ui::draw_inspector(t, cursor.state_at(step), step, inspector, style);
        ui::draw_sequence(t, model, step, sequence, style);
        ui::draw_event_list(t, step, events, style);
        ImGui::End();
        CHECK(imgui.render() > 0);
    }
    CHECK(inspector.pinned_conn == 9999);
    CHECK(sequence.rows.empty());
    CHECK(events.rows.empty());
}

TEST_CASE("clicking a row of the event list or the sequence diagram returns its event", "[panels]") {
    test::HeadlessImGui imgui;
    const trace::Trace t = lesson_trace("tcp-echo");
    const ui::SequenceModel model(t);
    const ui::ViewStyle style = ui::make_view_style(false, 1.0f, true);
    const bool sequence_panel = GENERATE(false, true);
    ui::EventListState events;
    ui::SequenceState sequence;
    std::optional<std::size_t> picked;
    // Frame 0 lays out; frame 1 presses the mouse inside the rows; frame 2 releases it.
    for (int frame = 0; frame < 3 && !picked; ++frame) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = ImVec2(300.0f, 400.0f);
        io.MouseDown[0] = frame == 1;
        imgui.new_frame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImVec2(1280, 720));
        ImGui::Begin("panel");
        picked = sequence_panel ? ui::draw_sequence(t, model, 0, sequence, style) : ui::draw_event_list(t, 0, events, style);
        ImGui::End();
        imgui.render();
    }
    REQUIRE(picked.has_value());
    CHECK(*picked > 0);
    REQUIRE(*picked < t.size());
    if (sequence_panel) CHECK(t[*picked].kind == Kind::wire_segment);
}

TEST_CASE("the explanation heading names the step, time, lane and connection", "[panels]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const std::string total = std::to_string(t.size());
    CHECK(ui::step_heading(t, 0).rfind("Step 1 of " + total + " \xC2\xB7 ", 0) == 0);
    std::size_t segment = 0;
    while (t[segment].kind != Kind::wire_segment) ++segment;
    const std::string heading = ui::step_heading(t, segment);
    CHECK(heading.find(" \xC2\xB7 wire \xC2\xB7 conn " + std::to_string(t[segment].conn)) != std::string::npos);
    CHECK(heading.find(" ms ") != std::string::npos);
}

TEST_CASE("wrap_at_spaces keeps numbers whole and lines within the width", "[panels]") {
    test::HeadlessImGui imgui;
    imgui.new_frame();
    const std::string text =
        "The server sends a data segment with 1,460 bytes of data on connection 1 (flags ACK, seq 8,761, ack 1, "
        "window 128 KiB), but the network loses it:\nit never arrives.";
    const float width = ImGui::CalcTextSize("The server sends a data segment").x;
    const std::string wrapped = ui::wrap_at_spaces(text, width);
    std::string rejoined = wrapped;
    std::size_t lines = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= wrapped.size(); ++i) {
        if (i < wrapped.size() && wrapped[i] != '\n') continue;
        const std::string line = wrapped.substr(start, i - start);
        CHECK(ImGui::CalcTextSize(line.c_str()).x <= width);
        CHECK(line.find(' ') != 0);
        start = i + 1;
        if (i < wrapped.size()) ++lines;
    }
    CHECK(lines > 3);
    // Only spaces became line breaks: the explicit one stays, numbers stay whole.
    std::replace(rejoined.begin(), rejoined.end(), '\n', ' ');
    std::string expected = text;
    std::replace(expected.begin(), expected.end(), '\n', ' ');
    CHECK(rejoined == expected);
    CHECK(wrapped.find("8,761") != std::string::npos);
    CHECK(wrapped.find("1,460") != std::string::npos);
    CHECK(wrapped.find("loses it:\nit never") != std::string::npos);
    CHECK(ui::wrap_at_spaces("", width).empty());
    CHECK(ui::wrap_at_spaces("unbreakable_word_longer_than_the_width_by_far_and_more_and_more", 10.0f) ==
          "unbreakable_word_longer_than_the_width_by_far_and_more_and_more");
    imgui.render();
}
