// clients.program "bad-request" on real sockets: each client sends one
// request Node must refuse (clients.request: malformed, header-too-large or
// both-lengths; the bytes are the simulator's, sim/client_http.hpp), reads
// the answer until the server closes, then closes.
#pragma once

#include <memory>

#include "real/client_host.hpp"

namespace loopscope::real {

// Throws std::invalid_argument for an unknown clients.request.
std::unique_ptr<ClientProgram> make_bad_request_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
