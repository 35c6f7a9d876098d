// The loopscope command line: list, run, step, check (docs/cli.md).
//
// Every command reports problems as "file:line:col: message" on the error
// stream and returns an exit code (0 ok, 1 runtime failure, 2 bad usage or
// bad input); nothing below run_cli() is allowed to end the process.
#include "ui/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "sim/lessons.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulate.hpp"
#include "trace/atomic_file.hpp"
#include "trace/explain.hpp"
#include "trace/export_chrome.hpp"
#include "trace/export_pcap.hpp"
#include "trace/jsonl.hpp"
#include "trace/summary.hpp"
#include "ui/cli_real.hpp"
#include "ui/cli_target.hpp"
#include "ui/progress.hpp"
#include "ui/stepper.hpp"
#include "ui/terminal.hpp"
#include "ui/stepping.hpp"
#include "ui/viewer.hpp"

namespace loopscope::ui {

namespace {

// Simulates with a progress line on the error stream once the run has
// taken more than a second of wall time.
trace::Trace simulate_with_progress(const sim::Scenario& scenario, std::ostream& err) {
    ProgressLine progress(err, "simulating " + scenario.id);
    sim::RunOptions options;
    options.progress = [&](trace::Nanos now, trace::Nanos stop) { progress.update(now, stop); };
    trace::Trace trace = sim::simulate(scenario, options);
    progress.finish();
    return trace;
}

// The lesson text a trace carries in its header's scenario, if any.
std::string lesson_text_of(const trace::Trace& trace) {
    const auto scenario = nlohmann::json::parse(trace.header.scenario_json, nullptr, false);
    if (scenario.is_object() && scenario.contains("lesson") && scenario["lesson"].is_string())
        return scenario["lesson"].get<std::string>();
    return {};
}

// ---- The commands. ----

int command_list(std::ostream& out) {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        auto loaded = sim::load_lesson(lesson);
        const auto* scenario = std::get_if<sim::Scenario>(&loaded);
        out << lesson.id << "\t" << (scenario ? scenario->title : std::string("(does not load)")) << "\n";
    }
    return exit_ok;
}

struct RunArgs {
    std::string target;
    std::string output;
    bool summary = false;
    std::vector<std::string> overrides;
};

// A run that hits stop_ns with client programs still working is not an
// error, but a teacher should know the trace is cut short.
void warn_if_unfinished(const sim::Scenario& s, const trace::Trace& trace, std::ostream& err) {
    std::size_t started = 0, finished = 0;
    for (const trace::Event& e : trace.events()) {
        started += e.kind == trace::Kind::client_connect ? 1 : 0;
        finished += e.kind == trace::Kind::client_done ? 1 : 0;
    }
    if (finished >= started) return;
    err << "note: " << (started - finished) << " of " << started
        << " clients had not finished when the run stopped at stop_ns (" << trace::format_nanos(s.stop_ns)
        << "); give it longer with --set stop_ns=...\n";
}

int command_run(const RunArgs& args, std::ostream& out, std::ostream& err) {
    if (!args.output.empty()) {
        if (auto problem = trace::cannot_write(args.output)) {
            err << "loopscope run: " << *problem << "\n";
            return exit_failure;
        }
    }
    auto resolved = resolve_target(args.target);
    if (auto* failure = std::get_if<Failure>(&resolved)) {
        err << "loopscope run: " << failure->message << "\n";
        return failure->code;
    }
    const Target& target = std::get<Target>(resolved);
    if (target.type == Target::Type::trace) {
        err << "loopscope run: " << target.path
            << " is a trace; run takes a lesson or a scenario (use loopscope step or check on traces)\n";
        return exit_bad_input;
    }
    auto scenario = load_target_scenario(target, args.overrides);
    if (auto* failure = std::get_if<Failure>(&scenario)) {
        err << failure->message << "\n";
        return failure->code;
    }
    const sim::Scenario& s = std::get<sim::Scenario>(scenario);
    const trace::Trace trace = simulate_with_progress(s, err);
    warn_if_unfinished(s, trace, err);
    if (!args.output.empty()) {
        try {
            trace::write_trace_file(args.output, trace);
        } catch (const std::exception& e) {
            err << "loopscope run: " << e.what() << "\n";
            return exit_failure;
        }
    }
    if (args.summary) {
        out << trace::to_json(trace::summarize(trace)) << "\n";
        return exit_ok;
    }
    const trace::Nanos span = trace.empty() ? 0 : trace[trace.size() - 1].time - trace[0].time;
    out << s.id << ": " << trace.size() << " events over " << trace::format_nanos(span) << " of simulated time; ";
    if (args.output.empty()) out << "use -o FILE to save the trace, ";
    else out << "trace written to " << args.output << "; ";
    out << "loopscope step " << (args.output.empty() ? args.target : args.output) << " to walk through it\n";
    return exit_ok;
}

struct StepArgs {
    std::string target;
    bool all = false;
    std::vector<std::string> overrides;
};

int command_step(const StepArgs& args, bool interactive, std::ostream& out, std::ostream& err) {
    auto resolved = resolve_target(args.target);
    if (auto* failure = std::get_if<Failure>(&resolved)) {
        err << "loopscope step: " << failure->message << "\n";
        return failure->code;
    }
    const Target& target = std::get<Target>(resolved);
    StepperOptions options;
    options.all = args.all;
    trace::Trace trace;
    if (target.type == Target::Type::trace) {
        if (!args.overrides.empty()) {
            err << "loopscope step: --set changes a scenario, but " << target.path << " is a recorded trace\n";
            return exit_bad_input;
        }
        auto loaded = trace::read_trace_file(target.path);
        if (auto* error = std::get_if<trace::LoadError>(&loaded)) {
            err << error->text() << "\n";
            return exit_bad_input;
        }
        trace = std::get<trace::Trace>(std::move(loaded));
        if (trace.truncated) err << "warning: " << target.path << ": " << trace.truncation_note << "\n";
        options.title = trace.header.scenario_title;
        options.lesson = lesson_text_of(trace);
    } else {
        auto scenario = load_target_scenario(target, args.overrides);
        if (auto* failure = std::get_if<Failure>(&scenario)) {
            err << failure->message << "\n";
            return failure->code;
        }
        const sim::Scenario& s = std::get<sim::Scenario>(scenario);
        options.title = s.title;
        options.lesson = s.lesson;
        trace = simulate_with_progress(s, err);
        warn_if_unfinished(s, trace, err);
    }
    return run_stepper(trace, options, interactive, out);
}

std::string plural(std::size_t n, const std::string& word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int command_check(const std::string& path, std::ostream& out, std::ostream& err) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        // A built-in lesson can be checked by id too.
        if (const sim::Lesson* lesson = sim::find_lesson(path)) {
            auto loaded = sim::load_lesson(*lesson);
            if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) {
                err << error->text() << "\n";
                return exit_bad_input;
            }
            const auto& s = std::get<sim::Scenario>(loaded);
            out << lesson->file_name << ": scenario " << s.id << " OK (" << plural(s.clients.count, "client") << ", "
                << sim::os_name(s.os) << ")\n";
            return exit_ok;
        }
        err << path << ": cannot open the file (no such file or built-in lesson)\n";
        return exit_bad_input;
    }
    if (trace::looks_like_trace_file(path)) {
        auto loaded = trace::read_trace_file(path);
        if (auto* error = std::get_if<trace::LoadError>(&loaded)) {
            err << error->text() << "\n";
            return exit_bad_input;
        }
        const trace::Trace& trace = std::get<trace::Trace>(loaded);
        const trace::Nanos span = trace.empty() ? 0 : trace[trace.size() - 1].time - trace[0].time;
        out << path << ": trace OK, " << plural(trace.size(), "event") << ", "
            << plural(trace::summarize(trace).connections, "connection") << ", " << trace::format_nanos(span);
        if (trace.truncated) out << " (warning: truncated: " << trace.truncation_note << ")";
        out << "\n";
        if (trace.truncated) err << "warning: " << path << ": " << trace.truncation_note << "\n";
        return exit_ok;
    }
    auto loaded = sim::load_scenario_file(path);
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) {
        err << error->text() << "\n";
        return exit_bad_input;
    }
    const auto& s = std::get<sim::Scenario>(loaded);
    out << path << ": scenario " << s.id << " OK (" << plural(s.clients.count, "client") << ", "
        << sim::os_name(s.os) << ")\n";
    return exit_ok;
}

