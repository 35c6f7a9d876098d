// The viewer without a window: stepping rules, compare alignment, the
// command-line step and time forms, and whole frames built headless with key
// presses fed through ImGui's input (the same path GLFW's callbacks use).
#include <catch2/catch.hpp>

#include <GLFW/glfw3.h>

#include <imgui_internal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stb/stb_image.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "imgui_headless.hpp"
#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "ui/stepping.hpp"
#include "ui/viewer_fonts.hpp"
#include "ui/viewer_settings.hpp"
#include "ui/png_writer.hpp"
#include "ui/viewer_frame.hpp"
#include "ui/viewer_state.hpp"

using namespace loopscope;

namespace {

trace::Trace lesson_trace(const std::string& id, const std::vector<std::string>& overrides = {}) {
    auto loaded = sim::load_lesson(*sim::find_lesson(id), overrides);
    return sim::simulate(std::get<sim::Scenario>(loaded));
}

std::unique_ptr<ui::Document> open_document(const std::string& id, const std::vector<std::string>& overrides = {}) {
    std::atomic<bool> cancel{false};
    auto result = ui::load_document(ui::DocumentSource{ui::DocumentSource::Type::lesson, id, {}, overrides},
                                    [](const ui::LoadStatus&) {}, cancel);
    REQUIRE(std::holds_alternative<std::unique_ptr<ui::Document>>(result));
    return std::move(std::get<std::unique_ptr<ui::Document>>(result));
}

// A headless viewer: ImGui context with the GLFW key map, fonts and style.
struct HeadlessViewer {
    test::HeadlessImGui imgui{1280.0f, 720.0f};
    ui::ViewerState state;

    explicit HeadlessViewer(const std::string& lesson) {
        ui::build_fonts(state, 1.0f);
        state.style = ui::make_view_style(false, 1.0f, true);
        state.primary = open_document(lesson);
        frame();
    }
    int frame(double seconds = 1.0 / 60.0) {
        imgui.new_frame();
        ui::update(state, seconds);
        ui::build_frame(state);
        return imgui.render();
    }
    // One press of a key, queued as the window's GLFW key callback queues
    // it, then a frame to handle it.
    void press(int glfw_key, bool shift = false, bool ctrl = false) {
        state.key_presses.push_back(ui::KeyPress{glfw_key, shift, ctrl});
        frame();
    }
    std::size_t cursor() const { return state.primary->cursor(); }
};

}  // namespace

TEST_CASE("stepping by event, caption and loop iteration", "[viewer]") {
    const trace::Trace trace = lesson_trace("tcp-echo");
    REQUIRE(trace.size() > 10);
    CHECK(ui::step_from(trace, 0, ui::StepSize::event, +1) == std::optional<std::size_t>(1));
    CHECK(ui::step_from(trace, 5, ui::StepSize::event, -1) == std::optional<std::size_t>(4));
    CHECK_FALSE(ui::step_from(trace, 0, ui::StepSize::event, -1));
    CHECK_FALSE(ui::step_from(trace, trace.size() - 1, ui::StepSize::event, +1));

    // Every caption is reached, in order, and nothing else is.
    std::vector<std::size_t> captions, iterations;
    for (std::size_t i = 0; i < trace.size(); ++i) {
        if (trace[i].kind == trace::Kind::note_caption) captions.push_back(i);
        if (trace[i].kind == trace::Kind::loop_iteration) iterations.push_back(i);
    }
    REQUIRE(captions.size() >= 3);
    REQUIRE(iterations.size() >= 3);
    std::vector<std::size_t> forward;
    for (std::optional<std::size_t> at = ui::step_from(trace, 0, ui::StepSize::caption, +1); at;
         at = ui::step_from(trace, *at, ui::StepSize::caption, +1))
        forward.push_back(*at);
    if (trace[0].kind == trace::Kind::note_caption) forward.insert(forward.begin(), 0);
    CHECK(forward == captions);
    std::vector<std::size_t> backward;
    for (std::optional<std::size_t> at = ui::step_from(trace, trace.size() - 1, ui::StepSize::iteration, -1); at;
         at = ui::step_from(trace, *at, ui::StepSize::iteration, -1))
        backward.insert(backward.begin(), *at);
    CHECK(backward == iterations);
}

