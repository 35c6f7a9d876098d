#include "real/client_http_get.hpp"

#include "real/tls_stream.hpp"

#include <algorithm>

#include "real/client_slow_reader.hpp"
#include "real/http_get.hpp"
#include "sim/client_http.hpp"

namespace loopscope::real {
namespace {

class GetConnection final : public HttpClientConnection {
public:
    GetConnection(ClientHost& host, std::uint32_t client, std::string path, bool stay_connected)
        : HttpClientConnection(host, client), path_(std::move(path)), stay_connected_(stay_connected),
          pacer_(*this, host.params().read_interval_ns) {}

private:
    void connected_hook() override {
        send_request(sim::browser_get(path_, host_header(host()), sim::accept_document));
        if (host().params().read_slowly) pacer_.start(host().loop());
    }

    void data_hook(std::string_view bytes) override {
        HttpClientConnection::data_hook(bytes);
        if (host().params().read_slowly && !closed()) pacer_.on_read();
    }

    void end_hook() override {
        pacer_.stop();
        HttpClientConnection::end_hook();
    }

    void response_hook() override {
        if (stay_connected_) {
            host().client_finished(client());
            return;
        }
        // A kept-alive connection is ours to close (or to leave open when
        // close_when_done is false: the work is done either way); after
        // Connection: close the server closes it and end_hook() follows.
        if (!last_keep_alive()) return;
        if (host().params().close_when_done)
            close();
        else
            host().client_finished(client());
    }

    void closed_hook() override {
        pacer_.stop();
        host().client_finished(client());
    }

    std::string path_;
    bool stay_connected_;
    ReadPacer pacer_;
};

class HttpGetClient final : public ClientHost {
public:
    HttpGetClient(Loop& loop, const sim::Scenario& scenario, Connector connector, bool stay_connected)
        : ClientHost(loop, scenario, std::move(connector)), stay_connected_(stay_connected) {}

private:
    void start_client(std::uint32_t client) override {
        const bool slow = client < params().slow_clients;
        StreamOptions options = client_stream_options(scenario(), params().read_slowly);
        if (params().read_slowly) options.max_read_bytes = std::max<std::uint64_t>(1, params().read_bytes);
        open(std::make_unique<GetConnection>(*this, client, slow ? scenario().server.slow_path : params().path,
                                             stay_connected_),
             options);
    }

    bool stay_connected_;
};

}  // namespace

std::unique_ptr<ClientHost> make_http_get_host(Loop& loop, const sim::Scenario& scenario, Connector connector,
                                               bool stay_connected) {
    return std::make_unique<HttpGetClient>(loop, scenario, std::move(connector), stay_connected);
}

std::unique_ptr<ClientProgram> make_http_get_client_over(Loop& loop, const sim::Scenario& scenario, RunNotes&,
                                                         Connector connector) {
    return make_http_get_host(loop, scenario, std::move(connector), false);
}

std::unique_ptr<ClientProgram> make_http_get_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    if (!scenario.server.tls) return make_http_get_client_over(loop, scenario, notes, tcp_connector());
    // The https lesson: the same GET over TLS (https.get), at the server's version.
    const std::uint32_t version = scenario.server.tls_version;
    Connector tls = [version](Loop& l, const std::string& host, std::uint16_t port, StreamEvents& events,
                              const StreamOptions& options) -> std::unique_ptr<Duplex> {
        TlsClientOptions tls_options;
        tls_options.max_version = version;
        tls_options.stream = options;
        try {
            return connect_tls(l, host, port, events, tls_options);
        } catch (const std::system_error&) {
            return nullptr;  // out of descriptors, as tcp_connector()
        }
    };
    return make_http_get_client_over(loop, scenario, notes, std::move(tls));
}

}  // namespace loopscope::real
