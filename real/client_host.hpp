// The socket work every real client program shares, like the simulator's
// ClientHost (sim/client_host.hpp): starting clients.count clients
// clients.start_interval_ns apart on the client's Loop, opening their
// connections (TcpStream::connect, or TLS for the https lesson), recording
// what each program does as client.* events, and keeping the totals.
//
// A program derives from ClientHost (what to do when client i starts) and
// from ClientConnection (what to do with one connection's events).
//
// Index: client_host.* (this) - http_get.* (the HTTP side of one
// connection) - client_uploader, client_slow_reader, client_http_get
// (http-get and load), client_browser, client_bad_request - client_process.*
// (the clients in a child process).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "real/duplex.hpp"
#include "real/loop.hpp"
#include "real/programs.hpp"
#include "real/tcp_stream.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

// How a client opens one connection. The default is TcpStream::connect; the
// https lesson passes one that returns a TLS stream (connect_tls), so the
// same HTTP client runs over either. Returns nullptr when no socket could
// be made (out of file descriptors): TcpStream::connect throws
// std::system_error then, which tcp_connector() turns into nullptr.
using Connector = std::function<std::unique_ptr<Duplex>(Loop& loop, const std::string& host, std::uint16_t port,
                                                         StreamEvents& events, const StreamOptions& options)>;
Connector tcp_connector();

// The socket options a client's connections use. Linux's autotuned
// buffers are kept unless the scenario file sets clients.send_buffer or
// clients.recv_buffer (a real SO_RCVBUF turns autotuning off); programs
// whose lesson is about a small buffer (slow-reader) pass force_recv_buffer.
StreamOptions client_stream_options(const sim::Scenario& scenario, bool force_recv_buffer = false);

class ClientHost;

// One connection of a client program. The host owns it; the program's
// subclass reacts to its events through the hooks below. The client-side
// TcpStream records the client lane as the simulator's client host does
// (client.connect, client.connected, client.write, client.read, client.end,
// client.close); the connection adds client.done with its totals.
class ClientConnection : public StreamEvents {
public:
    ClientConnection(ClientHost& host, std::uint32_t client);
    ~ClientConnection() override;
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    std::uint32_t client() const { return client_; }
    std::int32_t conn() const { return conn_; }
    bool connected() const { return connected_; }
    bool closed() const { return closed_; }
    bool eof() const { return eof_; }
    bool ended() const { return ended_; }
    std::uint64_t sent() const { return sent_; }          // bytes handed to write()
    std::uint64_t received() const { return received_; }  // bytes of 'data'
    Duplex* stream() { return stream_.get(); }

    // socket.write(): false means wait for drain_hook().
    bool write(std::string_view bytes);
    // socket.end(): FIN once the queued bytes are written.
    void end();
    // socket.destroy(): closes now; `reset` sends RST instead of FIN.
    void close(bool reset = false);
    void pause();
    void resume();

protected:
    ClientHost& host() { return host_; }
    const ClientHost& host() const { return host_; }
    // The hooks a program overrides.
    virtual void connected_hook() {}
    virtual void data_hook(std::string_view) {}
    // The peer's FIN was read. The stream then ends our side and closes
    // by itself (allowHalfOpen false, as Node's sockets).
    virtual void end_hook() {}
    virtual void drain_hook() {}
    // The connection is gone (closed by us, by the peer, by an error, or
    // never opened because no socket could be made).
    virtual void closed_hook() {}

private:
    friend class ClientHost;
    void open(const std::string& host, std::uint16_t port, const StreamOptions& options);

    // StreamEvents
    void on_connect(Duplex&) override;
    void on_data(Duplex&, std::string_view bytes) override;
    void on_end(Duplex&) override;
    void on_drain(Duplex&) override;
    void on_error(Duplex&, std::error_code error) override;
    void on_close(Duplex&, bool had_error) override;

    ClientHost& host_;
    std::uint32_t client_;
    std::unique_ptr<Duplex> stream_;
    std::int32_t conn_ = -1;
    std::uint64_t sent_ = 0;
    std::uint64_t received_ = 0;
    bool connected_ = false;
    bool ended_ = false;
    bool eof_ = false;
    bool closed_ = false;
};

class ClientHost : public ClientProgram {
public:
    ClientHost(Loop& loop, const sim::Scenario& scenario, Connector connector = tcp_connector());
    ~ClientHost() override;

    // ClientProgram
    void start(const std::string& host, std::uint16_t port) override;
    bool done() const override;
    ClientTotals totals() const override { return totals_; }
    void close() override;

    Loop& loop() { return loop_; }
    const sim::Scenario& scenario() const { return scenario_; }
    const sim::ClientParams& params() const { return scenario_.clients; }
    // The server as the clients address it ("127.0.0.1:3000" for a Host header).
    const std::string& server_host() const { return host_; }
    std::uint16_t server_port() const { return port_; }
    // What the programs count beyond bytes and connections.
    void count_request() { ++totals_.requests; }
    void count_response() { ++totals_.responses; }
    void count_connect_failures(std::uint64_t n) { totals_.connect_failures += n; }
    // Connections currently open (connected and not yet closed).
    std::size_t open_connections() const override { return open_; }
    std::uint32_t clients_finished() const { return finished_; }

    // Opens a connection for `connection`'s client and takes ownership of it.
    ClientConnection& open(std::unique_ptr<ClientConnection> connection, const StreamOptions& options);
    // Client `client` has done its work (or failed); done() once all have.
    void client_finished(std::uint32_t client);
    // How many clients this run starts (at most clients.count: the load
    // client lowers it when file descriptors run short).
    void set_client_limit(std::uint32_t limit) { limit_ = limit; }
    std::uint32_t client_limit() const { return limit_; }

protected:
    // Client number `client` starts: usually opens its one connection.
    virtual void start_client(std::uint32_t client) = 0;

private:
    friend class ClientConnection;
    void start_due_clients();
    void count_connected();
    void count_closed(bool was_connected);

    Loop& loop_;
    sim::Scenario scenario_;  // a copy, so the program never depends on its caller keeping one alive
    Connector connector_;
    std::string host_;
    std::uint16_t port_ = 0;
    std::uint32_t limit_;
    std::uint32_t started_ = 0;
    std::uint32_t finished_ = 0;
    std::vector<bool> client_done_;
    Nanos start_time_ = 0;
    TimerId start_timer_ = 0;
    bool starting_ = false;   // a start timer is pending
    bool holding_ref_ = false;
    std::size_t open_ = 0;
    ClientTotals totals_;
    // Every connection stays owned until the program is destroyed: a
    // stream may not be deleted inside its own callbacks, and the
    // programs' connections are bounded by clients.count and their work.
    std::vector<std::unique_ptr<ClientConnection>> connections_;
};

}  // namespace loopscope::real
