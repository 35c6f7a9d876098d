// clients.program "uploader" on real sockets: each client writes
// clients.upload_bytes as fast as write() allows (waiting for 'drain' when
// it returns false), then ends (close_when_done), reads whatever the server
// says and closes when the server closes.
#pragma once

#include <memory>

#include "real/client_host.hpp"

namespace loopscope::real {

std::unique_ptr<ClientProgram> make_uploader_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
