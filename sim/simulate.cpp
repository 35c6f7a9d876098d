// PLACEHOLDER until the simulator lands (same session): emits a tiny fixed
// trace so the CLI can link. Replaced by sim/simulation.cpp.
#include "sim/simulate.hpp"

namespace loopscope::sim {

trace::Trace simulate(const Scenario& scenario, const RunOptions&) {
    trace::Trace t;
    t.header.scenario_id = scenario.id;
    t.header.scenario_title = scenario.title;
    t.header.scenario_json = scenario.source_json;
    t.header.hosts = {{"server", "server", std::string(os_name(scenario.os))}, {"client", "client", "linux"}};
    t.header.listeners = {{1, 0, scenario.server.port, scenario.server.backlog}};
    t.header.connections = {{1, 1, 0, 50000, scenario.server.port, 1}};
    using trace::Kind;
    const auto caption = t.intern("placeholder");
    t.append(0, Kind::note_caption, 0, trace::no_conn, trace::no_event, {caption, 1});
    const auto syn = t.append(1000, Kind::wire_segment, 1, 1, trace::no_event, {trace::tcp_syn, 0, 0, 0, 65535, 50000, 0, 0});
    t.append(51000, Kind::kernel_syn_queue, 0, 1, syn, {1, 1, 512});
    return t;
}

std::string_view os_name(Os os) {
    switch (os) {
        case Os::linux: return "linux";
        case Os::macos: return "macos";
        case Os::windows: return "windows";
    }
    return "linux";
}

}  // namespace loopscope::sim
