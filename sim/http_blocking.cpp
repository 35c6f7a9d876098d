// server.program "blocking": chapter §15's mistake, CPU-heavy JavaScript on
// the main thread.
//   setInterval(() => {}, interval);            // shows event-loop lag
//   http.createServer((req, res) => {
//     if (req.url === "/report") burnCpu(200);  // a synchronous loop
//     res.end(req.url === "/report" ? "report ready" : "Hello world");
//   })
#include "sim/http_server.hpp"

namespace loopscope::sim {
namespace {

class BlockingHandler final : public HttpHandler {
public:
    explicit BlockingHandler(const ServerParams& params) : params_(params) {}

    void on_listening(HttpApi& http) override {
        if (params_.interval_ns > 0) http.set_timeout(params_.interval_ns, 0);
    }
    void on_timer(HttpApi& http, std::uint64_t) override { http.set_timeout(params_.interval_ns, 0); }

    void on_request(HttpApi& http, RequestId req) override {
        const bool slow = http.request(req).url == params_.slow_path;
        if (slow) http.node().burn_cpu(params_.burn_cpu_ns);
        http.end(req, slow ? "report ready" : params_.hello_body);
    }

private:
    ServerParams params_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_blocking_handler(const ServerParams& params) {
    return std::make_unique<BlockingHandler>(params);
}

}  // namespace loopscope::sim
