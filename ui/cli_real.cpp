#include "ui/cli_real.hpp"

#include <csignal>
#include <cctype>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "real/poller.hpp"
#include "real/run.hpp"
#include "real/trace_build.hpp"
#include "trace/explain.hpp"
#include "trace/atomic_file.hpp"
#include "trace/jsonl.hpp"
#include "trace/summary.hpp"
#include "ui/cli_real_checks.hpp"
#include "ui/cli_target.hpp"
#include "ui/stepping.hpp"

namespace loopscope::ui {

void add_real_commands(CLI::App& app, RealArgs& real_args, ServeArgs& serve_args) {
    CLI::App* real = app.add_subcommand(
        "real", "Run a lesson on real sockets on 127.0.0.1 with this machine's event notifier; write the same trace as run.");
    real->add_option("target", real_args.target, "A built-in lesson id or a scenario .json file")->required();
    real->add_option("-o,--output", real_args.output, "Write the trace to this file (JSON Lines)")->check(file_name_given);
    real->add_flag("--summary", real_args.summary, "Print a summary of the trace as one JSON object (the keys of run --summary)");
    real->add_option("--backend", real_args.backend, "The notifier: native (" + backends_text() + ")");
    real->add_flag("--capture", real_args.capture, "Also capture the real packets on loopback (needs root or CAP_NET_RAW)");
    real->add_flag("--no-trace", real_args.no_trace, "Record nothing (to measure what the recorder costs)");
    real->add_option("--set", real_args.overrides, "Override a scenario field: key=value, e.g. clients.count=100")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    real->add_option("--listen", real_args.listen, "The server's address (default 127.0.0.1: this machine only)");
    real->add_option("--port", real_args.port, "The server's port (default 0: any free port)");
    real->add_option("--time-limit", real_args.time_limit,
                     "Stop after this long even if the clients are not done (default: the lesson's stop_ns, at least 10s, at most 30s); the server then has up to 0.5s to finish");

    CLI::App* serve = app.add_subcommand("serve", "Run one real server until Ctrl-C, to try with curl, a browser, nc or Node.");
    serve->add_option("program", serve_args.program, "echo, http, stream or https")
        ->required()
        ->check(CLI::IsMember({"echo", "http", "stream", "https"}));
    serve->add_option("--port", serve_args.port, "The port (default 3000)");
    serve->add_option("--trace", serve_args.trace, "Record a trace and write it here on Ctrl-C (JSON Lines)")
        ->check(file_name_given);
    serve->add_option("--listen", serve_args.listen, "The address (default 127.0.0.1: this machine only)");
    serve->add_option("--backend", serve_args.backend, "The notifier: native (" + backends_text() + ")");
}

int command_real(const RealArgs& args, std::ostream& out, std::ostream& err) {
    if (auto problem = check_server_options(args.backend, args.port, true, args.listen)) {
        err << "loopscope real: " << *problem << "\n";
        return exit_bad_input;
    }
    if (!args.output.empty()) {
        if (auto problem = trace::cannot_write(args.output)) {
            err << "loopscope real: " << *problem << "\n";
            return exit_failure;
        }
    }
    real::RealOptions options;
    if (!args.time_limit.empty()) {
        const auto ns = parse_time_spec(args.time_limit);
        // A bare number would be nanoseconds: "5" is 5 ns, which nobody means.
        const bool has_unit = !std::isdigit(static_cast<unsigned char>(args.time_limit.back()));
        if (!ns || *ns <= 0 || !has_unit) {
            err << "loopscope real: --time-limit " << args.time_limit << ": expected a duration such as 5s or 800ms\n";
            return exit_bad_input;
        }
        options.time_limit_ns = *ns;
    }
    auto resolved = resolve_target(args.target);
    if (auto* failure = std::get_if<Failure>(&resolved)) {
        err << "loopscope real: " << failure->message << "\n";
        return failure->code;
    }
    const Target& target = std::get<Target>(resolved);
    if (target.type == Target::Type::trace) {
        err << "loopscope real: " << target.path << " is a trace; real takes a lesson or a scenario\n";
        return exit_bad_input;
    }
    auto loaded = load_target_scenario(target, args.overrides);
    if (auto* failure = std::get_if<Failure>(&loaded)) {
        err << failure->message << "\n";
        return failure->code;
    }
    const sim::Scenario& scenario = std::get<sim::Scenario>(loaded);
    if (scenario.server.model != "event-loop") {
        err << "loopscope real: " << scenario.id << " uses server.model \"" << scenario.server.model
            << "\", which only the simulator runs; real mode runs the event-loop server (try loopscope run "
            << args.target << ")\n";
        return exit_bad_input;
    }
    options.backend = args.backend;
    options.trace = !args.no_trace;
    options.capture = args.capture;
    options.listen_address = args.listen;
    options.port = static_cast<std::uint16_t>(args.port);
    if (args.no_trace && (args.summary || !args.output.empty())) {
        err << "loopscope real: --no-trace records nothing, so there is no trace for -o or --summary\n";
        return exit_bad_input;
    }

    err << "loopscope real: running " << scenario.id << " on " << options.listen_address << " with real sockets...\n";
    real::RealResult result;
    try {
        result = real::run_real(scenario, options);
    } catch (const std::invalid_argument& e) {
        err << "loopscope real: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const std::exception& e) {
        err << "loopscope real: " << e.what() << "\n";
        return exit_failure;
    }
    for (const std::string& note : result.notes.lines) err << "note: " << note << "\n";
    if (!args.output.empty()) {
        try {
            trace::write_trace_file(args.output, result.trace);
        } catch (const std::exception& e) {
            err << "loopscope real: " << e.what() << "\n";
            return exit_failure;
        }
    }
    // A run the time limit cut short exits 1 however it reports, so a
    // script learns of it; the trace and the summary are still written.
    const int code = result.clients_done ? exit_ok : exit_failure;
    if (args.summary) {
        out << trace::to_json(trace::summarize(result.trace)) << "\n";
        return code;
    }
    out << scenario.id << ": real run on " << result.backend << ", port " << result.port << ", "
        << trace::format_nanos(result.duration_ns) << "; " << result.clients.connections
        << (result.clients.connections == 1 ? " connection, " : " connections, ") << result.clients.responses
        << (result.clients.responses == 1 ? " reply" : " replies");
    if (options.trace) out << ", " << result.trace.size() << " events";
    out << "; ";
    if (!options.trace) out << "nothing recorded (--no-trace)\n";
    else if (args.output.empty()) out << "use -o FILE to save the trace\n";
    else out << "trace written to " << args.output << "; loopscope step " << args.output << " to walk through it\n";
    return code;
}

}  // namespace loopscope::ui
