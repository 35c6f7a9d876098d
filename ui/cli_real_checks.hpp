// The checks `loopscope real` and `loopscope serve` share for their
// arguments, so both word a bad --backend, --port or --listen the same way.
// Each returns the problem as one sentence naming the option, or nullopt.
#pragma once

#include <optional>
#include <string>

namespace loopscope::ui {

// "epoll, poll": the notifiers this build has (native picks the first).
std::string backends_text();
std::optional<std::string> check_backend(const std::string& backend);
// 1..65535; 0 (any free port) too when `zero_allowed`.
std::optional<std::string> check_port(int port, bool zero_allowed);
// An IPv4 address in dotted form (the real servers listen on IPv4).
std::optional<std::string> check_listen(const std::string& address);
// The first problem of a server's --backend, --port and --listen, in that order.
std::optional<std::string> check_server_options(const std::string& backend, int port, bool zero_port_allowed,
                                                const std::string& address);

}  // namespace loopscope::ui
