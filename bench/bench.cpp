// loopscope_bench: the numbers of docs/performance.md.
//
//   1. Simulator throughput: the tcp-echo lesson with many clients, simulated
//      with the trace recorded, in trace events per second of wall time; and
//      the ten-thousand (one thread) and thread-per-connection (10,000
//      threads) lessons as built in, in wall time against their goals.
//   2. The loaded trace: that trace written as JSONL and read back; memory
//      per event in the loaded Trace, load speed (warm file cache) and file
//      size per event.
//   3. The viewer's timeline on a 1,000,000-event trace (tcp-echo with
//      17,000 clients): time to load it from JSONL, to build the
//      TimelineModel, and the CPU time of one frame (NewFrame to Render, no
//      GPU) at full zoom-out and at a 1 ms window in the busiest part.
//
// Each timing is the best of a few runs, because the machine is shared and a
// run can only be slowed down by noise, never sped up. Usage:
//   loopscope_bench [--clients N] [--viewer-clients N] [--runs N] [--json]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "trace/jsonl.hpp"
#include "ui/document.hpp"
#include "ui/timeline_model.hpp"
#include "ui/timeline_view.hpp"
#include "ui/viewer_fonts.hpp"
#include "ui/viewer_frame.hpp"
#include "ui/view_style.hpp"

