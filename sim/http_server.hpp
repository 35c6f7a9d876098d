// Node's http.Server as a ServerProgram on the net model: one parser per
// connection fed the bytes of each chunk libuv reads; 'request' once the
// headers are complete; req readable and res writable; responses framed
// as Node 20 frames them (sim/http_response.cpp), in request order on each
// connection; keep-alive with keepAliveTimeout; 400 / 431 on bad requests.
//
// Index: http_server.hpp (this) - http_server.cpp (connections, parser
// events, keep-alive) - http_response.cpp (res: head, framing, order) -
// http_parser.* (the parser) - http_<name>.cpp (the request handlers).
#pragma once

#include <initializer_list>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/http_parser.hpp"
#include "sim/node_runtime.hpp"

namespace loopscope::sim {

using RequestId = std::uint64_t;

// What a request handler may do: res.* calls and Node's other APIs.
class HttpApi {
public:
    virtual ~HttpApi() = default;
    virtual NodeApi& node() = 0;
    virtual const HttpHead& request(RequestId req) const = 0;
    virtual std::int32_t connection_of(RequestId req) const = 0;
    virtual void set_header(RequestId req, std::string_view name, std::string_view value) = 0;
    // res.writeHead(status, headers): the status code and headers of the
    // head, which Node sends with the first write (or end).
    virtual void write_head(RequestId req, unsigned status,
                            std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) = 0;
    // res.write(chunk): false when the socket's user-space bytes reach the
    // highWaterMark (wait for on_res_drain).
    virtual bool write(RequestId req, std::string_view chunk) = 0;
    // res.end(chunk)
    virtual void end(RequestId req, std::string_view chunk = {}) = 0;
    // A timer of the handler's own (setTimeout / setInterval).
    virtual void set_timeout(Nanos delay, std::uint64_t tag) = 0;
    // process.nextTick of the handler's own (on_tick follows).
    virtual void next_tick(std::uint64_t tag) = 0;
};

// The function passed to http.createServer, and what it listens to.
class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    virtual void on_listening(HttpApi&) {}
    virtual void on_request(HttpApi&, RequestId) = 0;
    virtual void on_req_data(HttpApi&, RequestId, std::string_view) {}
    virtual void on_req_end(HttpApi&, RequestId) {}
    virtual void on_res_drain(HttpApi&, RequestId) {}
    virtual void on_timer(HttpApi&, std::uint64_t) {}
    virtual void on_work_done(HttpApi&, std::int32_t, std::uint64_t) {}
    virtual void on_tick(HttpApi&, std::uint64_t) {}
    // The rest of a callback after NodeApi::burn_cpu_then's CPU time.
    virtual void on_cpu_done(HttpApi&, std::int32_t, std::uint64_t) {}
};

class HttpServer final : public ServerProgram, private HttpApi {
public:
    HttpServer(const ServerParams& params, std::unique_ptr<HttpHandler> handler);
    ~HttpServer() override;

    bool consumes_reads() const override { return true; }
    void on_listening(NodeApi& node) override;
    void on_connection(NodeApi& node, std::int32_t conn) override;
    void on_data(NodeApi& node, std::int32_t conn, const std::string& chunk) override;
    void on_end(NodeApi& node, std::int32_t conn) override;
    void on_drain(NodeApi& node, std::int32_t conn) override;
    void on_close(NodeApi& node, std::int32_t conn, bool had_error) override;
    void on_timer(NodeApi& node, std::uint64_t tag) override;
    void on_tick(NodeApi& node, std::uint64_t tag) override;
    void on_work_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) override;
    void on_cpu_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) override;

    struct Exchange;    // one request and its response
    struct Connection;  // parser, requests in order, keep-alive timer

