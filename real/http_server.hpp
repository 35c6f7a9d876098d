// Node's http.Server on the real loop: a TcpListener, the connections it
// accepted (each an HttpConnection over a TcpStream), and the handler the
// scenario's server.program names (hello, site, stream, blocking). The TLS
// layer makes the same server serve https: it owns its own listener and
// hands each TLS stream to adopt(), since an HttpConnection only needs a
// Duplex ("TLS sits on TCP").
//
// Index: http_server.hpp (this) - http_server.cpp (accept, the list of
// connections, the timeout check, the program registry) -
// http_connection.* (one connection) - http_exchange.hpp (req and res) -
// http_handlers.hpp and http_<program>.cpp (the request handlers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "real/http_connection.hpp"
#include "real/programs.hpp"
#include "real/tcp_listener.hpp"
#include "real/tcp_stream.hpp"

namespace loopscope::real {

struct HttpServerOptions {
    std::uint32_t listener_id = 1;  // the trace's listener (the simulator's is 1 too)
    std::uint32_t backlog = default_backlog;
    HttpTimeouts timeouts;
    StreamOptions stream;  // for the sockets it accepts; its high_water_mark is res's too
};

class HttpServerProgram final : public ServerProgram, private HttpConnectionOwner {
public:
    HttpServerProgram(Loop& loop, std::unique_ptr<HttpHandler> handler, HttpServerOptions options = {});
    ~HttpServerProgram() override;
    HttpServerProgram(const HttpServerProgram&) = delete;
    HttpServerProgram& operator=(const HttpServerProgram&) = delete;

    std::error_code listen(const std::string& address, std::uint16_t port) override;
    std::uint16_t port() const override { return listener_.port(); }
    std::uint32_t backlog() const override { return listener_.backlog(); }
    std::size_t open_connections() const override { return connections_.size(); }
    bool has_own_work() const override { return handler_->has_own_work(); }
    void close() override;

    // Serves a stream someone else accepted (the TLS layer's TlsStream).
    void adopt(std::unique_ptr<Duplex> stream);

    // Connections served since the start (accepted or adopted).
    std::uint64_t connections_served() const { return served_; }
    const TcpListener& listener() const { return listener_; }
    const HttpServerOptions& options() const { return options_; }
    HttpHandler& handler() { return *handler_; }

private:
    void connection_closed(HttpConnection& connection) override;
    void start_serving();
    void check_connections();
    void add(std::unique_ptr<HttpConnection> connection);
    void purge_closed();

    Loop& loop_;
    HttpServerOptions options_;
    std::unique_ptr<HttpHandler> handler_;
    HttpServerContext context_;
    TcpListener listener_;
    std::vector<std::unique_ptr<HttpConnection>> connections_;  // open, in no order (slot = index)
    std::vector<std::unique_ptr<HttpConnection>> closed_;       // freed on the next loop iteration
    std::shared_ptr<char> alive_;  // callbacks queued on the loop check it before touching the server
    TimerId check_timer_ = 0;
    bool checking_ = false;
    bool serving_ = false;
    bool closing_ = false;
    bool purge_queued_ = false;
    std::uint64_t served_ = 0;
};

// The handler of server.program (hello, site, stream, blocking). Throws
// std::invalid_argument("server.program: ...") for another program, and
// std::runtime_error when the stream program cannot make its file.
std::unique_ptr<HttpHandler> make_http_handler(const sim::ServerParams& params);
// The server's options from the scenario: keepAliveTimeout, backlog,
// highWaterMark, the buffer sizes it sets; headersTimeout, requestTimeout and the checking interval
// keep Node 20's defaults (tests and the TLS layer may change them).
HttpServerOptions http_server_options(const sim::Scenario& scenario);

// The real form of the scenario's HTTP server programs (hello, site,
// stream, blocking). Scenario fields the real server cannot honour are
// listed in `notes`. Throws std::invalid_argument("server.program: ...")
// for another program, and std::runtime_error when the stream program
// cannot make its file.
std::unique_ptr<ServerProgram> make_http_server(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);
// The same, typed, for the TLS layer that adopts streams into it.
std::unique_ptr<HttpServerProgram> make_http_server_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
