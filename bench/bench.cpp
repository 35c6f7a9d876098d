// loopscope_bench: the numbers of docs/performance.md.
//
//   1. Simulator throughput: the tcp-echo lesson with many clients, simulated
//      with the trace recorded, in trace events per second of wall time.
//   2. The loaded trace: that trace written as JSONL and read back; memory
//      per event in the loaded Trace, load speed (warm file cache) and file
//      size per event.
//
// Each timing is the best of a few runs, because the machine is shared and a
// run can only be slowed down by noise, never sped up. Usage:
//   loopscope_bench [--clients N] [--runs N] [--json]
#include <chrono>
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

namespace {

using namespace loopscope;
using Clock = std::chrono::steady_clock;

constexpr std::string_view bench_lesson = "tcp-echo";

struct Options {
    std::uint32_t clients = 10000;
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
    return results;
}

void print_table(const std::vector<Measurement>& results, const Options& options, std::ostream& out) {
    out << "loopscope bench: lesson " << bench_lesson << ", clients.count=" << options.clients << ", best of "
        << options.runs << "\n\n";
    char line[160];
    std::snprintf(line, sizeof line, "%-32s %14s  %-9s %-12s %s\n", "measure", "value", "unit", "goal", "");
    out << line;
    for (const Measurement& m : results) {
        std::string goal = m.goal ? (m.higher_is_better ? ">= " : "<= ") + std::to_string(*m.goal) : "-";
        std::snprintf(line, sizeof line, "%-32s %14llu  %-9s %-12s %s\n", m.name.c_str(),
                      static_cast<unsigned long long>(m.value), m.unit.c_str(), goal.c_str(),
                      m.goal ? (m.met() ? "met" : "MISSED") : "");
        out << line;
    }
}

void print_json(const std::vector<Measurement>& results, const Options& options, std::ostream& out) {
    nlohmann::ordered_json doc;
    doc["lesson"] = bench_lesson;
    doc["clients"] = options.clients;
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
        std::cerr << "usage: loopscope_bench [--clients N] [--runs N] [--json]\n";
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
