// The timeline panel drawn in a headless ImGui context: clicks, the wheel,
// drill-down into aggregate rows, lane groups folding to fit, the view
// following the cursor, level values at the cursor, merged blocks' tooltips.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "imgui_headless.hpp"
#include "timeline_test_support.hpp"
#include "trace/explain.hpp"
#include "trace/state.hpp"
#include "ui/timeline_lod.hpp"
#include "ui/timeline_tooltip.hpp"
#include "ui/timeline_view.hpp"

using namespace loopscope;
using namespace loopscope::ui;
using test::axis_over;
using test::lesson_trace;
using trace::Nanos;

namespace {

// Draws the panel filling a 1280x720 window at (0, 0), with the mouse where
// a test puts it.
struct PanelHarness {
    test::HeadlessImGui gui{1280.0f, 720.0f};
    ViewStyle style;
    TimelineViewState view;
    TimelineResult result;
    int vertices = 0;

    explicit PanelHarness(float scale = 1.0f) : style(make_view_style(scale > 1.0f, scale, true)) {}

    void frame(const TimelineInput& input, ImVec2 mouse = ImVec2(-1, -1), bool down = false, float wheel = 0.0f) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = mouse;
        io.MouseDown[0] = down;
        io.MouseWheel = wheel;
        gui.new_frame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImVec2(1280, 720));
        ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
        ImGui::Begin("timeline test", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings);
        ImGui::PopStyleVar();
        result = draw_timeline("timeline", input, view, style, ImGui::GetContentRegionAvail());
        ImGui::End();
        vertices = gui.render();
    }
    // Screen y of the middle of a line's events strip.
    float middle_of(const TimelineLine& line) const {
        return ImGui::GetFontSize() + style.px(10) + line.y - view.scroll_y + line.strip * 0.5f;
    }
    void click(const TimelineInput& input, ImVec2 at) {
        frame(input, at, true);
        frame(input, at, false);
    }
};

const TimelineLine* find_line(const PanelHarness& h, const TimelineModel& model, trace::Lane lane, RowKind kind) {
    for (const TimelineLine& line : h.view.lines)
        if (line.row != TimelineModel::no_row && model.rows()[line.row].lane == lane && model.rows()[line.row].kind == kind)
            return &line;
    return nullptr;
}

}  // namespace

