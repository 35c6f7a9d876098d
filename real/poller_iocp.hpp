// The one thing the IOCP poller adds to the Poller interface (Windows only).
//
// IOCP has no "a connection is waiting" readiness: the only way to learn of
// a connection through a completion port is to accept it, with AcceptEx,
// into a socket created beforehand. So the IOCP poller accepts ahead of the
// loop: it reports the listener readable once AcceptEx has completed, and
// the loop then takes the accepted socket from the poller with
// iocp_take_accepted() instead of calling accept() (which would find the
// queue already emptied by AcceptEx). tools/iocp-check builds and runs it.
#pragma once

#ifdef _WIN32

#include <optional>

#include "real/poller.hpp"

namespace loopscope::real {

// The next socket AcceptEx accepted on `listener`, already updated with
// SO_UPDATE_ACCEPT_CONTEXT (so getpeername() and shutdown() work) and still
// blocking; the caller owns it. Nothing when none is waiting, or when
// `poller` is not the IOCP poller.
std::optional<SocketFd> iocp_take_accepted(Poller& poller, SocketFd listener);

}  // namespace loopscope::real

#endif