struct ExportArgs {
    std::string target;
    std::string format;
    std::string output;
    std::vector<std::string> overrides;
};

// Loads what a command names as a trace: reads a trace file, or simulates a
// lesson or scenario. Shared by step and export.
std::variant<trace::Trace, Failure> trace_of_target(const std::string& command, const std::string& name,
                                                    const std::vector<std::string>& overrides, std::ostream& err) {
    auto resolved = resolve_target(name);
    if (auto* failure = std::get_if<Failure>(&resolved))
        return Failure{failure->code, "loopscope " + command + ": " + failure->message};
    const Target& target = std::get<Target>(resolved);
    if (target.type == Target::Type::trace) {
        if (!overrides.empty())
            return Failure{exit_bad_input, "loopscope " + command + ": --set changes a scenario, but " + target.path +
                                               " is a recorded trace"};
        auto loaded = trace::read_trace_file(target.path);
        if (auto* error = std::get_if<trace::LoadError>(&loaded)) return Failure{exit_bad_input, error->text()};
        trace::Trace trace = std::get<trace::Trace>(std::move(loaded));
        if (trace.truncated) err << "warning: " << trace.truncation_note << "\n";
        return trace;
    }
    auto scenario = load_target_scenario(target, overrides);
    if (auto* failure = std::get_if<Failure>(&scenario)) return *failure;
    const sim::Scenario& s = std::get<sim::Scenario>(scenario);
    trace::Trace trace = simulate_with_progress(s, err);
    warn_if_unfinished(s, trace, err);
    return trace;
}

