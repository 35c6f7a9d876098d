#include "real/http_server.hpp"

#include <stdexcept>

#include "real/http_handlers.hpp"
#include "real/scenario_real.hpp"

namespace loopscope::real {

HttpServerProgram::HttpServerProgram(Loop& loop, std::unique_ptr<HttpHandler> handler, HttpServerOptions options)
    : loop_(loop),
      options_(options),
      handler_(std::move(handler)),
      context_{loop, *handler_, *this, options.timeouts, options.stream.high_water_mark},
      listener_(loop, options.listener_id, [this](SocketFd fd) {
          auto connection = std::make_unique<HttpConnection>(context_);
          HttpConnection& c = *connection;
          c.attach(std::make_unique<TcpStream>(loop_, fd, c, options_.stream));
          // http.Server's 'connection' listener: Node's own, not the program's.
          const std::uint32_t r = loop_.tracer().record(trace::Kind::js_connection, c.conn(), {0}, loop_.io_cause());
          const Stamp started = r != no_record ? cycle_stamp() : Stamp{};
          add(std::move(connection));
          loop_.tracer().set_duration(r, 0, started);
      }),
      alive_(std::make_shared<char>(0)) {}

HttpServerProgram::~HttpServerProgram() {
    if (checking_) loop_.stop_timer(check_timer_);
    listener_.close();
    alive_.reset();
    // Connections still open here are destroyed with their streams; the
    // handler goes last, since exchanges held by it point into the loop only.
    // (Moved out first: a stream that reports 'close' while it is
    // destroyed finds no list to change.)
    auto open = std::move(connections_);
    auto closed = std::move(closed_);
    connections_.clear();
    closed_.clear();
    open.clear();
    closed.clear();
}

std::error_code HttpServerProgram::listen(const std::string& address, std::uint16_t port) {
    if (const std::error_code error = listener_.listen(address, port, options_.backlog)) return error;
    start_serving();
    return {};
}

void HttpServerProgram::adopt(std::unique_ptr<Duplex> stream) {
    if (!stream || closing_) return;
    start_serving();
    auto connection = std::make_unique<HttpConnection>(context_);
    connection->attach(std::move(stream));
    add(std::move(connection));
}

void HttpServerProgram::start_serving() {
    if (serving_) return;
    serving_ = true;
    handler_->on_listening(loop_);
    // Node 20 checks every connection for headersTimeout and requestTimeout
    // once per connectionsCheckingInterval, from one timer, rather than
    // keeping a timer per connection.
    if (options_.timeouts.check_interval_ns > 0 &&
        (options_.timeouts.headers_ns > 0 || options_.timeouts.request_ns > 0)) {
        checking_ = true;
        std::weak_ptr<char> alive = alive_;
        check_timer_ = loop_.start_timer(options_.timeouts.check_interval_ns, [this, alive] {
            if (alive.expired()) return;
            checking_ = false;
            check_connections();
        });
    }
}

void HttpServerProgram::check_connections() {
    const Nanos now = monotonic_now();
    // A check may close connections; their slots change only when the
    // stream says 'close' (later), so indexing here is safe.
    for (std::size_t i = 0; i < connections_.size(); ++i) connections_[i]->check_timeouts(now);
    if (closing_) return;
    checking_ = true;
    std::weak_ptr<char> alive = alive_;
    check_timer_ = loop_.start_timer(options_.timeouts.check_interval_ns, [this, alive] {
        if (alive.expired()) return;
        checking_ = false;
        check_connections();
    });
}

void HttpServerProgram::add(std::unique_ptr<HttpConnection> connection) {
    ++served_;
    connection->slot = connections_.size();
    connections_.push_back(std::move(connection));
}

void HttpServerProgram::connection_closed(HttpConnection& connection) {
    const std::size_t slot = connection.slot;
    if (slot >= connections_.size() || connections_[slot].get() != &connection) return;
    // The stream is still calling us: free the connection (and its
    // stream) on the next iteration, not from inside its own callback.
    closed_.push_back(std::move(connections_[slot]));
    if (slot + 1 != connections_.size()) {
        connections_[slot] = std::move(connections_.back());
        connections_[slot]->slot = slot;
    }
    connections_.pop_back();
    if (!purge_queued_) {
        purge_queued_ = true;
        std::weak_ptr<char> alive = alive_;
        loop_.defer([this, alive] {
            if (alive.expired()) return;
            purge_closed();
        });
    }
}

void HttpServerProgram::purge_closed() {
    purge_queued_ = false;
    closed_.clear();
}

void HttpServerProgram::close() {
    if (closing_) return;
    closing_ = true;
    listener_.close();
    if (checking_) {
        loop_.stop_timer(check_timer_);
        checking_ = false;
    }
    handler_->on_close(loop_);
    // destroy() ends in 'close' from the loop's close phase, which removes
    // each connection from the list: walk a copy of the pointers.
    std::vector<HttpConnection*> open;
    open.reserve(connections_.size());
    for (auto& c : connections_) open.push_back(c.get());
    for (HttpConnection* c : open) c->destroy();
}

// ---- the program registry's rows ----

std::unique_ptr<HttpHandler> make_http_handler(const sim::ServerParams& p) {
    if (p.program == "hello") return make_hello_handler(p);
    if (p.program == "site") return make_site_handler(p);
    if (p.program == "stream") return make_stream_handler(p);
    if (p.program == "blocking") return make_blocking_handler(p);
    throw std::invalid_argument("server.program: \"" + p.program + "\" is not an HTTP program (hello, site, stream, blocking)");
}

HttpServerOptions http_server_options(const sim::Scenario& scenario) {
    const sim::ServerParams& p = scenario.server;
    HttpServerOptions options;
    options.backlog = p.backlog;
    options.timeouts.keep_alive_ns = p.keep_alive_timeout_ns;
    options.stream.high_water_mark = p.high_water_mark;
    // Setting SO_SNDBUF/SO_RCVBUF turns off Linux's autotuning: only when
    // the lesson asks for a size (the echo programs do the same).
    if (sets_field(scenario, "server.send_buffer")) options.stream.send_buffer = p.send_buffer;
    if (sets_field(scenario, "server.recv_buffer")) options.stream.recv_buffer = p.recv_buffer;
    // The parser consumes the socket: each chunk is an http.parse, not a js.data.
    options.stream.trace_data_callback = false;
    return options;
}

std::unique_ptr<HttpServerProgram> make_http_server_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    std::unique_ptr<HttpHandler> handler = make_http_handler(scenario.server);
    if (scenario.server.program == "stream")
        notes.add("server.program stream reads a real temporary file with pread() on the loop's thread (Node reads on its thread pool).");
    return std::make_unique<HttpServerProgram>(loop, std::move(handler), http_server_options(scenario));
}

std::unique_ptr<ServerProgram> make_http_server(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    return make_http_server_program(loop, scenario, notes);
}

}  // namespace loopscope::real
