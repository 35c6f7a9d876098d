// https.createServer on the real loop: the scenario's HTTP server program
// (real/http_server.hpp) fed TLS streams. A TlsServer (real/tls_server.hpp)
// owns the listener and runs each connection's handshake; every stream
// whose handshake is done is adopted by the HttpServerProgram, which serves
// it exactly as it serves a TcpStream ("TLS sits on TCP").
#pragma once

#include <memory>

#include "real/programs.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

// For a scenario with server.tls true. The server's certificate is made
// now (real/tls_certificate.hpp); `notes` says which. Throws
// std::invalid_argument for a server.program without an HTTP form, an
// unknown server.tls_signature or a server.tls_version other than 12 or 13.
std::unique_ptr<ServerProgram> make_https_server(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

}  // namespace loopscope::real
