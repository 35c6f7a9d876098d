// The client host: the socket work every client program shares (connect,
// write and read with their client.* events, shutdown, close, timers, and
// waking a program when the kernel reports a change on its socket).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/client_program.hpp"
#include "sim/recorder.hpp"
#include "sim/scenario.hpp"
#include "sim/scheduler.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

class ClientHost final : public ClientApi {
public:
    ClientHost(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp);

    // Schedules every client's start.
    void start_all();

    // Scheduler entry points.
    void start(Nanos now, std::uint32_t client);
    void wake(Nanos now, std::int32_t conn);
    void tick(Nanos now, std::int32_t conn, std::uint64_t tag);
    void client_timer(Nanos now, std::uint32_t client, std::uint64_t tag) { program_->on_client_timer(*this, now, client, tag); }

    // The kernel reports a change on a client socket.
    void on_connected(Nanos now, std::int32_t conn, std::uint32_t cause);
    void on_socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause);

    // ClientApi
    const Scenario& scenario() const override { return scenario_; }
    std::int32_t connect(Nanos now, std::uint32_t client) override;
    std::uint64_t send_room(std::int32_t conn) const override;
    ClientWrite write(Nanos now, std::int32_t conn, std::string_view bytes, std::uint64_t asked) override;
    std::string read(Nanos now, std::int32_t conn, std::uint64_t max) override;
    void end(Nanos now, std::int32_t conn, std::uint32_t cause) override;
    void close(Nanos now, std::int32_t conn) override;
    void set_timer(Nanos now, std::int32_t conn, Nanos delay, std::uint64_t tag) override;
    void set_client_timer(Nanos now, std::uint32_t client, Nanos delay, std::uint64_t tag) override {
        scheduler_.insert(now + delay, ActionType::client_timer, client, tag);
    }
    std::uint32_t client_of(std::int32_t conn) const override { return at(conn).client; }
    std::uint64_t sent(std::int32_t conn) const override { return at(conn).sent; }
    std::uint64_t received(std::int32_t conn) const override { return at(conn).received; }
    bool ended(std::int32_t conn) const override { return at(conn).ended; }
    bool eof(std::int32_t conn) const override { return at(conn).eof; }
    bool closed(std::int32_t conn) const override { return at(conn).closed; }
    std::uint32_t last_cause(std::int32_t conn) const override { return at(conn).cause; }

private:
    struct ClientSocket {
        std::uint32_t client = 0;
        bool wake_scheduled = false;
        bool ended = false;   // shutdown() called: FIN after our data
        bool closed = false;
        bool eof = false;
        std::uint32_t cause = trace::no_event;  // the last event that woke this socket
        std::uint64_t sent = 0;
        std::uint64_t received = 0;
        Nanos connect_started = 0;  // when connect() was called, for client.connected
    };
    ClientSocket& at(std::int32_t conn) { return sockets_[static_cast<std::size_t>(conn)]; }
    const ClientSocket& at(std::int32_t conn) const { return sockets_[static_cast<std::size_t>(conn)]; }
    void close_if_finished(Nanos now, std::int32_t conn);

    const Scenario& scenario_;
    Scheduler& scheduler_;
    Recorder& recorder_;
    Tcp& tcp_;
    std::unique_ptr<ClientProgram> program_;
    std::vector<ClientSocket> sockets_;  // by connection id (0 unused)
};

}  // namespace loopscope::sim