// Writes a lesson, scenario or trace as a Chrome/Perfetto trace, a pcap of
// its packets, or the stepper's text (for handouts).
int command_export(const ExportArgs& args, std::ostream& out, std::ostream& err) {
    if (auto problem = trace::cannot_write(args.output)) {
        err << "loopscope export: " << *problem << "\n";
        return exit_failure;
    }
    auto loaded = trace_of_target("export", args.target, args.overrides, err);
    if (auto* failure = std::get_if<Failure>(&loaded)) {
        err << failure->message << "\n";
        return failure->code;
    }
    const trace::Trace& trace = std::get<trace::Trace>(loaded);
    try {
        if (args.format == "pcap") {
            trace::write_pcap_file(args.output, trace);
        } else if (args.format == "chrome") {
            trace::write_file_atomically(args.output, [&](std::ostream& file) { trace::write_chrome_trace(file, trace); });
        } else {
            StepperOptions options;
            options.all = true;
            options.title = trace.header.scenario_title;
            options.lesson = lesson_text_of(trace);
            trace::write_file_atomically(args.output, [&](std::ostream& file) { run_stepper(trace, options, false, file); });
        }
    } catch (const std::exception& e) {
        err << "loopscope export: " << e.what() << "\n";
        return exit_failure;
    }
    out << "wrote " << args.output << " (" << args.format << ", " << trace::format_count(trace.size()) << " events)\n";
    return exit_ok;
}

struct ViewArgs {
    ViewerOptions viewer;
    std::string size;                 // "WxH"
    std::optional<std::string> at_time;
};

// "1280x720" -> width and height, within what a screen can show.
std::optional<std::pair<int, int>> parse_size(const std::string& text) {
    int width = 0, height = 0;
    char x = 0, extra = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &width, &x, &height, &extra) != 3 || (x != 'x' && x != 'X')) return std::nullopt;
    if (width < 320 || height < 240 || width > 8192 || height > 8192) return std::nullopt;
    return std::pair{width, height};
}

