// One server-side HTTP/1.1 connection of Node's http.Server, on the real
// loop, over any Duplex (a TcpStream, or the TLS layer's TlsStream).
//
// The bytes of each 'data' chunk go to Debian's http-parser (the wrapper
// sim::HttpParser, the same one the simulator uses), which calls back as it
// finds each part of a request. A complete head becomes an HttpExchange (req
// and res) and the handler's on_request. Responses leave in request order,
// one at a time: a pipelined request's response waits, in user space, until
// the one before it is finished, as Node's outputData does.
//
// What the connection does on its own, as Node 20 does:
// - keep-alive: after a response, the connection waits keepAliveTimeout
//   (5 s) for the next request, then closes (http.keep_alive_timeout);
//   Connection: close or an HTTP/1.0 request ends it after the response;
// - 400 Bad Request for bytes that are not HTTP, 431 for a head of 16 KiB
//   or more (http.parse_error), then close;
// - headersTimeout (60 s) from the connection's start or a request's first
//   byte until its head is complete, and requestTimeout (300 s) until the
//   whole request has arrived: 408 and close (http.request_timeout). The
//   server checks every connectionsCheckingInterval (30 s), as Node does,
//   so a stalled client is closed between 60 and 90 s after it started;
// - the peer's FIN ends our side too (Node's socketOnEnd), which cuts a
//   response still being written.
//
// Memory: an idle keep-alive connection holds no parser and no buffer. The
// parser is made on the first byte of a request and freed once no request
// is in progress; bytes are parsed straight from the loop's read buffer.
//
// Index: http_connection.hpp (this) - http_connection.cpp (input: parser
// events, timeouts, close) - http_exchange.hpp / http_response.cpp (res:
// head, framing, order of responses).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "real/duplex.hpp"
#include "real/loop.hpp"
#include "sim/http_parser.hpp"

namespace loopscope::real {

class HttpConnection;
class HttpExchange;

// The timeouts of Node 20's http.Server.
struct HttpTimeouts {
    Nanos keep_alive_ns = 5'000'000'000;         // server.keepAliveTimeout (0: none)
    Nanos headers_ns = 60'000'000'000;           // server.headersTimeout (0: none)
    Nanos request_ns = 300'000'000'000;          // server.requestTimeout (0: none)
    Nanos check_interval_ns = 30'000'000'000;    // connectionsCheckingInterval
};

// The function passed to http.createServer, and what it listens to. Every
// call is on the loop's thread.
class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    // server.listen()'s callback: where a program starts its setInterval timers.
    virtual void on_listening(Loop&) {}
    // server.close(): stop the timers started in on_listening.
    virtual void on_close(Loop&) {}
    // Work of its own, not only answers to clients (a setInterval).
    virtual bool has_own_work() const { return false; }
    virtual void on_request(HttpExchange&) = 0;
    virtual void on_req_data(HttpExchange&, std::string_view) {}
    virtual void on_req_end(HttpExchange&) {}
    // res emitted 'drain' after a res.write() that returned false.
    virtual void on_res_drain(HttpExchange&) {}
};

// Told when a connection has closed (its stream said 'close').
class HttpConnectionOwner {
public:
    virtual ~HttpConnectionOwner() = default;
    virtual void connection_closed(HttpConnection& connection) = 0;
};

// The Date header, as Node's utcDate: formatted once per second of the
// wall clock and reused in between.
class HttpDate {
public:
    std::string_view now();

private:
    std::int64_t second_ = -1;
    char text_[32] = {};
    std::size_t size_ = 0;
};

// What every connection of one server shares.
struct HttpServerContext {
    HttpServerContext(Loop& l, HttpHandler& h, HttpConnectionOwner& o, HttpTimeouts t, std::uint64_t hwm)
        : loop(l), handler(h), owner(o), timeouts(t), high_water_mark(hwm) {}

    Loop& loop;
    HttpHandler& handler;
    HttpConnectionOwner& owner;
    HttpTimeouts timeouts;
    std::uint64_t high_water_mark = 16384;  // res.writableHighWaterMark
    HttpDate date;
    // Node corks the socket on res.write() and uncorks it on the next tick,
    // so the head and the body written by one callback leave in one write.
    // Only one connection runs a callback at a time, so one buffer serves
    // them all (and costs an idle connection nothing).
    std::string cork;
    HttpConnection* corked_by = nullptr;
};

