// server.program "site": a static web site.
//   http.createServer((req, res) => {
//     res.setHeader("Content-Type", type(req.url));
//     res.end(files[req.url]);
//   })
#include "sim/http_site.hpp"

#include "sim/http_server.hpp"

namespace loopscope::sim {

std::vector<SiteResource> site_resources(const ServerParams& p) {
    std::vector<SiteResource> list = {
        {"/", "text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", p.site_html_bytes},
        {"/style.css", "text/css", "text/css,*/*;q=0.1", p.site_css_bytes},
        {"/app.js", "text/javascript", "*/*", p.site_js_bytes},
    };
    for (std::uint32_t i = 1; i <= p.site_images; ++i)
        list.push_back({"/img" + std::to_string(i) + ".png", "image/png", "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
                        p.site_image_bytes});
    return list;
}

namespace {

class SiteHandler final : public HttpHandler {
public:
    explicit SiteHandler(const ServerParams& params) : files_(site_resources(params)) {}

    void on_request(HttpApi& http, RequestId req) override {
        for (const SiteResource& file : files_) {
            if (file.path != http.request(req).url) continue;
            http.set_header(req, "Content-Type", file.content_type);
            http.end(req, site_resource_body(file));
            return;
        }
        http.end(req);  // no such file: an empty body
    }

private:

    std::vector<SiteResource> files_;
};

}  // namespace

std::unique_ptr<HttpHandler> make_site_handler(const ServerParams& params) {
    return std::make_unique<SiteHandler>(params);
}

std::string site_resource_body(const SiteResource& file) {
    const bool image = file.content_type == "image/png";
    const std::string_view pattern = image ? std::string_view("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)
                                           : std::string_view("<p>loopscope keeps the connection alive.</p>\n");
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(file.bytes));
    while (bytes.size() < file.bytes)
        bytes.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), static_cast<std::size_t>(file.bytes - bytes.size()))));
    return bytes;
}

}  // namespace loopscope::sim