// Opens the viewer; where there is no display, says so and falls back to
// the terminal stepper (a screenshot cannot fall back: it fails).
int command_view(ViewArgs& args, bool interactive, std::ostream& out, std::ostream& err) {
    if (!args.size.empty()) {
        auto size = parse_size(args.size);
        if (!size) {
            err << "loopscope view: --size " << args.size << ": expected WIDTHxHEIGHT, e.g. 1280x720 (320x240 to 8192x8192)\n";
            return exit_bad_input;
        }
        std::tie(args.viewer.width, args.viewer.height) = *size;
        args.viewer.size_given = true;
    }
    if (args.at_time) {
        const auto ns = parse_time_spec(*args.at_time);
        if (!ns) {
            err << "loopscope view: --at-time " << *args.at_time << ": expected a time in nanoseconds, or with a unit: 1500us, 2ms, 1s\n";
            return exit_bad_input;
        }
        args.viewer.at_time = *ns;
    }
    if (args.viewer.compare_target.empty() && !args.viewer.compare_overrides.empty()) {
        err << "loopscope view: --compare-set needs --compare (e.g. --compare tcp-echo --compare-set os=windows)\n";
        return exit_bad_input;
    }
    if (args.viewer.presenter_scale > 0.0f) args.viewer.presenter = true;
    if (!args.viewer.at.empty() && args.viewer.at_time) {
        err << "loopscope view: give --at or --at-time, not both\n";
        return exit_bad_input;
    }
    if (const std::string reason = no_display_reason(); !reason.empty()) {
        if (!args.viewer.screenshot.empty()) {
            err << "loopscope view: cannot take a screenshot: " << reason << "; run it under xvfb-run\n";
            return exit_failure;
        }
        err << "loopscope: " << reason << ", so the window cannot open; showing the terminal stepper instead\n";
        StepArgs step;
        step.target = args.viewer.target.empty() ? std::string(sim::default_lesson_id) : args.viewer.target;
        step.overrides = args.viewer.overrides;
        return command_step(step, interactive, out, err);
    }
    const int code = run_viewer(args.viewer, err);
    if (code != viewer_no_window) return code;
    // A display was named but could not be opened (a stale DISPLAY over
    // ssh, no X server running): the stepper still works.
    if (!args.viewer.screenshot.empty()) return exit_failure;
    err << "loopscope: the window cannot open on this display; showing the terminal stepper instead\n";
    StepArgs step;
    step.target = args.viewer.target.empty() ? std::string(sim::default_lesson_id) : args.viewer.target;
    step.overrides = args.viewer.overrides;
    return command_step(step, interactive, out, err);
}