namespace {

using namespace loopscope;
using Clock = std::chrono::steady_clock;

constexpr std::string_view bench_lesson = "tcp-echo";

struct Options {
    std::uint32_t clients = 10000;
    std::uint32_t viewer_clients = 17000;  // about 1,000,000 events
    int runs = 3;
    bool json = false;
};

struct Measurement {
    std::string name;
    std::string unit;
    std::uint64_t value = 0;
    std::optional<std::uint64_t> goal;  // absent: reported, not judged
    bool higher_is_better = true;
    bool met() const { return !goal || (higher_is_better ? value >= *goal : value <= *goal); }
};

std::int64_t elapsed_ns(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

// Items per second from a count and a duration, in integers (the product
// stays far below 2^63 for any trace that fits in memory).
std::uint64_t per_second(std::uint64_t items, std::int64_t ns) {
    return ns > 0 ? items * 1'000'000'000ull / static_cast<std::uint64_t>(ns) : 0;
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto number = [&](auto& target, long long min_value) {
            if (i + 1 >= argc) return false;
            char* end = nullptr;
            long long value = std::strtoll(argv[++i], &end, 10);
            if (*end != '\0' || value < min_value || value > 10'000'000) return false;
            target = static_cast<std::remove_reference_t<decltype(target)>>(value);
            return true;
        };
        if (arg == "--json") {
            options.json = true;
        } else if (arg == "--clients") {
            if (!number(options.clients, 1)) return std::nullopt;
        } else if (arg == "--viewer-clients") {
            if (!number(options.viewer_clients, 1)) return std::nullopt;
        } else if (arg == "--runs") {
            if (!number(options.runs, 1)) return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    return options;
}

// The scenario of the throughput goal: tcp-echo with --set clients.count=N.
sim::Scenario load_bench_scenario(std::uint32_t clients) {
    const sim::Lesson* lesson = sim::find_lesson(bench_lesson);
    if (!lesson) throw std::runtime_error("the built-in lesson " + std::string(bench_lesson) + " is missing");
    auto loaded = sim::load_lesson(*lesson, {"clients.count=" + std::to_string(clients)});
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) throw std::runtime_error(error->text());
    return std::get<sim::Scenario>(std::move(loaded));
}

// Simulates a built-in lesson `runs` times and reports the best wall time
// against `goal_ms`, with its event count, events per second and the
// recorded trace's memory.
void simulate_built_in_lesson(std::string_view id, std::uint64_t goal_ms, const Options& options, std::ostream& log,
                  std::vector<Measurement>& results) {
    const sim::Lesson* lesson = sim::find_lesson(id);
    if (!lesson) throw std::runtime_error("the built-in lesson " + std::string(id) + " is missing");
    auto loaded = sim::load_lesson(*lesson);
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) throw std::runtime_error(error->text());
    const sim::Scenario scenario = std::get<sim::Scenario>(std::move(loaded));
    std::int64_t best_ns = 0;
    std::uint64_t events = 0, trace_bytes = 0;
    for (int run = 0; run < options.runs; ++run) {
        auto start = Clock::now();
        const trace::Trace t = sim::simulate(scenario);
        const std::int64_t ns = elapsed_ns(start);
        log << id << " run " << run + 1 << ": " << t.size() << " events in " << ns / 1'000'000 << " ms\n";
        if (run == 0 || ns < best_ns) best_ns = ns;
        events = t.size();
        trace_bytes = t.memory_bytes();
    }
    const std::string name(id);
    results.push_back({name + " lesson events", "events", events, std::nullopt, true});
    results.push_back({name + " lesson throughput", "events/s", per_second(events, best_ns), std::nullopt, true});
    results.push_back({name + " lesson trace memory", "MB", trace_bytes / 1'000'000, std::nullopt, false});
    results.push_back({name + " lesson simulated", "ms", static_cast<std::uint64_t>(best_ns / 1'000'000), goal_ms, false});
}

// A file name in the temporary directory that no other bench run uses.
std::filesystem::path temporary_trace_path() {
    auto unique = std::to_string(Clock::now().time_since_epoch().count()) + "-" +
                  std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    return std::filesystem::temp_directory_path() / ("loopscope-bench-" + unique + ".jsonl");
}

// Removes the temporary trace however the bench ends.
struct RemoveOnExit {
    std::filesystem::path path;
    ~RemoveOnExit() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

// ---- 3. the viewer's timeline ----

// A Dear ImGui context without a window, as in tests/imgui_headless.hpp (the
// bench does not include tests/): frames are built on the CPU exactly as in
// the app, and nothing is rasterised.
class HeadlessImGui {
public:
    HeadlessImGui(float width, float height) {
        context_ = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(width, height);
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // the atlas must exist before NewFrame
    }
    ~HeadlessImGui() { ImGui::DestroyContext(context_); }
    HeadlessImGui(const HeadlessImGui&) = delete;
    HeadlessImGui& operator=(const HeadlessImGui&) = delete;

private:
    ImGuiContext* context_ = nullptr;
};

// CPU time of this thread: a frame's cost without the noise of other
// processes on a shared machine.
std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The start of the 1 ms window holding the most events.
trace::Nanos busiest_millisecond(const trace::Trace& t) {
    constexpr trace::Nanos ms = 1'000'000;
    std::vector<std::uint32_t> counts;
    const trace::Nanos first = t[0].time;
    for (const trace::Event& e : t.events()) {
        const auto bucket = static_cast<std::size_t>((e.time - first) / ms);
        if (bucket >= counts.size()) counts.resize(bucket + 1, 0);
        ++counts[bucket];
    }
    const auto best = std::max_element(counts.begin(), counts.end()) - counts.begin();
    return first + static_cast<trace::Nanos>(best) * ms;
}

// The median CPU time of `frames` frames of a 1280x720 window holding the
// timeline, the mouse resting over the rows (so hover work is counted).
std::int64_t median_frame_ns(const trace::Trace& t, const ui::TimelineModel& model, ui::TimelineViewState& view,
                             std::size_t cursor, int frames) {
    const ui::ViewStyle style = ui::make_view_style(false, 1.0f, true);
    const ui::TimelineInput input{&t, &model, cursor, nullptr, true};
    std::vector<std::int64_t> times;
    for (int i = 0; i < frames + 3; ++i) {
        ImGui::GetIO().MousePos = ImVec2(700.0f, 200.0f);
        const std::int64_t start = thread_cpu_ns();
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ImVec2(1280, 720));
        ImGui::Begin("timeline", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings);
        ui::draw_timeline("timeline", input, view, style, ImGui::GetContentRegionAvail());
        ImGui::End();
        ImGui::Render();
        const std::int64_t ns = thread_cpu_ns() - start;
        if (i >= 3) times.push_back(ns);  // the first frames lay out the window
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// The median CPU time of a whole viewer frame (toolbar, timeline,
// explanation, inspector: build_frame), stepping one event forward each
// frame as playback does, so the cursor's state update is counted too.
std::int64_t median_viewer_frame_ns(ui::ViewerState& state, int frames) {
    std::vector<std::int64_t> times;
    for (int i = 0; i < frames + 3; ++i) {
        ImGui::GetIO().MousePos = ImVec2(700.0f, 200.0f);
        const std::int64_t start = thread_cpu_ns();
        ImGui::NewFrame();
        ui::apply_action(state, ui::Action::step_forward);
        ui::build_frame(state);
        ImGui::Render();
        const std::int64_t ns = thread_cpu_ns() - start;
        if (i >= 3) times.push_back(ns);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

// Opening the trace as the viewer does (read, keyframes, timeline and
// sequence models), then whole frames at full zoom-out and at 1 ms.
void run_whole_viewer_bench(const std::string& path, std::ostream& log, std::vector<Measurement>& results) {
    std::atomic<bool> cancel{false};
    const auto start = Clock::now();
    auto opened = ui::load_document(ui::DocumentSource{ui::DocumentSource::Type::trace_file, path, {}, {}},
                                    [](const ui::LoadStatus&) {}, cancel);
    const std::int64_t open_ns = elapsed_ns(start);
    if (auto* error = std::get_if<std::string>(&opened)) throw std::runtime_error("opening the viewer trace failed: " + *error);
    log << "viewer open (read + index): " << open_ns / 1'000'000 << " ms\n";
    results.push_back({"viewer open (read + index)", "ms", static_cast<std::uint64_t>(open_ns / 1'000'000), 2000, false});

    HeadlessImGui gui(1280.0f, 720.0f);
    ui::ViewerState state;
    ui::build_fonts(state, 1.0f);
    state.style = ui::make_view_style(false, 1.0f, true);
    state.primary = std::move(std::get<std::unique_ptr<ui::Document>>(opened));
    const trace::Trace& t = state.primary->trace;
    ui::move_cursor(state, t.size() / 2);
    constexpr int frames = 50;
    const std::int64_t full_ns = median_viewer_frame_ns(state, frames);
    log << "whole viewer frame at full zoom-out: " << full_ns / 1000 << " us\n";
    const trace::Nanos busy = busiest_millisecond(t);
    state.primary->timeline_view.axis.show(busy, busy + 1'000'000);
    ui::move_cursor(state, ui::index_at_time(t, busy + 500'000));
    const std::int64_t window_ns = median_viewer_frame_ns(state, frames);
    log << "whole viewer frame at a 1 ms window: " << window_ns / 1000 << " us\n";
    results.push_back({"whole viewer frame, full zoom-out", "us", static_cast<std::uint64_t>(full_ns / 1000), 8000, false});
    results.push_back({"whole viewer frame, 1 ms window", "us", static_cast<std::uint64_t>(window_ns / 1000), 8000, false});
}

void run_viewer_bench(const Options& options, std::ostream& log, std::vector<Measurement>& results) {
    const sim::Scenario scenario = load_bench_scenario(options.viewer_clients);
    const trace::Trace simulated = sim::simulate(scenario);
    log << "viewer trace: " << simulated.size() << " events (clients.count=" << options.viewer_clients << ")\n";
    RemoveOnExit temporary{temporary_trace_path()};
    trace::write_trace_file(temporary.path.string(), simulated);

    std::optional<trace::Trace> loaded;
    std::int64_t best_load_ns = 0;
    for (int run = 0; run < options.runs + 1; ++run) {
        auto start = Clock::now();
        auto read = trace::read_trace_file(temporary.path.string());
        std::int64_t ns = elapsed_ns(start);
        if (auto* error = std::get_if<trace::LoadError>(&read)) throw std::runtime_error("reading the viewer trace failed: " + error->text());
        log << "viewer load run " << run + 1 << (run == 0 ? " (warms the cache, not counted)" : "") << ": " << ns / 1'000'000 << " ms\n";
        if (run == 0) continue;
        if (best_load_ns == 0 || ns < best_load_ns) best_load_ns = ns;
        loaded = std::move(std::get<trace::Trace>(read));
    }
    const trace::Trace& t = *loaded;
    results.push_back({"viewer trace events", "events", t.size(), std::nullopt, true});
    results.push_back({"viewer trace load (JSONL)", "ms", static_cast<std::uint64_t>(best_load_ns / 1'000'000), 2000, false});

    std::optional<ui::TimelineModel> model;
    std::int64_t best_model_ns = 0;
    for (int run = 0; run < options.runs; ++run) {
        auto start = Clock::now();
        ui::TimelineModel built(t);
        std::int64_t ns = elapsed_ns(start);
        log << "timeline model run " << run + 1 << ": " << built.rows().size() << " rows, " << built.series().size()
            << " level series, " << built.memory_bytes() / 1'000'000 << " MB in " << ns / 1'000'000 << " ms\n";
        if (run == 0 || ns < best_model_ns) best_model_ns = ns;
        if (run == 0) model.emplace(std::move(built));
    }
    results.push_back({"timeline model build", "ms", static_cast<std::uint64_t>(best_model_ns / 1'000'000), 500, false});
    results.push_back({"timeline model memory", "MB", model->memory_bytes() / 1'000'000, std::nullopt, false});

    HeadlessImGui gui(1280.0f, 720.0f);
    constexpr int frames = 50;
    ui::TimelineViewState view;
    const std::int64_t full_ns = median_frame_ns(t, *model, view, t.size() / 2, frames);
    log << "frame at full zoom-out: " << full_ns / 1000 << " us (median of " << frames << ")\n";
    const trace::Nanos busy = busiest_millisecond(t);
    view.axis.show(busy, busy + 1'000'000);
    // The cursor inside the window, so the cursor line and arrows are drawn.
    const auto inside = std::lower_bound(t.events().begin(), t.events().end(), busy + 500'000,
                                         [](const trace::Event& e, trace::Nanos at) { return e.time < at; });
    const auto cursor = static_cast<std::size_t>(std::min<std::ptrdiff_t>(inside - t.events().begin(), static_cast<std::ptrdiff_t>(t.size()) - 1));
    const std::int64_t window_ns = median_frame_ns(t, *model, view, cursor, frames);
    log << "frame at a 1 ms window from " << busy << " ns: " << window_ns / 1000 << " us\n";
    results.push_back({"timeline frame, full zoom-out", "us", static_cast<std::uint64_t>(full_ns / 1000), 8000, false});
    results.push_back({"timeline frame, 1 ms window", "us", static_cast<std::uint64_t>(window_ns / 1000), 8000, false});
    run_whole_viewer_bench(temporary.path.string(), log, results);
}

std::vector<Measurement> run_bench(const Options& options, std::ostream& log) {
    std::vector<Measurement> results;
    const sim::Scenario scenario = load_bench_scenario(options.clients);

    // 1. Simulate with the trace recorded; keep the fastest run's trace.
    trace::Trace recorded;
    std::int64_t best_sim_ns = 0;
    for (int run = 0; run < options.runs; ++run) {
        auto start = Clock::now();
        trace::Trace t = sim::simulate(scenario);
        std::int64_t ns = elapsed_ns(start);
        log << "simulate run " << run + 1 << ": " << t.size() << " events in " << ns / 1'000'000 << " ms\n";
        if (run == 0 || ns < best_sim_ns) best_sim_ns = ns;
        if (run == 0) recorded = std::move(t);
    }
    const std::uint64_t events = recorded.size();
    results.push_back({"simulated events", "events", events, std::nullopt, true});
    results.push_back({"simulator throughput", "events/s", per_second(events, best_sim_ns), 3'000'000, true});

    // 1b. The scale lessons as built in (10,000 clients each), simulated
    // with the trace recorded: the whole run in wall time, its events per
    // second and the memory the recorded trace holds.
    simulate_built_in_lesson("ten-thousand", 1000, options, log, results);
    simulate_built_in_lesson("thread-per-connection", 2000, options, log, results);

    // 2. Write, then read back (the first read also warms the file cache).
    RemoveOnExit temporary{temporary_trace_path()};
    auto write_start = Clock::now();
    trace::write_trace_file(temporary.path.string(), recorded);
    std::int64_t write_ns = elapsed_ns(write_start);
    const std::uint64_t file_bytes = std::filesystem::file_size(temporary.path);
    log << "wrote " << file_bytes << " bytes in " << write_ns / 1'000'000 << " ms\n";

    std::int64_t best_load_ns = 0;
    std::uint64_t loaded_bytes = 0;
    std::uint64_t loaded_events = 0;
    for (int run = 0; run < options.runs + 1; ++run) {
        auto start = Clock::now();
        auto loaded = trace::read_trace_file(temporary.path.string());
        std::int64_t ns = elapsed_ns(start);
        if (auto* error = std::get_if<trace::LoadError>(&loaded))
            throw std::runtime_error("reading the trace back failed: " + error->text());
        const trace::Trace& t = std::get<trace::Trace>(loaded);
        log << "load run " << run + 1 << (run == 0 ? " (warms the cache, not counted)" : "") << ": "
            << t.size() << " events in " << ns / 1'000'000 << " ms\n";
        if (run == 0) continue;
        if (best_load_ns == 0 || ns < best_load_ns) best_load_ns = ns;
        loaded_bytes = t.memory_bytes();
        loaded_events = t.size();
    }
    if (loaded_events != events)
        throw std::runtime_error("the trace read back has " + std::to_string(loaded_events) +
                                 " events, but " + std::to_string(events) + " were written");
    const std::uint64_t divisor = events > 0 ? events : 1;
    const std::uint64_t per_event_bytes = loaded_bytes / divisor;
    results.push_back({"memory per loaded event", "bytes", per_event_bytes, 64, false});
    // The split shows where a miss would come from: the fixed record, or the
    // 8 bytes per field (and the interned strings) behind it.
    results.push_back({"  of which the event record", "bytes", sizeof(trace::Event), std::nullopt, false});
    const std::uint64_t behind_record = per_event_bytes > sizeof(trace::Event) ? per_event_bytes - sizeof(trace::Event) : 0;
    results.push_back({"  of which fields and strings", "bytes", behind_record, std::nullopt, false});
    results.push_back({"JSONL load speed (warm cache)", "events/s", per_second(events, best_load_ns), 1'000'000, true});
    results.push_back({"JSONL write speed", "events/s", per_second(events, write_ns), std::nullopt, true});
    results.push_back({"file size per event", "bytes", file_bytes / divisor, std::nullopt, false});

    run_viewer_bench(options, log, results);
    return results;
}

void print_table(const std::vector<Measurement>& results, const Options& options, std::ostream& out) {
    out << "loopscope bench: lesson " << bench_lesson << ", clients.count=" << options.clients
        << " (viewer: " << options.viewer_clients << "), best of " << options.runs << "\n\n";
    char line[160];
    std::snprintf(line, sizeof line, "%-42s %14s  %-9s %-12s %s\n", "measure", "value", "unit", "goal", "");
    out << line;
    for (const Measurement& m : results) {
        std::string goal = m.goal ? (m.higher_is_better ? ">= " : "<= ") + std::to_string(*m.goal) : "-";
        std::snprintf(line, sizeof line, "%-42s %14llu  %-9s %-12s %s\n", m.name.c_str(),
                      static_cast<unsigned long long>(m.value), m.unit.c_str(), goal.c_str(),
                      m.goal ? (m.met() ? "met" : "MISSED") : "");
        out << line;
    }
}

void print_json(const std::vector<Measurement>& results, const Options& options, std::ostream& out) {
    nlohmann::ordered_json doc;
    doc["lesson"] = bench_lesson;
    doc["clients"] = options.clients;
    doc["viewer_clients"] = options.viewer_clients;
    doc["runs"] = options.runs;
    for (const Measurement& m : results) {
        nlohmann::ordered_json row{{"name", m.name}, {"unit", m.unit}, {"value", m.value}};
        if (m.goal) {
            row["goal"] = *m.goal;
            row["goal_is"] = m.higher_is_better ? "at least" : "at most";
            row["met"] = m.met();
        }
        doc["results"].push_back(row);
    }
    out << doc.dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse_options(argc, argv);
    if (!options) {
        std::cerr << "usage: loopscope_bench [--clients N] [--viewer-clients N] [--runs N] [--json]\n";
        return 2;
    }
    try {
        // Progress goes to stderr so that --json output stays one clean line.
        auto results = run_bench(*options, std::cerr);
        if (options->json)
            print_json(results, *options, std::cout);
        else
            print_table(results, *options, std::cout);
        // A missed goal is reported, not a failure: the bench measures, the
        // tests judge behaviour.
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "loopscope_bench: " << e.what() << "\n";
        return 1;
    }
}
