// The registry of real server programs: scenario `server.program` → the
// program that serves it on real sockets. One row per program.
#include <stdexcept>
#include <string_view>

#include "real/http_server.hpp"
#include "real/https_server.hpp"
#include "real/programs.hpp"
#include "real/server_tcp.hpp"

namespace loopscope::real {

namespace {

using MakeServer = std::unique_ptr<ServerProgram> (*)(Loop&, const sim::Scenario&, RunNotes&);

struct ServerRow {
    std::string_view program;
    MakeServer make;
};

constexpr ServerRow server_rows[] = {
    {"echo", make_tcp_server},
    {"sink", make_tcp_server},
    {"payload", make_tcp_server},
    {"hello", make_http_server},
    {"site", make_http_server},
    {"stream", make_http_server},
    {"blocking", make_http_server},
};

}  // namespace

std::unique_ptr<ServerProgram> make_server_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    // https.createServer: the program's HTTP server behind TLS.
    if (scenario.server.tls) return make_https_server(loop, scenario, notes);
    for (const ServerRow& row : server_rows)
        if (row.program == scenario.server.program) return row.make(loop, scenario, notes);
    std::string known;
    for (const ServerRow& row : server_rows) known += (known.empty() ? "" : ", ") + std::string(row.program);
    throw std::invalid_argument("server.program \"" + scenario.server.program +
                                "\" has no real form yet (real mode has: " + known + ")");
}

}  // namespace loopscope::real
