#include "real/client_bad_request.hpp"

#include "real/http_get.hpp"
#include "sim/client_http.hpp"

namespace loopscope::real {
namespace {

class BadRequestConnection final : public HttpClientConnection {
public:
    BadRequestConnection(ClientHost& host, std::uint32_t client) : HttpClientConnection(host, client) {}

private:
    // The server answers (400 or 431) and closes; end_hook() closes ours.
    void connected_hook() override {
        send_request(sim::bad_request_bytes(host().params().request, host_header(host())));
    }
    void closed_hook() override { host().client_finished(client()); }
};

class BadRequestClient final : public ClientHost {
public:
    BadRequestClient(Loop& loop, const sim::Scenario& scenario) : ClientHost(loop, scenario) {
        sim::bad_request_bytes(scenario.clients.request, "localhost");  // throws for an unknown variant, before any connection
    }

private:
    void start_client(std::uint32_t client) override {
        open(std::make_unique<BadRequestConnection>(*this, client), client_stream_options(scenario()));
    }
};

}  // namespace

std::unique_ptr<ClientProgram> make_bad_request_client(Loop& loop, const sim::Scenario& scenario, RunNotes&) {
    return std::make_unique<BadRequestClient>(loop, scenario);
}

}  // namespace loopscope::real
