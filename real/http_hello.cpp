// server.program "hello": chapter §7's server.
//   http.createServer((req, res) => { res.write("Hello world"); res.end(); })
// With server.hello_end_with_body it is res.end("Hello world") instead,
// so Node knows the length and sends Content-Length rather than chunks.
#include "real/http_exchange.hpp"
#include "real/http_handlers.hpp"

namespace loopscope::real {
namespace {

class HelloHandler final : public HttpHandler {
public:
    explicit HelloHandler(const sim::ServerParams& params)
        : body_(params.hello_body), content_type_(params.content_type), end_with_body_(params.hello_end_with_body) {}

    void on_request(HttpExchange& res) override {
        if (!content_type_.empty()) res.set_header("Content-Type", content_type_);
        if (end_with_body_) {
            res.end(body_);
            return;
        }
        res.write(body_);
        res.end();
    }

private:
    std::string body_;
    std::string content_type_;
    bool end_with_body_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_hello_handler(const sim::ServerParams& params) {
    return std::make_unique<HelloHandler>(params);
}

}  // namespace loopscope::real
