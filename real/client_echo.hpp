// clients.program "echo" on real sockets: each of clients.count clients
// connects (clients.start_interval_ns apart), sends clients.messages
// messages of clients.message_bytes, each once the previous echo has come
// back (think_ns later), then ends its side (close_when_done) — the
// simulator's echo client (sim/client_echo.cpp) with the same bytes.
#pragma once

#include <memory>

#include "real/programs.hpp"

namespace loopscope::real {

std::unique_ptr<ClientProgram> make_echo_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
