// The request handlers of the real HTTP server programs, one file each
// (http_hello.cpp, http_site.cpp, http_stream.cpp, http_blocking.cpp),
// written as the simulator's (sim/http_<name>.cpp) so both serve the same
// bytes.
#pragma once

#include <memory>

#include "real/http_connection.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

std::unique_ptr<HttpHandler> make_hello_handler(const sim::ServerParams& params);
std::unique_ptr<HttpHandler> make_site_handler(const sim::ServerParams& params);
// Throws std::runtime_error when the temporary file cannot be made.
std::unique_ptr<HttpHandler> make_stream_handler(const sim::ServerParams& params);
std::unique_ptr<HttpHandler> make_blocking_handler(const sim::ServerParams& params);

}  // namespace loopscope::real