TEST_CASE("compare mode aligns two traces by time since their origin", "[viewer]") {
    const trace::Trace linux_trace = lesson_trace("tcp-echo");
    const trace::Trace windows_trace = lesson_trace("tcp-echo", {"os=windows"});
    for (std::size_t cursor : {std::size_t{0}, linux_trace.size() / 3, linux_trace.size() - 1}) {
        const std::size_t other = ui::aligned_cursor(linux_trace, cursor, windows_trace);
        const trace::Nanos t = linux_trace[cursor].time;
        // The aligned step is the last one at or before the same moment.
        CHECK(windows_trace[other].time <= std::max(t, windows_trace[0].time));
        if (other + 1 < windows_trace.size()) CHECK(windows_trace[other + 1].time > t);
    }
    CHECK(ui::index_at_time(linux_trace, -5) == 0);
    CHECK(ui::index_at_time(linux_trace, linux_trace[linux_trace.size() - 1].time + 1) == linux_trace.size() - 1);
    // A real (monotonic-clock) trace counts from its first event.
    trace::Trace real;
    real.header.clock = "monotonic";
    real.header.hosts.push_back({"server", "server", "linux"});
    for (trace::Nanos t : {1'000'000'000, 1'000'000'500, 1'000'002'000})
        real.append(t, trace::Kind::note_caption, 0, trace::no_conn, trace::no_event, {real.intern("x"), 1});
    CHECK(ui::trace_origin(real) == 1'000'000'000);
    trace::Trace virtual_trace;
    virtual_trace.header.hosts = real.header.hosts;
    for (trace::Nanos t : {0, 400, 600, 3000})
        virtual_trace.append(t, trace::Kind::note_caption, 0, trace::no_conn, trace::no_event, {virtual_trace.intern("x"), 1});
    CHECK(ui::aligned_cursor(virtual_trace, 2, real) == 1);  // 600 ns in: the event at +500
    CHECK(ui::aligned_cursor(real, 2, virtual_trace) == 2);  // 2000 ns in: the event at 600
}

TEST_CASE("compare mode lines two traces up at their first client.connect", "[viewer]") {
    // The simulator starts its client at 1 ms; a real run as soon as it can.
    // Aligned at time 0, the two stories were half a millisecond apart.
    const trace::Trace sim_trace = lesson_trace("tcp-echo");
    trace::Trace shifted = lesson_trace("tcp-echo", {"clients.start_at_ns=300000"});
    const auto first = [](const trace::Trace& t, trace::Kind kind) {
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t[i].kind == kind) return i;
        return t.size();
    };
    const std::size_t connect_a = first(sim_trace, trace::Kind::client_connect);
    const std::size_t connect_b = first(shifted, trace::Kind::client_connect);
    CHECK(ui::compare_origin(sim_trace) == sim_trace[connect_a].time);
    CHECK(sim_trace[connect_a].time - shifted[connect_b].time == 700'000);
    // The same story 0.7 ms earlier: every step lines up with its twin (the
    // last event of the same moment, as index_at_time gives).
    for (const trace::Kind kind : {trace::Kind::client_connect, trace::Kind::js_data, trace::Kind::client_close}) {
        const std::size_t a = first(sim_trace, kind), b = first(shifted, kind);
        REQUIRE(a < sim_trace.size());
        const std::size_t aligned = ui::aligned_cursor(sim_trace, a, shifted);
        CHECK(shifted[aligned].time == shifted[b].time);
        CHECK(ui::aligned_cursor(shifted, b, sim_trace) == ui::index_at_time(sim_trace, sim_trace[a].time));
    }
}

TEST_CASE("the step and time forms of --at and --at-time are accepted, and the rest rejected", "[viewer]") {
    CHECK(std::get<std::size_t>(ui::parse_step_spec("1", 10)) == 0);
    CHECK(std::get<std::size_t>(ui::parse_step_spec("10", 10)) == 9);
    CHECK(std::get<std::size_t>(ui::parse_step_spec("first", 10)) == 0);
    CHECK(std::get<std::size_t>(ui::parse_step_spec("middle", 10)) == 5);
    CHECK(std::get<std::size_t>(ui::parse_step_spec("last", 10)) == 9);
    for (const char* bad : {"0", "11", "-1", "1.5", "", "x", "3x"}) {
        CAPTURE(bad);
        CHECK(std::holds_alternative<std::string>(ui::parse_step_spec(bad, 10)));
    }
    CHECK(ui::parse_time_spec("1500") == std::optional<trace::Nanos>(1500));
    CHECK(ui::parse_time_spec("250ns") == std::optional<trace::Nanos>(250));
    CHECK(ui::parse_time_spec("1500us") == std::optional<trace::Nanos>(1'500'000));
    CHECK(ui::parse_time_spec("1500µs") == std::optional<trace::Nanos>(1'500'000));
    CHECK(ui::parse_time_spec("2ms") == std::optional<trace::Nanos>(2'000'000));
    CHECK(ui::parse_time_spec("3s") == std::optional<trace::Nanos>(3'000'000'000));
    // Decimals as the viewer prints times ("1.174 ms"), kept in integer ns.
    CHECK(ui::parse_time_spec("1.174ms") == std::optional<trace::Nanos>(1'174'000));
    CHECK(ui::parse_time_spec("1.1ms") == std::optional<trace::Nanos>(1'100'000));
    CHECK(ui::parse_time_spec("0.5s") == std::optional<trace::Nanos>(500'000'000));
    CHECK(ui::parse_time_spec("2.5us") == std::optional<trace::Nanos>(2'500));
    CHECK(ui::parse_time_spec("1.0000000001s") == std::optional<trace::Nanos>(1'000'000'000));  // below 1 ns: dropped
    for (const char* bad : {"", "ms", "1.5", "1.5ns", ".5ms", "1.ms", "1..5ms", "-3", "2 ms", "2h", "99999999999s"}) {
        CAPTURE(bad);
        CHECK_FALSE(ui::parse_time_spec(bad));
    }
}

TEST_CASE("a document's cursor state matches folding the trace from the start", "[viewer]") {
    auto document = open_document("backpressure");
    const trace::Trace& trace = document->trace;
    trace::WorldState folded;
    // Forward one at a time, then a jump back, then forward by a big stride.
    for (std::size_t i = 0; i < std::min<std::size_t>(trace.size(), 400); ++i) {
        trace::apply(folded, trace, trace[i]);
        document->move_to(i);
        REQUIRE(document->state().applied == folded.applied);
        REQUIRE(document->state().loop.phase == folded.loop.phase);
    }
    const trace::Cursor reference(trace, 64);
    for (std::size_t target : {std::size_t{3}, trace.size() - 1, trace.size() / 2, std::size_t{0}, trace.size() / 2 + 7}) {
        document->move_to(target);
        const trace::WorldState expected = reference.state_at(target);
        CHECK(document->state().applied == expected.applied);
        CHECK(document->state().time == expected.time);
        CHECK(document->state().connections.size() == expected.connections.size());
    }
}

TEST_CASE("keys move the cursor through the viewer's own input path", "[viewer]") {
    HeadlessViewer viewer("tcp-echo");
    const trace::Trace& trace = viewer.state.primary->trace;
    REQUIRE(viewer.cursor() == 0);
    viewer.press(GLFW_KEY_RIGHT);
    CHECK(viewer.cursor() == 1);
    viewer.press(GLFW_KEY_RIGHT);
    viewer.press(GLFW_KEY_LEFT);
    CHECK(viewer.cursor() == 1);
    // Three quick taps within one frame are three steps, not one.
    for (int i = 0; i < 3; ++i) viewer.state.key_presses.push_back(ui::KeyPress{GLFW_KEY_RIGHT, false, false});
    viewer.frame();
    CHECK(viewer.cursor() == 4);
    viewer.press(GLFW_KEY_LEFT);
    viewer.press(GLFW_KEY_LEFT);
    viewer.press(GLFW_KEY_LEFT);
    CHECK(viewer.cursor() == 1);
    viewer.press(GLFW_KEY_RIGHT, /*shift=*/true);
    CHECK(trace[viewer.cursor()].kind == trace::Kind::note_caption);
    CHECK(viewer.cursor() > 1);
    viewer.press(GLFW_KEY_END);
    CHECK(viewer.cursor() == trace.size() - 1);
    viewer.press(GLFW_KEY_HOME);
    CHECK(viewer.cursor() == 0);

    // Space plays: at 30 steps/s, one second of frames moves about 30 steps.
    viewer.state.steps_per_second = 30.0f;
    viewer.press(GLFW_KEY_SPACE);
    CHECK(viewer.state.playing);
    for (int i = 0; i < 60; ++i) viewer.frame(1.0 / 60.0);
    CHECK(viewer.cursor() >= 25);
    CHECK(viewer.cursor() <= 35);
    viewer.press(GLFW_KEY_SPACE);
    CHECK_FALSE(viewer.state.playing);

    viewer.press(GLFW_KEY_F5);
    CHECK(viewer.state.presenter);
    viewer.press(GLFW_KEY_F1);
    CHECK(viewer.state.show_help);
    viewer.press(GLFW_KEY_ESCAPE);
    CHECK_FALSE(viewer.state.show_help);
    viewer.press(GLFW_KEY_O, false, /*ctrl=*/true);
    CHECK(ImGui::GetCurrentContext()->OpenPopupStack.Size == 1);  // the Open dialog
    // While a dialog is open, the arrows belong to it.
    const std::size_t before = viewer.cursor();
    viewer.press(GLFW_KEY_RIGHT);
    CHECK(viewer.cursor() == before);
}

TEST_CASE("zoom keys change the timeline's window around the cursor", "[viewer]") {
    HeadlessViewer viewer("chunks");
    const ui::TimeAxis before = viewer.state.primary->timeline_view.axis;
    REQUIRE(before.window() > 0);
    viewer.press(GLFW_KEY_EQUAL);
    const ui::TimeAxis zoomed = viewer.state.primary->timeline_view.axis;
    CHECK(zoomed.window() < before.window());
    viewer.press(GLFW_KEY_MINUS);
    viewer.press(GLFW_KEY_MINUS);
    CHECK(viewer.state.primary->timeline_view.axis.window() > zoomed.window());
    viewer.press(GLFW_KEY_F);
    CHECK(viewer.state.primary->timeline_view.axis.window() == before.window());
}

TEST_CASE("every lesson builds a whole frame at its first, middle and last step, normal and presenter", "[viewer]") {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        CAPTURE(lesson.id);
        HeadlessViewer viewer{std::string(lesson.id)};
        const std::size_t size = viewer.state.primary->trace.size();
        for (bool presenter : {false, true}) {
            viewer.state.presenter = presenter;
            viewer.state.style = ui::make_view_style(presenter, presenter ? 1.8f : 1.0f, true);
            for (std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
                ui::move_cursor(viewer.state, at);
                CHECK(viewer.frame() > 1000);  // toolbar, timeline and panels all drew
            }
            for (ui::BottomTab tab : {ui::BottomTab::sequence, ui::BottomTab::events, ui::BottomTab::parameters}) {
                viewer.state.tab = tab;
                viewer.state.tab_requested = true;
                viewer.frame();
                CHECK(viewer.frame() > 1000);
            }
        }
    }
}

TEST_CASE("compare mode draws both documents and keeps their cursors aligned", "[viewer]") {
    HeadlessViewer viewer("tcp-echo");
    viewer.state.compare = open_document("tcp-echo", {"os=macos"});
    ui::move_cursor(viewer.state, viewer.state.primary->trace.size() / 2);
    const std::size_t expected = ui::aligned_cursor(viewer.state.primary->trace, viewer.state.primary->cursor(),
                                                    viewer.state.compare->trace);
    CHECK(viewer.state.compare->cursor() == expected);
    CHECK(viewer.frame() > 1000);
    viewer.press(GLFW_KEY_EQUAL);
    CHECK(viewer.state.compare->timeline_view.axis.start == viewer.state.primary->timeline_view.axis.start);
    CHECK(viewer.state.compare->timeline_view.axis.end == viewer.state.primary->timeline_view.axis.end);
}

TEST_CASE("a background load reports progress, and a bad file becomes a message, not a crash", "[viewer]") {
    ui::ViewerState state;
    ui::start_load(state, ui::DocumentSource{ui::DocumentSource::Type::lesson, "chunks", {}, {}},
                   ui::BackgroundLoad::Slot::primary);
    while (state.loading) ui::update(state, 0.01);
    REQUIRE(state.primary);
    CHECK(state.primary->title.find("chunk") != std::string::npos);
    CHECK_FALSE(state.status_is_error);

    ui::start_load(state, ui::DocumentSource{ui::DocumentSource::Type::lesson, "chunks", {}, {"clients.count=abc"}},
                   ui::BackgroundLoad::Slot::primary);
    while (state.loading) ui::update(state, 0.01);
    CHECK(state.status_is_error);
    CHECK(state.status.find("clients.count") != std::string::npos);
    CHECK(state.primary->source.name == "chunks");  // the open document stays

    auto missing = ui::resolve_source("/no/such/file.jsonl");
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing) == "/no/such/file.jsonl: no such file");
    auto unknown = ui::resolve_source("no-such-lesson");
    REQUIRE(std::holds_alternative<std::string>(unknown));
    CHECK(std::get<std::string>(unknown).find("neither a built-in lesson nor a file") != std::string::npos);
}

TEST_CASE("the layout survives a save and load of imgui.ini, and bad values are clamped", "[viewer]") {
    ui::WindowGeometry saved_geometry{1600, 900};
    std::string ini;
    {
        test::HeadlessImGui imgui;
        ui::ViewerState state;
        ui::register_settings(state, saved_geometry);
        state.timeline_fraction = 0.62f;
        state.explain_fraction = 0.33f;
        state.presenter_scale = 2.5f;
        state.step_size = ui::StepSize::iteration;
        state.show_arrows = false;
        ini = ImGui::SaveIniSettingsToMemory();
    }
    CHECK(ini.find("[loopscope][layout]") != std::string::npos);
    {
        test::HeadlessImGui imgui;
        ui::ViewerState state;
        ui::WindowGeometry geometry;
        ui::register_settings(state, geometry);
        ImGui::LoadIniSettingsFromMemory(ini.c_str(), ini.size());
        CHECK(geometry.width == 1600);
        CHECK(geometry.height == 900);
        CHECK(state.timeline_fraction == Approx(0.62f));
        CHECK(state.explain_fraction == Approx(0.33f));
        CHECK(state.presenter_scale == Approx(2.5f));
        // A shared classroom machine starts every run stepping by event.
        CHECK(state.step_size == ui::StepSize::event);
        CHECK_FALSE(state.show_arrows);
    }
    {
        test::HeadlessImGui imgui;
        ui::ViewerState state;
        ui::WindowGeometry geometry;
        ui::register_settings(state, geometry);
        const std::string corrupt =
            "[loopscope][layout]\nWindow=-5,999999\nTimeline=7\nPresenterScale=-1\nStepSize=9\nnonsense\n";
        ImGui::LoadIniSettingsFromMemory(corrupt.c_str(), corrupt.size());
        CHECK(geometry.width == 640);
        CHECK(geometry.height == 8192);
        CHECK(state.timeline_fraction == Approx(0.85f));
        CHECK(state.presenter_scale == Approx(1.0f));
        CHECK(state.step_size == ui::StepSize::event);
    }
}

TEST_CASE("the settings file lives in the user's config directory, never the working directory", "[viewer]") {
    const char* old_xdg = std::getenv("XDG_CONFIG_HOME");
    const std::string saved = old_xdg ? old_xdg : "";
    const auto folder = std::filesystem::temp_directory_path() / ("loopscope-xdg-" + std::to_string(::getpid()));
    ::setenv("XDG_CONFIG_HOME", folder.c_str(), 1);
    CHECK(ui::settings_path() == (folder / "loopscope" / "imgui.ini").string());
    CHECK(std::filesystem::is_directory(folder / "loopscope"));
    ::setenv("XDG_CONFIG_HOME", "relative/path", 1);  // not absolute: the spec says ignore it
    const std::string fallback = ui::settings_path();
    CHECK(fallback.find("relative/path") == std::string::npos);
    CHECK(fallback.find(".config/loopscope/imgui.ini") != std::string::npos);
    if (old_xdg) ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
    else ::unsetenv("XDG_CONFIG_HOME");
    std::filesystem::remove_all(folder);
}

TEST_CASE("screenshots are written whole: to a temporary name then renamed, or straight into a pipe", "[viewer]") {
    const auto folder = std::filesystem::temp_directory_path() / ("loopscope-png-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    std::vector<std::uint8_t> rgba(4 * 3 * 2, 200);  // 3x2 pixels
    rgba[0] = 10;
    const std::string file = (folder / "shot.png").string();
    REQUIRE(ui::write_png_file(file, 3, 2, rgba).empty());
    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(file.c_str(), &w, &h, &channels, 4);
    REQUIRE(pixels != nullptr);
    CHECK(w == 3);
    CHECK(h == 2);
    CHECK(pixels[0] == 10);
    CHECK(pixels[1] == 200);
    stbi_image_free(pixels);

    // A pipe is written into, never replaced by a regular file (a rename
    // over /dev/full or a FIFO would destroy it).
    const std::string fifo = (folder / "pipe.png").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string received;
    std::thread reader([&] {
        std::ifstream in(fifo, std::ios::binary);
        received.assign(std::istreambuf_iterator<char>(in), {});
    });
    CHECK(ui::write_png_file(fifo, 3, 2, rgba).empty());
    reader.join();
    CHECK(received.substr(1, 3) == "PNG");
    CHECK(std::filesystem::is_fifo(fifo));

    // No folder: an error naming the path, and nothing left behind.
    const std::string problem = ui::write_png_file((folder / "missing" / "x.png").string(), 3, 2, rgba);
    CHECK(problem.find("missing/x.png") != std::string::npos);
    std::filesystem::remove(fifo);
    std::size_t left = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder)) ++left;
    CHECK(left == 1);  // only shot.png
    std::filesystem::remove_all(folder);
}
