#include "sim/simulation.hpp"

namespace loopscope::sim {

Simulation::Simulation(const Scenario& scenario, std::unique_ptr<ServerProgram> program)
    : scenario_(scenario),
      rng_(scenario.seed),
      recorder_(scenario_),
      network_(scenario.network),
      tcp_(scheduler_, recorder_, network_, rng_, *this),
      program_(program ? std::move(program) : make_server_program(scenario.server)),
      node_(scenario_, scheduler_, recorder_, tcp_, *program_),
      clients_(scenario_, scheduler_, recorder_, tcp_) {}

void Simulation::run(const RunOptions& options) {
    node_.start(0);
    clients_.start_all();
    Action action;
    std::uint64_t steps = 0;
    while (scheduler_.pop(action)) {
        if (action.at > scenario_.stop_ns) break;
        now_ = action.at;
        dispatch(action);
        if (options.progress && (++steps & 0xffff) == 0) options.progress(now_, scenario_.stop_ns);
    }
    if (options.progress) options.progress(now_, scenario_.stop_ns);
}

void Simulation::dispatch(const Action& a) {
    switch (a.type) {
        case ActionType::segment_arrive: tcp_.arrive(a.at, a.target); break;
        case ActionType::tcp_timer: tcp_.timer_fired(a.at, a.target, a.arg); break;
        case ActionType::loop_step: node_.loop_step(a.at); break;
        case ActionType::poll_timeout: node_.poll_timeout(a.at, a.arg); break;
        case ActionType::poll_wake: node_.poll_wake(a.at, a.arg); break;
        case ActionType::pool_job_done: node_.pool_job_done(a.at, a.target, a.arg); break;
        case ActionType::client_start: clients_.start(a.at, a.target); break;
        case ActionType::client_wake: clients_.wake(a.at, static_cast<std::int32_t>(a.target)); break;
        case ActionType::client_timer: clients_.client_timer(a.at, a.target, a.arg); break;
        case ActionType::client_tick: clients_.tick(a.at, static_cast<std::int32_t>(a.target), a.arg); break;
    }
}

void Simulation::on_readable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) {
    if (side == Side::server) node_.socket_changed(now, conn, cause);
    else clients_.on_socket_changed(now, conn, cause);
}

void Simulation::on_writable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) {
    on_readable(now, conn, side, cause);
}

void Simulation::on_connected(Nanos now, std::int32_t conn, std::uint32_t cause) {
    clients_.on_connected(now, conn, cause);
}

void Simulation::on_acceptable(Nanos now, std::uint32_t listener, std::uint32_t cause) {
    node_.listener_changed(now, listener, cause);
}

trace::Trace Simulation::take_trace() {
    trace::Trace trace = recorder_.take();
    trace::TraceHeader& h = trace.header;
    h.source = "sim";
    h.clock = "virtual";
    h.scenario_id = scenario_.id;
    h.scenario_title = scenario_.title;
    h.scenario_json = scenario_.source_json;
    h.hosts = {{"server", "server", std::string(os_name(scenario_.os))}, {"client", "client", "linux"}};
    h.listeners.clear();
    h.listeners.push_back({1, server_host, scenario_.server.port, scenario_.server.backlog});
    h.connections.clear();
    h.connections.reserve(tcp_.connection_count());
    for (std::size_t i = 0; i < tcp_.connection_count(); ++i) {
        const Connection& c = tcp_.connection(static_cast<std::int32_t>(i + 1));
        h.connections.push_back({c.id, client_host, server_host, c.client_port, c.server_port, 1});
    }
    return trace;
}

trace::Trace simulate(const Scenario& scenario, const RunOptions& options) {
    Simulation simulation(scenario);
    simulation.run(options);
    return simulation.take_trace();
}

}  // namespace loopscope::sim