class HttpConnection final : public StreamEvents, private sim::HttpParserEvents {
public:
    explicit HttpConnection(HttpServerContext& server);
    ~HttpConnection() override;
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Starts serving `stream`, becoming its listener (a TcpStream is made
    // with the connection as its events already; an adopted TLS stream is not).
    void attach(std::unique_ptr<Duplex> stream);
    Duplex* stream() { return stream_.get(); }
    std::int32_t conn() const { return conn_; }
    bool closed() const { return closed_; }
    std::uint32_t requests() const { return requests_; }  // requests begun
    std::uint32_t served() const { return served_; }      // responses finished
    // The owner's index for this connection (its slot in a list).
    std::size_t slot = 0;

    // headersTimeout / requestTimeout at `now` (the server's periodic
    // check): answers 408 and closes when a limit has passed.
    void check_timeouts(Nanos now);
    // server.close() / closeAllConnections(): destroys the socket.
    void destroy();

    // StreamEvents
    void on_data(Duplex&, std::string_view bytes) override;
    void on_end(Duplex&) override;
    void on_drain(Duplex&) override;
    void on_error(Duplex&, std::error_code) override {}
    void on_close(Duplex&, bool had_error) override;

private:
    friend class HttpExchange;

    // sim::HttpParserEvents
    void on_message_begin() override;
    void on_url(std::string_view piece) override;
    void on_headers_complete(const sim::HttpHead& head) override;
    void on_body(std::string_view bytes) override;
    void on_chunk_header(std::uint64_t size) override;
    void on_chunk_complete() override;
    void on_message_complete() override;
    void on_error(std::string_view name) override;

    // Callbacks that may write are corked: their bytes leave once it returns.
    void begin_callback();
    void end_callback();
    void flush_cork();
    // Bytes of `ex`'s response: written now if it is the oldest unfinished
    // one, else kept with it. Returns res.write()'s value.
    bool send(HttpExchange& ex, std::string_view bytes);
    void response_finished(HttpExchange& ex);
    void emit_drain_if_below_mark();
    void fail(std::string_view response);  // an error response (if none began), then destroy
    void arm_keep_alive();
    void disarm_keep_alive();
    void start_keep_alive_timer(Nanos delay);
    void stop_keep_alive_timer();
    void keep_alive_fired();
    std::uint64_t writable_length() const;
    std::uint32_t record(trace::Kind kind, std::initializer_list<std::int64_t> fields);

    HttpServerContext& server_;
    std::unique_ptr<Duplex> stream_;
    std::unique_ptr<sim::HttpParser> parser_;           // only while a request is in progress
    std::vector<std::shared_ptr<HttpExchange>> responses_;  // unfinished responses, oldest first
    std::shared_ptr<HttpExchange> parsing_;             // the request whose body is being parsed
    Nanos message_start_ = 0;    // when the connection or the current request began (headersTimeout)
    Nanos keep_alive_deadline_ = 0;  // while armed: when the idle connection is closed
    TimerId keep_alive_timer_ = 0;
    std::uint32_t parse_record_ = 0xffffffffu;  // the http.parse of the chunk being parsed (a cause)
    std::int32_t conn_ = -1;
    std::uint32_t requests_ = 0;
    std::uint32_t served_ = 0;
    std::uint32_t cork_depth_ = 0;
    bool in_message_ = false;        // between message_begin and message_complete
    bool timed_ = true;              // headersTimeout/requestTimeout apply (the connection's first request, or one begun)
    bool headers_done_ = false;      // the current request's head is complete
    bool keep_alive_armed_ = false;         // keepAliveTimeout applies now
    bool keep_alive_timer_pending_ = false; // a loop timer is started (it may find the deadline moved)
    bool input_done_ = false;        // no more requests are read (Connection: close, an error, the peer's FIN)
    // The response to the request being parsed finished with Connection:
    // close before the parser reached the request's end (a handler that
    // answers at once): that request still completes ('end' on req), then
    // input_done_.
    bool last_message_ = false;
    bool ended_ = false;             // our side was ended (FIN after the queued bytes)
    bool closed_ = false;            // the stream said 'close'
};

}  // namespace loopscope::real
