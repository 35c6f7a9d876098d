// clients.program "browser" on real sockets: each browser loads the site's
// page ("/"), then the resources it links to (sim/http_site.hpp, the same
// list the site server serves), page_loads times, think_ns apart, over at
// most max_connections connections: a request goes to an idle kept-alive
// connection if there is one, else to a new connection while fewer than
// max_connections are open, as in the simulator's browser. With keep_alive
// false every request says Connection: close, so each resource costs its
// own connection.
#pragma once

#include <memory>

#include "real/client_host.hpp"

namespace loopscope::real {

std::unique_ptr<ClientProgram> make_browser_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);
// The same over another connector (a site over TLS).
std::unique_ptr<ClientProgram> make_browser_client_over(Loop& loop, const sim::Scenario& scenario, RunNotes& notes,
                                                        Connector connector);

}  // namespace loopscope::real
