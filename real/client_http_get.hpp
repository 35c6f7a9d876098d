// clients.program "http-get" on real sockets: one GET of clients.path per
// client (the first clients.slow_clients ask for server.slow_path), HTTP/1.1
// with Host and Connection: keep-alive, the response parsed with
// http-parser. Once it is complete the client closes (close_when_done), or
// after Connection: close waits for the server's FIN. With read_slowly it
// reads at most read_bytes every read_interval_ns (a small SO_RCVBUF of
// clients.recv_buffer, like slow-reader) instead of as bytes arrive.
//
// The connector decides what the GET runs over: TCP by default, TLS for a
// scenario with server.tls (pass a connector that calls connect_tls).
#pragma once

#include <memory>

#include "real/client_host.hpp"

namespace loopscope::real {

std::unique_ptr<ClientProgram> make_http_get_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);
// The same over another connector (the https lesson: one that calls connect_tls).
std::unique_ptr<ClientProgram> make_http_get_client_over(Loop& loop, const sim::Scenario& scenario, RunNotes& notes,
                                                         Connector connector);

// The program behind http-get and load (client_load.hpp): with
// `stay_connected` each connection stays open, idle on keep-alive, after
// its response, and the client counts as finished at that moment.
std::unique_ptr<ClientHost> make_http_get_host(Loop& loop, const sim::Scenario& scenario, Connector connector,
                                               bool stay_connected);

}  // namespace loopscope::real
