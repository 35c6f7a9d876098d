#include "real/client_browser.hpp"

#include <deque>
#include <vector>

#include "real/http_get.hpp"
#include "sim/client_http.hpp"
#include "sim/http_site.hpp"

namespace loopscope::real {
namespace {

class BrowserClient;

class PageConnection final : public HttpClientConnection {
public:
    PageConnection(BrowserClient& browser_client, std::uint32_t browser);

    bool busy = false;
    bool usable = true;  // may carry another request
    std::size_t resource = 0;

private:
    void connected_hook() override;
    void response_hook() override;
    void closed_hook() override;
    BrowserClient& browsers_;
};

class BrowserClient final : public ClientHost {
public:
    BrowserClient(Loop& loop, const sim::Scenario& scenario, Connector connector)
        : ClientHost(loop, scenario, std::move(connector)), site_(sim::site_resources(scenario.server)),
          browsers_(scenario.clients.count) {}

    ~BrowserClient() override { stop_think_timers(); }

    void close() override {
        shutting_down_ = true;
        stop_think_timers();
        ClientHost::close();
    }

    // Idle connections take the waiting requests; new ones are opened for
    // the rest, up to max_connections.
    void dispatch(std::uint32_t browser) {
        Browser& b = browsers_[browser];
        if (shutting_down_) return;
        std::size_t connecting = 0;
        const std::vector<PageConnection*> open_now = b.open;  // a write may close a connection
        for (PageConnection* c : open_now) {
            if (!c->connected()) {
                ++connecting;
                continue;
            }
            if (c->busy || !c->usable || b.queue.empty()) continue;
            c->resource = b.queue.front();
            b.queue.pop_front();
            c->busy = true;
            ++b.in_flight;
            const sim::SiteResource& r = site_[c->resource];
            c->send_request(sim::browser_get(r.path, host_header(*this), r.accept, params().keep_alive));
        }
        while (b.queue.size() > connecting && b.open.size() < params().max_connections) {
            auto connection = std::make_unique<PageConnection>(*this, browser);
            PageConnection* c = connection.get();
            b.open.push_back(c);
            ++connecting;
            open(std::move(connection), client_stream_options(scenario()));
            if (c->closed()) break;  // no socket could be made: closed_hook() has given up
        }
    }

    void response_done(PageConnection& c) {
        if (!c.busy) return;
        c.busy = false;
        if (c.failed() || !c.last_keep_alive()) c.usable = false;  // the server will close it
        if (!c.usable) forget(c);
        finished(c.client(), c.resource);
    }

    // A connection went away. One that never connected means the server
    // cannot be reached: the browser gives up rather than retry forever.
    void connection_closed(PageConnection& c) {
        Browser& b = browsers_[c.client()];
        forget(c);
        if (shutting_down_) return;
        const bool lost_request = c.busy;
        if (c.busy) {
            c.busy = false;
            --b.in_flight;
        }
        if (!c.connected() || lost_request) {
            b.queue.clear();
            b.loads = params().page_loads;
            b.gave_up = true;
        }
        if (b.gave_up) {
            if (b.in_flight == 0) client_finished(c.client());
            return;
        }
        dispatch(c.client());
    }

private:
    struct Browser {
        std::vector<PageConnection*> open;  // connections that may take a request
        std::deque<std::size_t> queue;      // resources waiting for a connection
        std::uint32_t loads = 0;
        std::uint32_t in_flight = 0;
        bool gave_up = false;
        bool thinking = false;
        TimerId think_timer = 0;
    };

    void start_client(std::uint32_t browser) override { load_page(browser); }

    void load_page(std::uint32_t browser) {
        Browser& b = browsers_[browser];
        ++b.loads;
        b.queue.push_back(0);
        dispatch(browser);
    }

    void finished(std::uint32_t browser, std::size_t resource) {
        Browser& b = browsers_[browser];
        --b.in_flight;
        if (resource == 0 && !b.gave_up)  // the page is parsed: fetch what it links to
            for (std::size_t i = 1; i < site_.size(); ++i) b.queue.push_back(i);
        dispatch(browser);
        if (b.in_flight != 0 || !b.queue.empty()) return;
        if (b.loads < params().page_loads && !b.gave_up) {
            b.thinking = true;
            b.think_timer = loop().start_timer(params().think_ns, [this, browser] {
                browsers_[browser].thinking = false;
                load_page(browser);
            });
        } else {
            client_finished(browser);
        }
    }

    void forget(PageConnection& c) { std::erase(browsers_[c.client()].open, &c); }

    void stop_think_timers() {
        for (Browser& b : browsers_)
            if (b.thinking) {
                loop().stop_timer(b.think_timer);
                b.thinking = false;
            }
    }

    std::vector<sim::SiteResource> site_;
    std::vector<Browser> browsers_;
    bool shutting_down_ = false;  // close(): connections closing now must not open new ones
};

PageConnection::PageConnection(BrowserClient& browser_client, std::uint32_t browser)
    : HttpClientConnection(browser_client, browser), browsers_(browser_client) {}

void PageConnection::connected_hook() { browsers_.dispatch(client()); }
void PageConnection::response_hook() { browsers_.response_done(*this); }
void PageConnection::closed_hook() { browsers_.connection_closed(*this); }

}  // namespace

std::unique_ptr<ClientProgram> make_browser_client_over(Loop& loop, const sim::Scenario& scenario, RunNotes&,
                                                        Connector connector) {
    return std::make_unique<BrowserClient>(loop, scenario, std::move(connector));
}

std::unique_ptr<ClientProgram> make_browser_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    return make_browser_client_over(loop, scenario, notes, tcp_connector());
}

}  // namespace loopscope::real
