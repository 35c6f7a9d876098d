// clients.program "browser": loads the site's page, then the resources it
// links to, over at most max_connections connections per browser, as a
// browser does: a request goes to an idle kept-alive connection if there is
// one, else to a new connection while fewer than max_connections are open.
// With keep_alive false each request says Connection: close, so every
// resource costs its own connection (handshake and all).
#include <deque>
#include <memory>
#include <vector>

#include "sim/client_http.hpp"
#include "sim/http_site.hpp"

namespace loopscope::sim {
namespace {

class BrowserClient final : public ClientProgram {
public:
    explicit BrowserClient(const Scenario& scenario)
        : params_(scenario.clients), site_(site_resources(scenario.server)),
          host_("localhost:" + std::to_string(scenario.server.port)), browsers_(scenario.clients.count) {}

    void start(ClientApi& api, Nanos now, std::uint32_t client) override { load_page(api, now, client); }

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        at(conn).connected = true;
        dispatch(api, now, at(conn).browser);
    }

    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        Conn& c = at(conn);
        c.http.pump(api, now, conn);
        const std::uint32_t before = c.http.responses_complete();
        c.http.receive(api, now, conn);
        if (api.eof(conn) || c.http.failed()) c.usable = false;
        if (c.busy && c.http.responses_complete() > before) {
            c.busy = false;
            if (!c.http.last_keep_alive()) c.usable = false;  // the server will close it
            finished(api, now, c.browser, c.resource);
        }
        if (!c.usable && !c.busy) forget(c.browser, conn);
    }

    void on_client_timer(ClientApi& api, Nanos now, std::uint32_t browser, std::uint64_t) override {
        load_page(api, now, browser);
    }

private:
    struct Conn {
        std::uint32_t browser = 0;
        HttpClientConnection http;
        bool connected = false;
        bool busy = false;
        bool usable = true;  // may carry another request
        std::size_t resource = 0;
    };
    struct Browser {
        std::vector<std::int32_t> open;  // connections that may take a request
        std::deque<std::size_t> queue;   // resources waiting for a connection
        std::uint32_t loads = 0;
        std::uint32_t in_flight = 0;
    };

    Conn& at(std::int32_t conn) {
        if (conns_.size() <= static_cast<std::size_t>(conn)) conns_.resize(static_cast<std::size_t>(conn) + 1);
        auto& slot = conns_[static_cast<std::size_t>(conn)];
        if (!slot) slot = std::make_unique<Conn>();
        return *slot;
    }

    void load_page(ClientApi& api, Nanos now, std::uint32_t browser) {
        ++browsers_[browser].loads;
        browsers_[browser].queue.push_back(0);
        dispatch(api, now, browser);
    }

    void finished(ClientApi& api, Nanos now, std::uint32_t browser, std::size_t resource) {
        Browser& b = browsers_[browser];
        --b.in_flight;
        if (resource == 0)  // the page is parsed: fetch what it links to
            for (std::size_t i = 1; i < site_.size(); ++i) b.queue.push_back(i);
        dispatch(api, now, browser);
        if (b.in_flight == 0 && b.queue.empty() && b.loads < params_.page_loads)
            api.set_client_timer(now, browser, params_.think_ns, 0);
    }

    // Idle connections take the waiting requests; new ones are opened for
    // the rest, up to max_connections.
    void dispatch(ClientApi& api, Nanos now, std::uint32_t browser) {
        Browser& b = browsers_[browser];
        std::size_t connecting = 0;
        for (std::int32_t conn : b.open) {
            Conn& c = at(conn);
            if (!c.connected) {
                ++connecting;
                continue;
            }
            if (c.busy || !c.usable || b.queue.empty()) continue;
            c.resource = b.queue.front();
            b.queue.pop_front();
            c.busy = true;
            ++b.in_flight;
            const SiteResource& r = site_[c.resource];
            c.http.send(browser_get(r.path, host_, r.accept, params_.keep_alive));
            c.http.pump(api, now, conn);
        }
        while (b.queue.size() > connecting && b.open.size() < params_.max_connections) {
            const std::int32_t conn = api.connect(now, browser);
            at(conn).browser = browser;
            b.open.push_back(conn);
            ++connecting;
        }
    }

    void forget(std::uint32_t browser, std::int32_t conn) {
        auto& open = browsers_[browser].open;
        std::erase(open, conn);
    }

    ClientParams params_;
    std::vector<SiteResource> site_;
    std::string host_;
    std::vector<Browser> browsers_;
    std::vector<std::unique_ptr<Conn>> conns_;  // by connection id
};

}  // namespace

std::unique_ptr<ClientProgram> make_browser_client(const Scenario& scenario) {
    return std::make_unique<BrowserClient>(scenario);
}

}  // namespace loopscope::sim
