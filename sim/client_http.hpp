// The HTTP side of the client programs that speak HTTP (http-get, browser,
// bad-request, load): one HttpClientConnection per connection writes the
// requests as the send buffer takes them and parses the responses with
// http-parser in response mode, so a program knows when one is complete.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/client_program.hpp"
#include "sim/http_parser.hpp"

namespace loopscope::sim {

// A browser's GET, with the headers Firefox sends (Accept depends on what
// the page asks for: a document, a stylesheet, a script or an image).
std::string browser_get(std::string_view path, std::string_view host, std::string_view accept, bool keep_alive = true);
inline constexpr std::string_view accept_document = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

class HttpClientConnection final : private HttpParserEvents {
public:
    HttpClientConnection() : parser_(HttpParser::Mode::response, *this) {}

    // Queues request bytes; pump() writes them.
    void send(std::string bytes) { out_ += bytes; }
    void pump(ClientApi& api, Nanos now, std::int32_t conn);
    // Reads what arrived and parses it; at the end of the stream, finishes
    // the parser (a response without length ends with the connection).
    void receive(ClientApi& api, Nanos now, std::int32_t conn);

    std::uint32_t responses_complete() const { return complete_; }
    bool failed() const { return parser_.failed(); }
    bool last_keep_alive() const { return keep_alive_; }
    unsigned last_status() const { return status_; }
    std::uint64_t body_bytes() const { return body_; }
    bool idle() const { return out_.empty(); }

private:
    void on_headers_complete(const HttpHead& head) override {
        keep_alive_ = head.keep_alive;
        status_ = head.status;
    }
    void on_body(std::string_view bytes) override { body_ += bytes.size(); }
    void on_message_complete() override { ++complete_; }

    HttpParser parser_;
    std::string out_;  // request bytes not yet accepted by the kernel
    std::uint32_t complete_ = 0;
    bool keep_alive_ = true;
    unsigned status_ = 0;
    std::uint64_t body_ = 0;
};

}  // namespace loopscope::sim
