// clients.program "bad-request": sends one request Node must refuse, chosen
// by clients.request, reads the answer until the server closes, then
// closes:
//   malformed          a request line that is not HTTP        -> 400
//   header-too-large   a header over Node's 16 KiB limit       -> 431
//   both-lengths       Content-Length and Transfer-Encoding    -> 400
#include <memory>
#include <stdexcept>
#include <vector>

#include "sim/client_http.hpp"

namespace loopscope::sim {

std::string bad_request_bytes(std::string_view variant, std::string_view host) {
    const std::string h = "Host: " + std::string(host) + "\r\n";
    if (variant == "malformed") return "HELLO SERVER\r\n\r\n";
    if (variant == "header-too-large")
        return "GET / HTTP/1.1\r\n" + h + "Cookie: " + std::string(node_max_header_bytes + 1024, 'c') + "\r\n\r\n";
    if (variant == "both-lengths")
        return "POST /form HTTP/1.1\r\n" + h +
               "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    throw std::invalid_argument("unknown clients.request \"" + std::string(variant) + "\"");
}

namespace {

class BadRequestClient final : public ClientProgram {
public:
    explicit BadRequestClient(const Scenario& scenario)
        : request_(bad_request_bytes(scenario.clients.request, "localhost:" + std::to_string(scenario.server.port))) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        h.send(request_);
        h.pump(api, now, conn);
    }

    // The server answers and closes; the host closes our side at EOF.
    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        h.pump(api, now, conn);
        h.receive(api, now, conn);
    }

private:
    HttpClientConnection& at(std::int32_t conn) {
        if (conns_.size() <= static_cast<std::size_t>(conn)) conns_.resize(static_cast<std::size_t>(conn) + 1);
        auto& slot = conns_[static_cast<std::size_t>(conn)];
        if (!slot) slot = std::make_unique<HttpClientConnection>();
        return *slot;
    }

    std::string request_;
    std::vector<std::unique_ptr<HttpClientConnection>> conns_;
};

}  // namespace

std::unique_ptr<ClientProgram> make_bad_request_client(const Scenario& scenario) {
    return std::make_unique<BadRequestClient>(scenario);
}

}  // namespace loopscope::sim
