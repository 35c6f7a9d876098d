// One simulated world: the scheduler, the network, both hosts' TCP, the Node
// process on the server and the client programs, and the trace they write.
// No global state: two Simulations can run side by side.
#pragma once

#include <memory>

#include "sim/client_host.hpp"
#include "sim/network.hpp"
#include "sim/node_runtime.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/scheduler.hpp"
#include "sim/simulate.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

class Simulation final : private SocketObserver {
public:
    // `program` replaces the scenario's server program (tests use this).
    explicit Simulation(const Scenario& scenario, std::unique_ptr<ServerProgram> program = nullptr);

    // Runs to the scenario's stop time or until nothing is left to happen.
    void run(const RunOptions& options = {});
    trace::Trace take_trace();

    Tcp& tcp() { return tcp_; }
    Nanos now() const { return now_; }

private:
    void dispatch(const Action& action);
    void on_readable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) override;
    void on_writable(Nanos now, std::int32_t conn, Side side, std::uint32_t cause) override;
    void on_connected(Nanos now, std::int32_t conn, std::uint32_t cause) override;
    void on_acceptable(Nanos now, std::uint32_t listener, std::uint32_t cause) override;

    Scenario scenario_;
    Scheduler scheduler_;
    Rng rng_;
    Recorder recorder_;
    Network network_;
    Tcp tcp_;
    std::unique_ptr<ServerProgram> program_;
    NodeRuntime node_;
    ClientHost clients_;
    Nanos now_ = 0;
};

}  // namespace loopscope::sim