int run_commands(const std::vector<std::string>& args, bool interactive, std::ostream& out, std::ostream& err) {
    CLI::App app{"loopscope: watch Node.js serve network connections, step by step.", "loopscope"};
    app.require_subcommand(0, 1);
    app.set_version_flag("--version", "loopscope 0.1.0");

    app.add_subcommand("list", "List the built-in lessons: <id><TAB><title>, in chapter order.");

    RunArgs run_args;
    CLI::App* run = app.add_subcommand("run", "Simulate a lesson or scenario file; optionally save the trace.");
    run->add_option("target", run_args.target, "A built-in lesson id or a scenario .json file")->required();
    run->add_option("-o,--output", run_args.output, "Write the trace to this file (JSON Lines)")->check(file_name_given);
    run->add_flag("--summary", run_args.summary, "Print a summary of the trace as one JSON object");
    run->add_option("--set", run_args.overrides, "Override a scenario field: key=value, e.g. clients.count=100")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    StepArgs step_args;
    CLI::App* step = app.add_subcommand("step", "Walk through a lesson, scenario or trace one event at a time.");
    step->add_option("target", step_args.target, "A built-in lesson id, a scenario .json or a trace .jsonl")
        ->required();
    step->add_flag("--all", step_args.all, "Print every step without waiting for keys");
    step->add_option("--set", step_args.overrides, "Override a scenario field: key=value")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    ExportArgs export_args;
    CLI::App* exporter = app.add_subcommand("export", "Write a lesson, scenario or trace as Chrome/Perfetto JSON, pcap or text.");
    exporter->add_option("target", export_args.target, "A built-in lesson id, a scenario .json or a trace .jsonl")->required();
    exporter->add_option("--format", export_args.format, "chrome (Perfetto, chrome://tracing), pcap (Wireshark) or text")
        ->required()
        ->check(CLI::IsMember({"chrome", "pcap", "text"}));
    exporter->add_option("-o,--output", export_args.output, "The file to write")->required()->check(file_name_given);
    exporter->add_option("--set", export_args.overrides, "Override a scenario field: key=value")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    ViewArgs view_args;
    CLI::App* view = app.add_subcommand("view", "Open the viewer window on a lesson, scenario or trace (the default command).");
    view->add_option("target", view_args.viewer.target, "A built-in lesson id, a scenario .json or a trace .jsonl (default: " +
                                                            std::string(sim::default_lesson_id) + ")");
    view->add_option("--compare", view_args.viewer.compare_target, "Also open this lesson, scenario or trace below, on the same time axis");
    view->add_option("--set", view_args.viewer.overrides, "Override a scenario field: key=value")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    view->add_option("--compare-set", view_args.viewer.compare_overrides, "Override a field of the compared scenario: key=value")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    view->add_option("--screenshot", view_args.viewer.screenshot, "Write a PNG of the window to this file and exit");
    view->add_option("--at", view_args.viewer.at, "The step to show: a number from 1, or first, middle, last");
    view->add_option("--at-time", view_args.at_time, "Show the step at this time (ns, or with a unit: 250us, 2ms)");
    view->add_option("--size", view_args.size, "Window size, WIDTHxHEIGHT (default: the remembered size, or 1280x720)");
    view->add_option("--tab", view_args.viewer.tab, "The panel shown below the timeline")
        ->check(CLI::IsMember({"inspector", "sequence", "events", "parameters"}));
    view->add_flag("--keys", view_args.viewer.show_help, "Start with the keys and help overlay open");
    view->add_flag("--presenter", view_args.viewer.presenter, "Start in presenter mode: big type, high contrast");
    view->add_option("--scale", view_args.viewer.presenter_scale, "Presenter mode's scale, 1.0 to 3.0 (implies --presenter)")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                // CLI11's Range lets "nan" through: every comparison with it is false.
                char* end = nullptr;
                const double value = std::strtod(text.c_str(), &end);
                if (end == text.c_str() || *end != '\0' || !(value >= 1.0 && value <= 3.0))
                    return "expected a number from 1.0 to 3.0";
                return {};
            },
            "1.0 to 3.0"));

    RealArgs real_args;
    ServeArgs serve_args;
    add_real_commands(app, real_args, serve_args);

    std::string check_path;
    CLI::App* check = app.add_subcommand("check", "Validate a scenario (.json) or a trace (.jsonl).");
    check->add_option("file", check_path, "The file to check")->required();

    try {
        // CLI11 takes a vector of arguments in reverse order.
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e, out, err);
        return code == 0 ? exit_ok : exit_bad_input;
    }

    if (app.got_subcommand("list")) return command_list(out);
    if (app.got_subcommand("run")) return command_run(run_args, out, err);
    if (app.got_subcommand("step")) return command_step(step_args, interactive, out, err);
    if (app.got_subcommand("check")) return command_check(check_path, out, err);
    if (app.got_subcommand("export")) return command_export(export_args, out, err);
    if (app.got_subcommand("real")) return command_real(real_args, out, err);
    if (app.got_subcommand("serve")) return command_serve(serve_args, out, err);
    // No command: the viewer on the default lesson.
    return command_view(view_args, interactive, out, err);
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    // Only the real standard input can be a terminal worth waiting on.
    const bool interactive = &in == &std::cin && is_interactive_terminal();
    try {
        const int code = run_commands(args, interactive, out, err);
        // A full disk or a closed pipe on standard output is a failure too,
        // not a silent success.
        out.flush();
        if (!out && code == exit_ok) {
            err << "loopscope: cannot write to standard output\n";
            return exit_failure;
        }
        return code;
    } catch (const std::exception& e) {
        err << "loopscope: " << e.what() << "\n";
        return exit_failure;
    } catch (...) {
        err << "loopscope: unexpected error\n";
        return exit_failure;
    }
}

int run_cli(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return run_cli(args, std::cin, std::cout, std::cerr);
}

}  // namespace loopscope::ui
