#include "real/run.hpp"

#include <csignal>
#include <thread>

#include "real/capture.hpp"
#include "sim/recorder.hpp"
#include "real/scenario_real.hpp"
#include "real/trace_build.hpp"

namespace loopscope::real {

namespace {

// How long the server may take to finish its goodbyes once the clients are done.
constexpr Nanos server_grace_ns = 500'000'000;
constexpr Nanos settle_check_ns = 2'000'000;

LoopOptions loop_options(const RealOptions& options, std::uint8_t host, bool record_loop) {
    LoopOptions loop;
    loop.backend = options.backend;
    loop.trace = options.trace;
    loop.host = host;
    loop.record_loop = record_loop;
    loop.trace_limits.records = options.trace_records;
    return loop;
}

}  // namespace

RealResult run_real(const sim::Scenario& scenario, const RealOptions& options) {
    // Writing to a socket the peer has reset must be an EPIPE, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    RealResult result;
    note_ignored_fields(scenario, result.notes);

    Loop server_loop(loop_options(options, sim::server_host, true));
    Loop client_loop(loop_options(options, sim::client_host, false));
    result.backend = std::string(server_loop.poller().name());
    std::unique_ptr<ServerProgram> server = make_server_program(server_loop, scenario, result.notes);
    std::unique_ptr<ClientProgram> clients = make_client_program(client_loop, scenario, result.notes);

    const Nanos started = monotonic_now();
    if (const std::error_code error = server->listen(options.listen_address, options.port))
        throw std::system_error(error, "cannot listen on " + options.listen_address + ":" + std::to_string(options.port));
    result.port = server->port();

    std::unique_ptr<PacketCapture> capture;
    if (options.capture) {
        auto opened = start_capture(result.port);
        if (auto* reason = std::get_if<std::string>(&opened)) result.notes.add(*reason);
        else capture = std::move(std::get<std::unique_ptr<PacketCapture>>(opened));
    }

    const Nanos limit = options.time_limit_ns > 0 ? options.time_limit_ns
                                                  : std::min(scenario.stop_ns, max_time_limit_ns);
    const Nanos deadline = started + limit;

    std::thread server_thread([&] { server_loop.run(deadline + server_grace_ns); });
    std::thread client_thread([&] {
        clients->start(options.listen_address, result.port);
        while (!clients->done() && monotonic_now() < deadline) {
            if (!client_loop.run_once()) break;
        }
    });
    client_thread.join();
    result.clients_done = clients->done();

    // Let the server finish what the clients' last bytes asked of it (an
    // echo, a FIN), then stop its loop from its own thread.
    server_loop.post([&] {
        const Nanos until = monotonic_now() + server_grace_ns;
        std::function<void()> check;
        check = [&, until] {
            if (server->open_connections() == 0 || monotonic_now() >= until) server_loop.stop();
            else server_loop.start_timer(settle_check_ns, check);
        };
        check();
    }, false);
    server_thread.join();
    result.server_open_at_end = server->open_connections();
    result.clients = clients->totals();
    result.duration_ns = monotonic_now() - started;

    std::vector<CapturedSegment> segments;
    if (capture) {
        segments = capture->stop();
        if (capture->dropped() != 0)
            result.notes.add("the packet capture dropped " + std::to_string(capture->dropped()) + " packets");
    }
    server->close();
    clients->close();

    if (!result.clients_done)
        result.notes.add("the time limit (" + std::to_string(limit / 1'000'000) +
                         " ms) ended the run before every client had finished");
    if (options.trace) {
        const Tracer* tracers[] = {&server_loop.tracer(), &client_loop.tracer()};
        RealRunInfo info{result.backend, result.port, server->backlog(), started};
        result.trace = build_real_trace(scenario, info, tracers, segments, result.notes);
    }
    return result;
}

}  // namespace loopscope::real
