// server.program "blocking": chapter §15's one way to freeze Node.
//   setInterval(() => {}, 10);                 // shows event-loop lag
//   http.createServer((req, res) => {
//     if (req.url === "/report") {
//       buildReport();                          // 200 ms of JavaScript
//       res.end("report ready");
//     } else {
//       res.end("Hello world");
//     }
//   });
// While buildReport runs, nothing else on the main thread can: other
// clients' requests wait in the kernel and the interval's timer runs late.
#include "sim/http_server.hpp"

namespace loopscope::sim {
namespace {

class BlockingHandler final : public HttpHandler {
public:
    explicit BlockingHandler(const ServerParams& params) : params_(params) {}

    void on_listening(HttpApi& http) override {
        if (params_.interval_ns > 0) http.set_timeout(params_.interval_ns, 0);
    }

    void on_timer(HttpApi& http, std::uint64_t) override {
        // setInterval re-arms from the time this callback started (Node's
        // listOnTimeout inserts the timer again with that start time), so a
        // late timer does not run twice to catch up.
        http.set_timeout(params_.interval_ns, 0);
    }

    void on_request(HttpApi& http, RequestId req) override {
        if (!params_.content_type.empty()) http.set_header(req, "Content-Type", params_.content_type);
        if (http.request(req).url == params_.burn_path && params_.burn_cpu_ns > 0) {
            // The response is written when the computation is over.
            http.node().burn_cpu_then(params_.burn_cpu_ns, http.connection_of(req), req);
            return;
        }
        http.end(req, params_.hello_body);
    }

    void on_cpu_done(HttpApi& http, std::int32_t, std::uint64_t req) override { http.end(req, "report ready"); }

private:
    ServerParams params_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_blocking_handler(const ServerParams& params) {
    return std::make_unique<BlockingHandler>(params);
}

}  // namespace loopscope::sim
