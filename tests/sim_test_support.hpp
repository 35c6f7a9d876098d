// Small helpers the simulator tests share: run a scenario, then ask the
// trace questions ("how many js.data events, and how big was the largest?").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace loopscope::test {

inline sim::Scenario basic_scenario() {
    sim::Scenario s;
    s.id = "test";
    s.title = "test";
    return s;
}

inline trace::Trace run(const sim::Scenario& scenario, std::unique_ptr<sim::ServerProgram> program = nullptr) {
    sim::Simulation simulation(scenario, std::move(program));
    simulation.run();
    return simulation.take_trace();
}

inline std::vector<std::size_t> find_all(const trace::Trace& t, trace::Kind kind,
                                         const std::function<bool(const trace::Event&)>& also = {}) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].kind == kind && (!also || also(t[i]))) out.push_back(i);
    return out;
}

inline std::size_t count(const trace::Trace& t, trace::Kind kind) { return find_all(t, kind).size(); }

inline std::int64_t field(const trace::Trace& t, std::size_t index, std::string_view name) {
    return t.arg(t[index], name);
}

inline std::int64_t sum_field(const trace::Trace& t, trace::Kind kind, std::string_view name) {
    std::int64_t total = 0;
    for (std::size_t i : find_all(t, kind)) total += field(t, i, name);
    return total;
}

inline std::int64_t max_field(const trace::Trace& t, trace::Kind kind, std::string_view name) {
    std::int64_t best = 0;
    for (std::size_t i : find_all(t, kind)) best = std::max(best, field(t, i, name));
    return best;
}

// The last TCP state each side of a connection reached.
inline trace::TcpState final_state(const trace::Trace& t, std::int32_t conn, std::uint8_t host) {
    trace::TcpState state = trace::TcpState::closed;
    for (std::size_t i : find_all(t, trace::Kind::kernel_tcp_state))
        if (t[i].conn == conn && t[i].host == host) state = static_cast<trace::TcpState>(field(t, i, "state"));
    return state;
}

}  // namespace loopscope::test
