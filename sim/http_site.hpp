// The small web site of the keep-alive lesson: a page and the resources it
// links to. The server program "site" serves it; the "browser" client
// fetches it. Both take the list from the scenario, so they agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace loopscope::sim {

struct SiteResource {
    std::string path;          // "/", "/style.css", "/img1.png", ...
    std::string content_type;  // "text/html", ...
    std::string accept;        // what a browser's Accept header says for it
    std::uint64_t bytes = 0;
};

// Index 0 is the page; the rest are what it links to, in document order.
std::vector<SiteResource> site_resources(const ServerParams& params);
// A resource's bytes: text files are text, images start as a PNG does (so
// the trace keeps no payload text for them). Real mode serves the same bytes.
std::string site_resource_body(const SiteResource& file);

}  // namespace loopscope::sim
