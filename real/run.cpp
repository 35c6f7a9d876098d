#include "real/run.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <sys/resource.h>

#include "real/capture.hpp"
#include "real/client_process.hpp"
#include "sim/recorder.hpp"
#include "real/scenario_real.hpp"
#include "real/trace_build.hpp"
#include "trace/explain.hpp"

namespace loopscope::real {

namespace {

// How long the server may take to finish its goodbyes once the clients are done.
constexpr Nanos server_grace_ns = 500'000'000;
// The first look at the server's connections after the clients are done;
// each next one waits twice as long, so a server with connections still
// open wakes about ten times in the grace period, not 250 (each wake-up is
// a loop iteration in the trace that the lesson did not ask for).
constexpr Nanos settle_first_check_ns = 1'000'000;

LoopOptions loop_options(const RealOptions& options, std::uint8_t host, bool record_loop) {
    LoopOptions loop;
    loop.backend = options.backend;
    loop.trace = options.trace;
    loop.host = host;
    loop.record_loop = record_loop;
    loop.trace_limits.records = options.trace_records;
    return loop;
}

// Every connection costs a descriptor on each end: with client and server
// in one process, a lesson of many connections may not fit the limit, and
// then the clients run in a child process with a limit of their own.
bool clients_need_own_process(const sim::Scenario& scenario) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    const std::uint64_t needed = 2 * static_cast<std::uint64_t>(scenario.clients.count) + 256;
    return limit.rlim_max != RLIM_INFINITY && needed > limit.rlim_max;
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

    // The slow part of a capture (15-20 ms) comes before time 0.
    std::optional<OpenedCapture> opened_capture;
    if (options.capture) {
        auto opened = open_capture();
        if (auto* reason = std::get_if<std::string>(&opened)) result.notes.add(*reason);
        else opened_capture.emplace(std::move(std::get<OpenedCapture>(opened)));
    }

    const Nanos started = monotonic_now();
    if (const std::error_code error = server->listen(options.listen_address, options.port))
        throw std::runtime_error("cannot listen on " + options.listen_address + ":" + std::to_string(options.port) +
                                 ": " + error.message() +
                                 (error == std::errc::address_in_use
                                      ? " (another program has this port; leave out --port for any free one)"
                                      : ""));
    result.port = server->port();

    std::unique_ptr<PacketCapture> capture;
    if (opened_capture) {
        auto started_capture = start_capture(std::move(*opened_capture), result.port);
        opened_capture.reset();
        if (auto* reason = std::get_if<std::string>(&started_capture)) result.notes.add(*reason);
        else capture = std::move(std::get<std::unique_ptr<PacketCapture>>(started_capture));
    } else if (!options.capture && options.trace) {
        result.notes.add("no packets recorded: the wire lane and the sequence diagram stay empty; --capture "
                         "records them (needs root or CAP_NET_RAW)");
    }

    // The lesson's stop_ns is simulated time; a real run ends when its
    // clients are done, and the limit only bounds a run that would not: at
    // least min_time_limit_ns, because a busy or slow machine takes longer
    // than the simulator's idealised one (ten-thousand's 10,000 connects in
    // 1 s of stop_ns took up to 1.3 s here).
    const Nanos limit = options.time_limit_ns > 0
                            ? options.time_limit_ns
                            : std::clamp(scenario.stop_ns, min_time_limit_ns, max_time_limit_ns);
    const Nanos deadline = started + limit;

    const bool child_clients = clients_need_own_process(scenario);
    std::unique_ptr<ClientProgram> clients;
    if (!child_clients) clients = make_client_program(client_loop, scenario, result.notes);
    std::unique_ptr<ClientProcess> child;
    if (child_clients) {
        ChildOptions child_options;
        child_options.loop = loop_options(options, sim::client_host, false);
        child_options.time_limit_ns = limit;
        auto started_child = ClientProcess::start(scenario, options.listen_address, result.port, child_options);
        if (auto* reason = std::get_if<std::string>(&started_child)) throw std::runtime_error(*reason);
        child = std::move(std::get<std::unique_ptr<ClientProcess>>(started_child));
        result.notes.add("the clients run in a child process: " + std::to_string(scenario.clients.count) +
                         " connections need a file descriptor on each end, more than one process may open here");
    }

    std::thread server_thread([&] { server_loop.run(deadline + server_grace_ns); });
    ChildResult child_result;
    if (child) {
        child_result = child->wait();
        if (!child_result.ok) result.notes.add("the client process failed: " + child_result.error);
        result.clients_done = child_result.clients_done;
        for (const std::string& line : child_result.notes.lines) result.notes.add(line);
    } else {
        std::thread client_thread([&] {
            clients->start(options.listen_address, result.port);
            // A timer at the deadline bounds every wait: clients that are
            // done but hold idle connections (keep-alive) have nothing else
            // to wake their loop, which then slept past the time limit.
            const TimerId guard = client_loop.start_timer(std::max<Nanos>(0, deadline - monotonic_now()), [] {});
            while ((!clients->done() || clients->open_connections() > 0) && monotonic_now() < deadline) {
                if (!client_loop.run_once()) break;
            }
            client_loop.stop_timer(guard);
            if (clients->done() && clients->open_connections() > 0)
                result.notes.add("the time limit (" + trace::format_nanos(limit) + ") ended the run while the clients "
                                 "still held " + std::to_string(clients->open_connections()) +
                                 " idle connections, before the server closed them; give it longer with --time-limit");
        });
        client_thread.join();
        result.clients_done = clients->done();
    }

    // Let the server finish what the clients' last bytes asked of it (an
    // echo, a FIN), then stop its loop from its own thread.
    // `settle` lives here, in run_real's frame, until the server thread
    // is joined: the timers it starts call it again.
    std::function<void()> settle;
    Nanos settle_until = 0;
    Nanos settle_wait = settle_first_check_ns;
    settle = [&] {
        const Nanos now = monotonic_now();
        const bool busy = server->open_connections() != 0 || server->has_own_work();
        if (!busy || now >= settle_until) {
            server_loop.stop();
            return;
        }
        server_loop.start_timer(std::min(settle_wait, settle_until - now), settle);
        settle_wait *= 2;
    };
    server_loop.post([&] {
        const Nanos now = monotonic_now();
        settle_until = server->has_own_work() ? std::max(now, std::min(deadline, started + scenario.stop_ns))
                                              : now + server_grace_ns;
        settle();
    }, false);
    server_thread.join();
    result.server_open_at_end = server->open_connections();
    result.clients = child ? child_result.totals : clients->totals();
    result.duration_ns = monotonic_now() - started;

    std::vector<CapturedSegment> segments;
    if (capture) {
        segments = capture->stop();
        if (capture->dropped() != 0)
            result.notes.add("the packet capture dropped " + std::to_string(capture->dropped()) + " packets");
    }
    server->close();
    if (clients) clients->close();

    if (!result.clients_done)
        result.notes.add("the time limit (" + trace::format_nanos(limit) +
                         ") ended the run before every client had finished; give it longer with --time-limit " +
                         std::to_string(2 * limit / 1'000'000'000 + 1) + "s");
    if (options.trace) {
        Tracer* client_tracer = child && child_result.tracer ? child_result.tracer.get() : &client_loop.tracer();
        Tracer* tracers[] = {&server_loop.tracer(), client_tracer};
        RealRunInfo info{result.backend, result.port, server->backlog(), started};
        result.trace = build_real_trace(scenario, info, tracers, segments, result.notes);
    }
    return result;
}

}  // namespace loopscope::real
