// clients.program "http-get": a browser's single GET of clients.path
// (the first clients.slow_clients clients ask for server.slow_path). It reads the
// response with http-parser to know when it is complete, then closes
// (close_when_done) or, after Connection: close, waits for the server's FIN.
// With read_slowly it takes read_bytes every read_interval_ns instead of
// everything as it arrives: a client on a slower link than the server's
// disk, so its receive window closes and the server's writes back up.
#include <memory>
#include <vector>

#include "sim/client_http.hpp"

namespace loopscope::sim {
namespace {

class HttpGetClient final : public ClientProgram {
public:
    HttpGetClient(const Scenario& scenario, bool stay_idle)
        : params_(scenario.clients), stay_idle_(stay_idle), host_("localhost:" + std::to_string(scenario.server.port)),
          slow_path_(scenario.server.slow_path) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        const bool slow = api.client_of(conn) < params_.slow_clients;
        h.send(browser_get(slow ? slow_path_ : params_.path, host_, accept_document));
        h.pump(api, now, conn);
        if (params_.read_slowly) api.set_timer(now, conn, params_.read_interval_ns, 0);
    }

    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        HttpClientConnection& h = at(conn);
        h.pump(api, now, conn);
        if (!params_.read_slowly) receive(api, now, conn, ~std::uint64_t{0});
    }

    void on_timer(ClientApi& api, Nanos now, std::int32_t conn, std::uint64_t) override {
        if (api.closed(conn)) return;
        receive(api, now, conn, params_.read_bytes);
        if (!api.closed(conn) && !api.eof(conn)) api.set_timer(now, conn, params_.read_interval_ns, 0);
    }

private:
    void receive(ClientApi& api, Nanos now, std::int32_t conn, std::uint64_t max) {
        HttpClientConnection& h = at(conn);
        h.receive(api, now, conn, max);
        if ((h.responses_complete() > 0 || h.failed()) && h.last_keep_alive() && params_.close_when_done && !stay_idle_)
            api.close(now, conn);
    }

    HttpClientConnection& at(std::int32_t conn) {
        if (conns_.size() <= static_cast<std::size_t>(conn)) conns_.resize(static_cast<std::size_t>(conn) + 1);
        auto& slot = conns_[static_cast<std::size_t>(conn)];
        if (!slot) slot = std::make_unique<HttpClientConnection>();
        return *slot;
    }

    ClientParams params_;
    bool stay_idle_;  // load: keep every connection open after its response
    std::string host_;
    std::string slow_path_;
    std::vector<std::unique_ptr<HttpClientConnection>> conns_;  // by connection id
};

}  // namespace

std::unique_ptr<ClientProgram> make_http_get_client(const Scenario& scenario) {
    return std::make_unique<HttpGetClient>(scenario, false);
}

// clients.program "load": many clients, each one GET, then the connection
// stays open and idle on keep-alive (the ten-thousand lesson).
std::unique_ptr<ClientProgram> make_load_client(const Scenario& scenario) {
    return std::make_unique<HttpGetClient>(scenario, true);
}

}  // namespace loopscope::sim
