// server.program "site": the keep-alive lesson's small web site, the same
// files as the simulator's (sim::site_resources), made once at start.
//   http.createServer((req, res) => {
//     res.setHeader("Content-Type", type(req.url));
//     res.end(files[req.url]);
//   })
#include <algorithm>
#include <vector>

#include "real/http_exchange.hpp"
#include "real/http_handlers.hpp"
#include "sim/http_site.hpp"

namespace loopscope::real {
namespace {

class SiteHandler final : public HttpHandler {
public:
    explicit SiteHandler(const sim::ServerParams& params) {
        for (const sim::SiteResource& file : sim::site_resources(params)) files_.push_back({file, sim::site_resource_body(file)});
    }

    void on_request(HttpExchange& res) override {
        for (const File& file : files_) {
            if (file.resource.path != res.request().url) continue;
            res.set_header("Content-Type", file.resource.content_type);
            res.end(file.body);
            return;
        }
        res.end();  // no such file: an empty body, as the simulator's site answers
    }

private:
    struct File {
        sim::SiteResource resource;
        std::string body;
    };


    std::vector<File> files_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_site_handler(const sim::ServerParams& params) {
    return std::make_unique<SiteHandler>(params);
}

}  // namespace loopscope::real
