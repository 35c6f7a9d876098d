// The peers: programs on the client host that connect to the server. They
// are plain socket programs (no event loop of their own is modelled): each
// reacts to its socket as soon as the kernel reports a change.
//
// A ClientProgram holds only what its protocol needs (messages sent, the
// request being written, the response parsed so far); ClientApi, which the
// ClientHost implements, does the socket work every program shares and
// records the client.* events.
//
// Index: client_program.hpp (this) - client_host.* (the shared socket
// work) - client_programs.cpp (choosing a program) - one client_<name>.cpp
// per program.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sim/scenario.hpp"
#include "trace/trace.hpp"

namespace loopscope::sim {

struct ClientWrite {
    std::uint64_t accepted = 0;               // bytes the kernel's send buffer took
    std::uint32_t event = trace::no_event;    // the client.write event, if one was recorded
};

// What a client program may do with its connections.
class ClientApi {
public:
    virtual ~ClientApi() = default;
    virtual const Scenario& scenario() const = 0;
    // Opens a new connection for client `client` (client.connect).
    virtual std::int32_t connect(Nanos now, std::uint32_t client) = 0;
    virtual std::uint64_t send_room(std::int32_t conn) const = 0;
    // Offers `bytes` to the kernel; it takes what fits in the send buffer.
    // `asked` is how many bytes the program's write() call is for, when the
    // program offers only a first part of a long message (an upload of
    // 1 MiB is not built in memory at once). Nothing is recorded when the
    // send buffer is full.
    virtual ClientWrite write(Nanos now, std::int32_t conn, std::string_view bytes, std::uint64_t asked) = 0;
    // Reads at most `max` bytes; at the end of the stream records the EOF
    // read once (eof() becomes true) and returns "".
    virtual std::string read(Nanos now, std::int32_t conn, std::uint64_t max) = 0;
    // shutdown(SHUT_WR): FIN after the data. `cause` defaults to the last
    // event that woke this connection.
    virtual void end(Nanos now, std::int32_t conn, std::uint32_t cause = trace::no_event) = 0;
    virtual void close(Nanos now, std::int32_t conn) = 0;
    // The program's on_timer(conn, tag) runs after `delay`.
    virtual void set_timer(Nanos now, std::int32_t conn, Nanos delay, std::uint64_t tag) = 0;
    // A timer of the client itself, whatever its connections do:
    // on_client_timer(client, tag) runs after `delay`.
    virtual void set_client_timer(Nanos now, std::uint32_t client, Nanos delay, std::uint64_t tag) = 0;

    virtual std::uint32_t client_of(std::int32_t conn) const = 0;
    virtual std::uint64_t sent(std::int32_t conn) const = 0;
    virtual std::uint64_t received(std::int32_t conn) const = 0;
    virtual bool ended(std::int32_t conn) const = 0;
    virtual bool eof(std::int32_t conn) const = 0;
    virtual bool closed(std::int32_t conn) const = 0;
};

// One kind of peer. The host closes a connection whose socket reports an
// error (before on_wake would run) and one whose program has read the end
// of the stream (after the program's callback returns).
class ClientProgram {
public:
    virtual ~ClientProgram() = default;
    // Client number `client` starts (at clients.start_at_ns + i * interval).
    virtual void start(ClientApi& api, Nanos now, std::uint32_t client) { api.connect(now, client); }
    virtual void on_connected(ClientApi&, Nanos, std::int32_t) {}
    // The kernel reported a change on the socket: data, room, FIN.
    virtual void on_wake(ClientApi&, Nanos, std::int32_t) {}
    virtual void on_timer(ClientApi&, Nanos, std::int32_t, std::uint64_t) {}
    virtual void on_client_timer(ClientApi&, Nanos, std::uint32_t, std::uint64_t) {}
};

// Throws std::invalid_argument for an unknown clients.program.
std::unique_ptr<ClientProgram> make_client_program(const Scenario& scenario);

// Bytes `offset`..`offset + n` of an endless repetition of the clients'
// filler sentence: what echo messages and uploads contain.
std::string filler_bytes(std::uint64_t offset, std::uint64_t n);

}  // namespace loopscope::sim
