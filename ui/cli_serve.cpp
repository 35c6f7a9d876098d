// `loopscope serve`: one real server on the loop until Ctrl-C. Ctrl-C is
// taken by a thread waiting in sigwait(), which stops the loop the ordinary
// way (Loop::stop), so the trace is flushed by the normal path.
#include <csignal>
#include <pthread.h>
#include <thread>

#include "real/loop.hpp"
#include "real/poller.hpp"
#include "real/programs.hpp"
#include "real/trace_build.hpp"
#include "sim/scenario.hpp"
#include "trace/atomic_file.hpp"
#include "trace/jsonl.hpp"
#include "ui/cli.hpp"
#include "ui/cli_real.hpp"
#include "ui/cli_real_checks.hpp"

namespace loopscope::ui {

namespace {

sim::Scenario serve_scenario(const std::string& program) {
    sim::Scenario scenario;
    scenario.id = "serve-" + program;
    scenario.title = "loopscope serve " + program;
    if (program == "echo") scenario.server.program = "echo";
    else if (program == "stream") scenario.server.program = "stream";
    else scenario.server.program = "hello";
    scenario.server.tls = program == "https";
    return scenario;
}

std::string try_hint(const std::string& program, const std::string& address, int port) {
    const std::string where = address + ":" + std::to_string(port);
    if (program == "echo") return "try:  nc " + address + " " + std::to_string(port) + "   (type a line; Ctrl-D ends)";
    if (program == "https") return "try:  curl -k https://" + where + "/";
    if (program == "stream") return "try:  curl -o /dev/null http://" + where + "/bigfile.mp4";
    return "try:  curl http://" + where + "/ http://" + where + "/   (two requests, one connection)";
}

}  // namespace

int command_serve(const ServeArgs& args, std::ostream& out, std::ostream& err) {
    if (auto problem = check_server_options(args.backend, args.port, false, args.listen)) {
        err << "loopscope serve: " << *problem << "\n";
        return exit_bad_input;
    }
    // Found now, not after an hour of class when Ctrl-C asks for the trace.
    if (!args.trace.empty()) {
        if (auto problem = trace::cannot_write(args.trace)) {
            err << "loopscope serve: --trace: " << *problem << "\n";
            return exit_failure;
        }
    }
    const sim::Scenario scenario = serve_scenario(args.program);

    // Block Ctrl-C and SIGTERM here (threads made later inherit the mask)
    // so only the waiting thread below receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    std::signal(SIGPIPE, SIG_IGN);
    struct RestoreMask {
        sigset_t mask;
        ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{previous};

    real::LoopOptions options;
    options.backend = args.backend;
    options.trace = !args.trace.empty();
    real::Loop loop(options);
    real::RunNotes notes;
    std::unique_ptr<real::ServerProgram> server;
    try {
        server = real::make_server_program(loop, scenario, notes);
    } catch (const std::invalid_argument& e) {
        err << "loopscope serve: " << e.what() << "\n";
        return exit_bad_input;
    }
    const trace::Nanos started = real::monotonic_now();
    if (const std::error_code error = server->listen(args.listen, static_cast<std::uint16_t>(args.port))) {
        err << "loopscope serve: cannot listen on " << args.listen << ":" << args.port << ": " << error.message()
            << (error == std::errc::address_in_use ? " (another program has this port; pick one with --port)" : "")
            << "\n";
        return exit_failure;
    }
    out << "loopscope serve " << args.program << ": listening on " << args.listen << ":" << server->port() << " ("
        << loop.poller().name() << "); Ctrl-C stops it" << (args.trace.empty() ? "" : " and writes the trace") << "\n"
        << try_hint(args.program, args.listen, server->port()) << std::endl;

    std::thread watcher([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        loop.stop();
    });
    loop.run();
    // If the loop ended by itself, wake the watcher so it can be joined.
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
    server->close();
    out << "loopscope serve: stopped\n";

    if (!args.trace.empty()) {
        real::Tracer* tracers[] = {&loop.tracer()};
        real::RealRunInfo info{std::string(loop.poller().name()), server->port(), server->backlog(), started};
        try {
            const trace::Trace trace = real::build_real_trace(scenario, info, tracers, {}, notes);
            trace::write_trace_file(args.trace, trace);
            out << "trace written to " << args.trace << " (" << trace.size() << " events)\n";
        } catch (const std::exception& e) {
            err << "loopscope serve: " << e.what() << "\n";
            return exit_failure;
        }
    }
    for (const std::string& note : notes.lines) err << "note: " << note << "\n";
    return exit_ok;
}

}  // namespace loopscope::ui