private:
    friend struct ParserSink;
    // HttpApi
    NodeApi& node() override { return *node_; }
    const HttpHead& request(RequestId req) const override;
    std::int32_t connection_of(RequestId req) const override;
    void set_header(RequestId req, std::string_view name, std::string_view value) override;
    void write_head(RequestId req, unsigned status,
                    std::initializer_list<std::pair<std::string_view, std::string_view>> headers) override;
    bool write(RequestId req, std::string_view chunk) override;
    void end(RequestId req, std::string_view chunk) override;
    void set_timeout(Nanos delay, std::uint64_t tag) override;
    void next_tick(std::uint64_t tag) override;

    // http_server.cpp: what the parser found.
    void parser_message_begin(std::int32_t conn);
    void parser_url(std::int32_t conn, std::string_view piece);
    void parser_headers_complete(std::int32_t conn, const HttpHead& head);
    void parser_body(std::int32_t conn, std::string_view bytes);
    void parser_chunk_header(std::int32_t conn, std::uint64_t size);
    void parser_chunk_complete(std::int32_t conn);
    void parser_message_complete(std::int32_t conn);
    void parser_error(std::int32_t conn, std::string_view name);
    void record_memory();
    void arm_keep_alive(std::int32_t conn);
    void disarm_keep_alive(std::int32_t conn);

    // http_response.cpp: res.
    std::string head_text(const Exchange& ex, std::string_view framing, std::uint64_t content_length) const;
    bool send(Exchange& ex, std::string bytes);
    void flush_to_socket(std::int32_t conn, std::string bytes);
    void response_finished(Exchange& ex);

    Connection& connection(std::int32_t conn);
    Exchange& exchange(RequestId req) { return *exchanges_[static_cast<std::size_t>(req)]; }
    const Exchange& exchange(RequestId req) const { return *exchanges_[static_cast<std::size_t>(req)]; }

    ServerParams params_;
    std::unique_ptr<HttpHandler> handler_;
    NodeApi* node_ = nullptr;  // the runtime, set by every callback
    std::vector<std::unique_ptr<Connection>> connections_;  // by connection id
    std::vector<std::unique_ptr<Exchange>> exchanges_;      // by request id
    std::uint64_t open_sockets_ = 0;
};

struct HttpServer::Exchange {
    RequestId id = 0;
    std::int32_t conn = 0;
    std::uint32_t n = 0;          // request number on its connection
    HttpHead head;
    unsigned status = 200;        // res.statusCode (res.writeHead sets it)
    bool keep_alive = true;       // the connection stays open after this response
    bool http10 = false;          // HTTP/1.0: no chunked framing
    // res.setHeader(name, value) calls, in the order made (Node writes them
    // first, in that order, before the headers it adds itself).
    std::vector<std::pair<std::string, std::string>> set_headers;
    bool has_content_length = false;  // set by res.setHeader("Content-Length", n)
    std::uint64_t content_length = 0;
    bool head_sent = false;
    bool chunked = false;
    bool finished = false;        // res.end() called
    std::uint64_t body_received = 0;
    std::uint64_t body_sent = 0;
    std::string waiting;          // written while an earlier response on the connection is unfinished
};

struct HttpServer::Connection {
    std::int32_t id = 0;
    std::unique_ptr<HttpParserEvents> sink;
    std::unique_ptr<HttpParser> parser;
    std::deque<RequestId> responses;   // unfinished responses, oldest first
    RequestId parsing = 0;             // request whose body is being parsed
    bool has_parsing = false;
    bool uncork_queued = false;        // socket corked until the next tick
    bool keep_alive_armed = false;
    bool closing = false;              // Connection: close, an error, or the keep-alive timeout
    bool closed = false;
    std::uint32_t served = 0;
};

// Timer and nextTick tags: the low two bits say whose they are.
enum class HttpTag : std::uint64_t { keep_alive = 0, uncork = 1, handler = 2, handler_tick = 3 };
inline std::uint64_t http_tag(HttpTag kind, std::uint64_t value) { return value << 2 | static_cast<std::uint64_t>(kind); }

// The date Node writes in the Date header, derived from virtual time:
// virtual time 0 is Mon, 01 Jan 2024 00:00:00 GMT, and like Node's cached
// date it changes once per second.
std::string http_date(Nanos now);

std::unique_ptr<ServerProgram> make_http_server(const ServerParams& params);

}  // namespace loopscope::sim
