// The plain TCP server programs of the lessons: echo ("You said: " + data,
// the chapter's first server), sink (reads and says nothing) and payload
// (writes server.payload_bytes in server.chunk_bytes pieces, stopping at
// write() false and going on at 'drain', as pipe() does).
#pragma once

#include <memory>

#include "real/programs.hpp"

namespace loopscope::real {

std::unique_ptr<ServerProgram> make_tcp_server(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
