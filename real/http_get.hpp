// The HTTP side of one real client connection (http-get, load, browser,
// bad-request): it writes a request and parses the responses with the
// simulator's http-parser wrapper in response mode, so a program knows when
// a response is complete. It speaks to a Duplex, so the same client runs
// over TCP or over TLS (the https lesson's connect_tls).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "real/client_host.hpp"
#include "sim/http_parser.hpp"

namespace loopscope::real {

class HttpClientConnection : public ClientConnection, private sim::HttpParserEvents {
public:
    HttpClientConnection(ClientHost& host, std::uint32_t client);
    ~HttpClientConnection() override;

    // Writes one request (the stream queues what the kernel does not take
    // yet) and counts it.
    void send_request(std::string_view bytes);

    std::uint32_t responses_complete() const { return complete_; }
    bool failed() const { return parser_.failed(); }
    bool last_keep_alive() const { return keep_alive_; }
    unsigned last_status() const { return status_; }
    std::uint64_t body_bytes() const { return body_; }

protected:
    // A response is complete, or the bytes were not HTTP (failed()). Runs
    // after the parser has returned, so the program may close or send the
    // next request from here.
    virtual void response_hook() {}
    // The server closed: the parser is finished (a response framed by the
    // end of the connection is complete now); the stream then closes.
    void end_hook() override;
    void data_hook(std::string_view bytes) override;

private:
    void parsed(std::uint32_t complete_before, bool failed_before);
    // sim::HttpParserEvents
    void on_headers_complete(const sim::HttpHead& head) override;
    void on_body(std::string_view bytes) override { body_ += bytes.size(); }
    void on_message_complete() override { ++complete_; }

    sim::HttpParser parser_;
    std::uint32_t complete_ = 0;
    bool keep_alive_ = true;
    unsigned status_ = 0;
    std::uint64_t body_ = 0;
};

// "127.0.0.1:3000": what the clients put in their Host header.
std::string host_header(const ClientHost& host);

}  // namespace loopscope::real
