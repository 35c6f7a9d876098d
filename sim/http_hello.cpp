// server.program "hello": chapter §7's server.
//   http.createServer((req, res) => { res.write("Hello world"); res.end(); })
// With server.hello_end_with_body it is res.end("Hello world") instead,
// so Node knows the length and sends Content-Length rather than chunks.
#include "sim/http_server.hpp"

namespace loopscope::sim {
namespace {

class HelloHandler final : public HttpHandler {
public:
    explicit HelloHandler(const ServerParams& params) : params_(params) {}

    void on_request(HttpApi& http, RequestId req) override {
        if (!params_.content_type.empty()) http.set_header(req, "Content-Type", params_.content_type);
        if (params_.hello_end_with_body) {
            http.end(req, params_.hello_body);
            return;
        }
        http.write(req, params_.hello_body);
        http.end(req);
    }

private:
    ServerParams params_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_hello_handler(const ServerParams& params) {
    return std::make_unique<HelloHandler>(params);
}

}  // namespace loopscope::sim
