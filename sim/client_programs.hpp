// The peers: programs on the client host that connect to the server. They
// are plain socket programs (no event loop of their own is modelled): each
// reacts to its socket as soon as the kernel reports a change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/scenario.hpp"
#include "sim/scheduler.hpp"
#include "sim/tcp.hpp"

namespace loopscope::sim {

class ClientHost {
public:
    ClientHost(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp);

    // Schedules every client's start.
    void start_all();

    // Scheduler entry points.
    void start(Nanos now, std::uint32_t index);
    void wake(Nanos now, std::uint32_t index);
    void tick(Nanos now, std::uint32_t index);

    // The kernel reports a change on a client socket.
    void on_connected(Nanos now, std::int32_t conn, std::uint32_t cause);
    void on_socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause);

private:
    enum class Program : std::uint8_t { echo, uploader, slow_reader };
    struct Client {
        std::int32_t conn = 0;
        bool connected = false;
        bool wake_scheduled = false;
        bool ended = false;      // shutdown() called: FIN after our data
        bool closed = false;
        bool eof = false;
        std::uint32_t cause = trace::no_event;
        std::uint64_t sent = 0;
        std::uint64_t received = 0;
        std::uint32_t messages_sent = 0;
        std::uint64_t to_send = 0;         // bytes of the current message/upload not yet accepted
        std::uint64_t reply_expected = 0;  // echo: bytes to receive before the next message
        bool thinking = false;
    };

    void schedule_wake(Nanos now, std::uint32_t index, std::uint32_t cause);
    void react(Nanos now, Client& c);
    void send_pending(Nanos now, Client& c);
    void next_message(Nanos now, Client& c);
    void read_available(Nanos now, Client& c, std::uint64_t max);
    void finish(Nanos now, Client& c);
    std::uint32_t index_of(std::int32_t conn) const;

    const Scenario& scenario_;
    Scheduler& scheduler_;
    Recorder& recorder_;
    Tcp& tcp_;
    Program program_;
    std::uint64_t reply_prefix_;  // "You said: " when the server echoes
    std::string filler_;
    std::vector<Client> clients_;
    std::vector<std::uint32_t> client_of_conn_;  // connection id -> client index
};

}  // namespace loopscope::sim
