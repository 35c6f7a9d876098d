// The client programs over TLS: a ClientProgram that wraps the scenario's
// program when the server speaks TLS (server.tls). The wrapped program
// sees a socket of plaintext (what a browser's TLS stack gives the page):
// its connection is "connected" once the handshake is done, its reads are
// decrypted records and its writes become protected records. The client
// host has no CPU model, so the client's own cryptography takes no time.
#pragma once

#include <memory>

#include "sim/client_program.hpp"
#include "sim/recorder.hpp"

namespace loopscope::sim {

// `program` itself when the scenario's server does not speak TLS.
std::unique_ptr<ClientProgram> with_tls(const Scenario& scenario, std::unique_ptr<ClientProgram> program,
                                        Recorder& recorder);

}  // namespace loopscope::sim
