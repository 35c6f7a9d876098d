#include "real/http_get.hpp"

namespace loopscope::real {

HttpClientConnection::HttpClientConnection(ClientHost& host, std::uint32_t client)
    : ClientConnection(host, client), parser_(sim::HttpParser::Mode::response, *this) {}

HttpClientConnection::~HttpClientConnection() = default;

void HttpClientConnection::send_request(std::string_view bytes) {
    host().count_request();
    write(bytes);
}

void HttpClientConnection::data_hook(std::string_view bytes) {
    const std::uint32_t before = complete_;
    const bool failed_before = parser_.failed();
    parser_.feed(bytes);
    parsed(before, failed_before);
}

void HttpClientConnection::end_hook() {
    const std::uint32_t before = complete_;
    const bool failed_before = parser_.failed();
    parser_.finish();
    parsed(before, failed_before);
}

void HttpClientConnection::parsed(std::uint32_t complete_before, bool failed_before) {
    for (std::uint32_t i = complete_before; i < complete_; ++i) host().count_response();
    if (complete_ > complete_before || (parser_.failed() && !failed_before)) response_hook();
}

void HttpClientConnection::on_headers_complete(const sim::HttpHead& head) {
    keep_alive_ = head.keep_alive;
    status_ = head.status;
}

std::string host_header(const ClientHost& host) {
    return host.server_host() + ":" + std::to_string(host.server_port());
}

}  // namespace loopscope::real
