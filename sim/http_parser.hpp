// A C++ wrapper of http-parser (Debian's libhttp-parser-dev, the parser
// Node used before llhttp, with the same callbacks). One parser per
// connection and direction; feed() takes the bytes of each chunk in
// whatever sizes TCP delivered them, and every parser callback reaches the
// HttpParserEvents as it happens, so a request split over three packets
// still parses to the same request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace loopscope::sim {

// Node 20's --max-http-header-size: above it the request gets 431.
inline constexpr std::uint64_t node_max_header_bytes = 16384;

struct HttpHead {
    std::string method;   // requests: "GET"; empty for responses
    std::string url;      // requests: "/index.html"
    unsigned status = 0;  // responses: 200
    unsigned http_major = 1;
    unsigned http_minor = 1;
    std::uint32_t headers = 0;       // header lines
    bool keep_alive = false;         // http_should_keep_alive(): the connection may serve another message
    bool chunked = false;            // Transfer-Encoding: chunked
    bool has_content_length = false;
    std::uint64_t content_length = 0;
};

// What the parser found, in order. A handler may not feed the parser again.
class HttpParserEvents {
public:
    virtual ~HttpParserEvents() = default;
    virtual void on_message_begin() {}
    virtual void on_url(std::string_view) {}  // one piece; a URL can arrive in several
    virtual void on_headers_complete(const HttpHead&) {}
    virtual void on_body(std::string_view) {}
    virtual void on_chunk_header(std::uint64_t) {}
    virtual void on_chunk_complete() {}
    virtual void on_message_complete() {}
    // The parser stopped: `name` is the http_errno name (HPE_INVALID_METHOD, ...).
    virtual void on_error(std::string_view) {}
};

class HttpParser {
public:
    enum class Mode : std::uint8_t { request, response };
    HttpParser(Mode mode, HttpParserEvents& events);
    ~HttpParser();
    HttpParser(const HttpParser&) = delete;
    HttpParser& operator=(const HttpParser&) = delete;

    // Parses bytes. After an error every later call does nothing.
    void feed(std::string_view bytes);
    // The peer closed: a response framed by the end of the connection is
    // complete now (http_parser_execute with length 0).
    void finish();
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    // Requests begun on this connection, from 1.
    std::uint32_t messages() const;

    struct State;  // http_parser and its callbacks' context (http_parser.cpp)

private:
    std::unique_ptr<State> state_;
    std::string error_;
};

}  // namespace loopscope::sim
