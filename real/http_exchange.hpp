// One request and its response: Node's req (IncomingMessage) and res
// (ServerResponse) as one object, with res's semantics:
// - set_header() / write_head() before the head is sent; the headers a
//   program sets go first, in the order set, then Date, Connection and
//   Keep-Alive, then the framing (Node 20's order);
// - write(chunk): the head goes with the first write; without a
//   Content-Length the body is chunked (HTTP/1.0: framed by the close);
//   returns false when the socket's user-space bytes reach highWaterMark
//   (wait for the handler's on_res_drain);
// - end(chunk): res.end(body) before any write knows the length and sends
//   Content-Length; after writes it sends the last chunk "0\r\n\r\n".
// A response to HEAD, or with status 204 or 304, has no body and no
// framing headers, as in Node.
//
// The exchange outlives its connection when a handler holds it (a file
// stream still reading): aborted() then says the socket is gone and every
// res call does nothing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "real/http_connection.hpp"

namespace loopscope::real {

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
public:
    HttpExchange(HttpConnection& connection, const sim::HttpHead& head, std::uint32_t n);
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    // ---- req ----
    const sim::HttpHead& request() const { return head_; }
    std::uint32_t n() const { return n_; }       // request number on its connection, from 1
    std::int32_t conn() const { return conn_; }  // the trace's connection key
    Loop& loop() const { return loop_; }
    Tracer& tracer() const { return loop_.tracer(); }

    // ---- res ----
    // res.setHeader(): false (and nothing set) once the head was sent, or
    // for a name that is not an HTTP token or a value with CR, LF or NUL
    // (Node throws for these). Setting a name again replaces its value
    // and keeps its place.
    bool set_header(std::string_view name, std::string_view value);
    // res.writeHead(status, headers).
    bool write_head(unsigned status, std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {});
    bool write(std::string_view chunk);
    void end(std::string_view chunk = {});

    unsigned status() const { return status_; }
    bool head_sent() const { return head_sent_; }
    bool finished() const { return finished_; }   // res.end() was called
    bool aborted() const { return connection_ == nullptr; }
    std::uint64_t body_sent() const { return body_sent_; }
    // res.writableLength: bytes of this response not yet taken by the kernel.
    std::uint64_t writable_length() const;
    std::uint64_t high_water_mark() const { return high_water_mark_; }

    // Whatever the handler keeps per request (a file stream's position),
    // destroyed with the exchange.
    struct State {
        virtual ~State() = default;
    };
    std::unique_ptr<State> state;

private:
    friend class HttpConnection;
    void send_head(std::string& out, bool length_known, std::uint64_t length);
    bool has_body() const;

    HttpConnection* connection_;  // null once the connection closed
    Loop& loop_;
    sim::HttpHead head_;
    std::vector<std::pair<std::string, std::string>> set_headers_;
    std::string waiting_;  // bytes written while an earlier response on the connection is unfinished
    std::uint64_t content_length_ = 0;
    std::uint64_t body_received_ = 0;
    std::uint64_t body_sent_ = 0;
    std::uint64_t high_water_mark_ = 0;
    std::int32_t conn_;
    std::uint32_t n_;
    unsigned status_ = 200;
    bool keep_alive_ = true;       // the connection stays open after this response
    bool has_content_length_ = false;
    bool has_date_ = false;        // the program set its own Date header
    bool head_sent_ = false;
    bool chunked_ = false;
    bool finished_ = false;
    bool need_drain_ = false;      // a write returned false: emit 'drain' when the bytes are gone
};

}  // namespace loopscope::real