TEST_CASE("the timeline panel draws, zooms with the wheel and picks a clicked event", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const TimelineModel model(t);
    PanelHarness h;
    const TimelineInput input{&t, &model, t.size() / 2, nullptr, true};
    h.frame(input);
    CHECK(h.vertices > 1000);
    CHECK(h.view.initialised);
    CHECK(h.view.axis.start <= t[0].time);
    CHECK(h.view.axis.end >= t[t.size() - 1].time);

    // Click on the first 'data' callback on the main thread.
    const TimelineLine* js = find_line(h, model, trace::Lane::js, RowKind::events);
    REQUIRE(js != nullptr);
    const auto data = std::find_if(t.events().begin(), t.events().end(), [](const trace::Event& e) { return e.kind == trace::Kind::js_data; });
    REQUIRE(data != t.events().end());
    h.click(input, ImVec2(h.view.axis.x_of(data->time) + 1.0f, h.middle_of(*js)));
    REQUIRE(h.result.clicked.has_value());
    CHECK(trace::kind_spec(t[*h.result.clicked].kind).lane == trace::Lane::js);
    CHECK(std::llabs(t[*h.result.clicked].time - data->time) <= static_cast<Nanos>(6 * h.view.axis.ns_per_pixel()) + 20'000);

    // A wheel notch over the plot zooms in around the pointer.
    const float x = h.view.axis.x0 + 300.0f;
    const Nanos under = h.view.axis.time_at(x);
    const Nanos window = h.view.axis.window();
    h.frame(input, ImVec2(x, h.middle_of(*js)), false, 1.0f);
    CHECK(h.result.zoom_changed);
    CHECK(h.view.axis.window() < window);
    CHECK(std::llabs(h.view.axis.time_at(x) - under) <= 2 + static_cast<Nanos>(h.view.axis.ns_per_pixel()));

    // Hovering draws a tooltip without tripping any ImGui assertion; the
    // presenter scale draws too.
    h.frame(input, ImVec2(h.view.axis.x_of(data->time), h.middle_of(*js)));
    PanelHarness presenter(3.0f);
    presenter.frame(input);
    CHECK(presenter.vertices > 1000);
}

TEST_CASE("clicking an aggregate row drills down into one connection", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo", {"clients.count=40"});
    const TimelineModel model(t);
    PanelHarness h;
    const TimelineInput input{&t, &model, 0, "A: tcp-echo", true};
    h.frame(input);
    const TimelineLine* wire = find_line(h, model, trace::Lane::wire, RowKind::aggregate);
    REQUIRE(wire != nullptr);
    const auto segment = std::find_if(t.events().begin(), t.events().end(), [](const trace::Event& e) { return e.kind == trace::Kind::wire_segment; });
    h.click(input, ImVec2(h.view.axis.x_of(segment->time), h.middle_of(*wire)));
    REQUIRE(h.result.clicked.has_value());
    CHECK(h.view.drilled_conn == t[*h.result.clicked].conn);
    CHECK(h.view.drilled_conn >= 0);
    h.frame(input);
    bool detail_shown = false;
    for (const TimelineLine& line : h.view.lines)
        if (line.row != TimelineModel::no_row && model.rows()[line.row].parent >= 0) detail_shown = true;
    CHECK(detail_shown);
}

// ---- the fixes of a new user's review ----

namespace {

// The line heights of the app's 16 px font at scale 1.
LineHeights app_heights() { return line_heights(16.0f, make_view_style(false, 1.0f, false)); }

std::set<trace::Lane> lanes_shown(const std::vector<TimelineLine>& lines) {
    std::set<trace::Lane> lanes;
    for (const TimelineLine& line : lines) lanes.insert(line.lane);
    return lanes;
}

float content_height(const std::vector<TimelineLine>& lines) { return lines.empty() ? 0.0f : lines.back().y + lines.back().height; }

}  // namespace

TEST_CASE("every lane group of tcp-echo fits the default timeline, and compare mode folds groups to fit", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const TimelineModel model(t);
    const std::set<trace::Lane> all = {trace::Lane::wire, trace::Lane::kernel, trace::Lane::notifier, trace::Lane::loop,
                                       trace::Lane::js, trace::Lane::client, trace::Lane::note};
    TimelineViewState view;
    // The default layout gives the rows about 280 px: nothing is folded,
    // levels sit inside their rows, and every group is on screen.
    compact_to_fit(model, view, app_heights(), 280.0f);
    CHECK(view.collapsed.none());
    layout_lines(model, view, app_heights(), view.lines);
    CHECK(lanes_shown(view.lines) == all);
    CHECK(content_height(view.lines) <= 280.0f);
    for (const TimelineLine& line : view.lines) CHECK_FALSE(line.bands);
    // One line per group of one row: the title and the events share it.
    std::size_t headers = 0;
    for (const TimelineLine& line : view.lines) headers += line.kind == LineKind::header;
    CHECK(headers == 1);  // only kernel: listener, server end, client end

    // A compare pane of about 127 px folds groups, yet shows every group.
    compact_to_fit(model, view, app_heights(), 127.0f);
    layout_lines(model, view, app_heights(), view.lines);
    CHECK(lanes_shown(view.lines) == all);
    CHECK(content_height(view.lines) <= 127.0f);
    CHECK(view.collapsed.test(static_cast<std::size_t>(trace::Lane::kernel)));  // the biggest group folds first

    // A folded group is one line; every row of it is shown by that line.
    const TimelineLine* kernel = nullptr;
    for (const TimelineLine& line : view.lines)
        if (line.lane == trace::Lane::kernel) kernel = &line;
    REQUIRE(kernel != nullptr);
    CHECK(kernel->kind == LineKind::collapsed);
    for (std::size_t i = 0; i < t.size(); ++i)
        if (trace::kind_spec(t[i].kind).lane == trace::Lane::kernel) CHECK(line_showing(model, view.lines, model.row_of(i)) == kernel);

    // The bands switch puts the levels back under their rows.
    view.collapsed.reset();
    view.level_bands.set(static_cast<std::size_t>(trace::Lane::kernel));
    layout_lines(model, view, app_heights(), view.lines);
    std::size_t banded = 0;
    for (const TimelineLine& line : view.lines)
        if (line.bands) {
            ++banded;
            CHECK(line.height == Approx(line.strip + static_cast<float>(model.rows()[line.row].series.size()) * app_heights().band));
        }
    CHECK(banded == 3);
}

TEST_CASE("clicking a group's title folds and unfolds it, and the panel stops folding by itself", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const TimelineModel model(t);
    PanelHarness h;
    const TimelineInput input{&t, &model, 0, nullptr, true};
    h.frame(input);
    CHECK_FALSE(h.view.layout_by_user);
    const TimelineLine* js = find_line(h, model, trace::Lane::js, RowKind::events);
    REQUIRE(js != nullptr);
    const bool was_folded = h.view.collapsed.test(static_cast<std::size_t>(trace::Lane::js));
    h.click(input, ImVec2(20.0f, h.middle_of(*js)));
    CHECK(h.view.collapsed.test(static_cast<std::size_t>(trace::Lane::js)) != was_folded);
    CHECK(h.view.layout_by_user);
    h.frame(input);
    const std::size_t lines = h.view.lines.size();
    h.frame(input);
    CHECK(h.view.lines.size() == lines);  // the choice stays
}

TEST_CASE("a trace with a long quiet tail opens on its busy part, and fit-all still shows everything", "[timeline]") {
    const trace::Trace t = lesson_trace("lifecycle");
    const TimelineModel model(t);
    const auto [first, last] = initial_window(t, model);
    const Nanos span = model.last_time() - model.first_time();
    REQUIRE(span > 10'000'000'000);  // TIME_WAIT keeps the socket for a minute
    CHECK(first == model.first_time());
    CHECK(last - first < span / 2);
    std::size_t inside = 0;
    for (const trace::Event& e : t.events()) inside += e.time >= first && e.time <= last;
    CHECK(inside * 100 >= t.size() * 98);

    PanelHarness h;
    const TimelineInput input{&t, &model, 0, nullptr, true};
    h.frame(input);
    CHECK(h.view.axis.end < model.first_time() + span / 2);
    CHECK(h.view.axis.start <= t[0].time);
    fit_all(h.view, t);
    CHECK(h.view.axis.start <= t[0].time);
    CHECK(h.view.axis.end >= t[t.size() - 1].time);

    // Without a tail the whole trace is shown.
    const trace::Trace echo = lesson_trace("tcp-echo");
    const TimelineModel echo_model(echo);
    CHECK(initial_window(echo, echo_model) == std::pair(echo_model.first_time(), echo_model.last_time()));
}

TEST_CASE("the view follows the cursor when it moves, and only then", "[timeline]") {
    const trace::Trace t = lesson_trace("tcp-echo");
    const TimelineModel model(t);
    TimelineViewState view;
    view.axis.x0 = 200.0f;
    view.axis.width = 1000.0f;
    view.axis.set_limits(model.first_time(), model.last_time());
    view.axis.show(t[0].time, t[0].time + 20'000);  // zoomed in on the start
    layout_lines(model, view, app_heights(), view.lines);
    const float visible = 60.0f;  // room for a few lines only

    CHECK_FALSE(follow_cursor(view, model, t, 0, visible));  // on screen already
    const Nanos window = view.axis.window();
    const std::size_t last = t.size() - 1;
    CHECK(follow_cursor(view, model, t, last, visible));
    CHECK(view.axis.window() == window);  // the zoom is kept
    CHECK(view.axis.start <= t[last].time);
    CHECK(view.axis.end >= t[last].time);
    // Its row was scrolled into view.
    const TimelineLine* line = line_showing(model, view.lines, model.row_of(last));
    REQUIRE(line != nullptr);
    CHECK(line->y >= view.scroll_y);
    CHECK(line->y + line->strip <= view.scroll_y + visible);

    // The user pans away; the same cursor does not pull the view back.
    view.axis.show(t[0].time, t[0].time + 20'000);
    view.scroll_y = 0.0f;
    CHECK_FALSE(follow_cursor(view, model, t, last, visible));
    CHECK(view.axis.start <= t[0].time);
    CHECK(view.scroll_y == 0.0f);
    // Scrolling back up to a row above.
    view.scroll_y = 200.0f;
    CHECK_FALSE(follow_cursor(view, model, t, 0, visible));  // time 0 is in the window
    CHECK(view.scroll_y == Approx(line_showing(model, view.lines, model.row_of(0))->y));

    // In the panel: moving the cursor off screen pans and reports it.
    PanelHarness h;
    TimelineInput input{&t, &model, 0, nullptr, true};
    h.frame(input);
    h.view.axis.show(t[0].time, t[0].time + 20'000);
    h.frame(input);
    CHECK_FALSE(h.result.zoom_changed);
    input.cursor = last;
    h.frame(input);
    CHECK(h.result.zoom_changed);
    CHECK(h.view.axis.end >= t[last].time);
}

TEST_CASE("level values at the cursor are those of the cursor's step, as the inspector shows them", "[timeline]") {
    for (const char* lesson : {"tcp-echo", "backpressure"}) {
        CAPTURE(lesson);
        const trace::Trace t = lesson_trace(lesson);
        const TimelineModel model(t);
        trace::WorldState state;
        std::size_t differs_by_time = 0;
        for (std::size_t i = 0; i < t.size(); ++i) {
            trace::apply(state, t, t[i]);
            for (const LevelSeries& s : model.series()) {
                if (s.summed) continue;
                std::uint64_t expected = 0;
                if (s.quantity == LevelQuantity::syn_queue || s.quantity == LevelQuantity::accept_queue) {
                    auto it = state.listeners.find(s.listener);
                    if (it == state.listeners.end()) continue;
                    expected = s.quantity == LevelQuantity::syn_queue ? it->second.syn_queue : it->second.accept_queue;
                } else {
                    auto it = state.connections.find(s.conn);
                    if (it == state.connections.end()) continue;
                    const trace::EndpointState& end = s.endpoint == Endpoint::client ? it->second.client : it->second.server;
                    expected = s.quantity == LevelQuantity::send_buffer   ? end.send_level
                               : s.quantity == LevelQuantity::recv_buffer ? end.recv_level
                                                                          : end.writable_length;
                }
                CAPTURE(i, s.label);
                CHECK(s.value_at_event(i) == static_cast<std::int64_t>(expected));
                differs_by_time += s.value_at(t[i].time) != s.value_at_event(i);
            }
        }
        // The value at the cursor's *time* would have disagreed somewhere:
        // later events in the same nanosecond.
        if (std::string(lesson) == "tcp-echo") CHECK(differs_by_time > 0);
    }
}

TEST_CASE("merged blocks say what they hold: a few events one by one, many by kind", "[timeline]") {
    const trace::Trace t = lesson_trace("chunks");
    const TimelineModel model(t);
    // The whole trace in 200 px: rows fold into blocks.
    const TimeAxis axis = axis_over(model.first_time(), model.last_time(), 200.0f);
    std::vector<DrawItem> items;
    std::vector<std::uint32_t> listed;
    bool saw_small = false, saw_big = false;
    for (const TimelineRow& row : model.rows()) {
        if (row.kind == RowKind::aggregate) continue;
        layout_row(row, axis, merge_distance_px, items);
        for (const DrawItem& item : items) {
            if (item.count < 2) continue;
            const std::string summary = merged_summary(t, row, axis, merge_distance_px, item, listed);
            CAPTURE(row.label, summary);
            if (item.count <= merged_list_limit) {
                saw_small = true;
                CHECK(listed.size() == item.count);
                for (std::uint32_t e : listed) {
                    CHECK(t[e].time >= item.t_first);
                    CHECK(t[e].time <= item.t_last);
                }
                CHECK(summary.find(trace::format_count(item.count)) == 0);
            } else {
                saw_big = true;
                CHECK(listed.empty());
                CHECK(summary.find(trace::format_count(item.count) + " events: ") == 0);
                CHECK(summary.find('.') != std::string::npos);  // kind names: "wire.segment"
            }
        }
    }
    CHECK(saw_small);
    CHECK(saw_big);
    // Hovering blocks in the panel draws their tooltips (ImGui asserts
    // would abort here on an unbalanced Begin/End).
    PanelHarness h;
    const TimelineInput input{&t, &model, 0, nullptr, true};
    h.frame(input);
    int hovered_blocks = 0;
    for (const TimelineLine& line : h.view.lines) {
        if (line.kind == LineKind::header || model.rows()[line.row].kind == RowKind::aggregate) continue;
        std::vector<DrawItem> drawn;
        layout_row(model.rows()[line.row], h.view.axis, h.style.px(merge_distance_px), drawn);
        for (const DrawItem& item : drawn)
            if (item.count > 1 && hovered_blocks < 6) {
                ++hovered_blocks;
                h.frame(input, ImVec2((item.x0 + item.x1) * 0.5f, h.middle_of(line)));
            }
    }
    CHECK(hovered_blocks > 0);

    TimelineRow wire;
    wire.only_kind = trace::Kind::wire_segment;
    CHECK(block_label(wire, 738) == "738 segments");
    CHECK(block_label(TimelineRow{}, 2) == "2 events");
}
