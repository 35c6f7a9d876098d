// clients.program "http-get": a browser's single GET of clients.path. It
// reads the response with http-parser to know when it is complete, then
// closes (close_when_done) or, after Connection: close, waits for the
// server's FIN.
#include <memory>
#include <vector>

#include "sim/client_http.hpp"

namespace loopscope::sim {
namespace {

class HttpGetClient final : public ClientProgram {
public:
    explicit HttpGetClient(const Scenario& scenario)
        : params_(scenario.clients), host_("localhost:" + std::to_string(scenario.server.port)) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        h.send(browser_get(params_.path, host_, accept_document));
        h.pump(api, now, conn);
    }

    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        h.pump(api, now, conn);
        h.receive(api, now, conn);
        if ((h.responses_complete() > 0 || h.failed()) && h.last_keep_alive() && params_.close_when_done)
            api.close(now, conn);
    }

private:
    HttpClientConnection& at(std::int32_t conn) {
        if (conns_.size() <= static_cast<std::size_t>(conn)) conns_.resize(static_cast<std::size_t>(conn) + 1);
        auto& slot = conns_[static_cast<std::size_t>(conn)];
        if (!slot) slot = std::make_unique<HttpClientConnection>();
        return *slot;
    }

    ClientParams params_;
    std::string host_;
    std::vector<std::unique_ptr<HttpClientConnection>> conns_;  // by connection id
};

}  // namespace

std::unique_ptr<ClientProgram> make_http_get_client(const Scenario& scenario) {
    return std::make_unique<HttpGetClient>(scenario);
}

}  // namespace loopscope::sim
