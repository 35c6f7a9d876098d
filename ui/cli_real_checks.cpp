#include "ui/cli_real_checks.hpp"

#include <arpa/inet.h>

#include "real/poller.hpp"

namespace loopscope::ui {

std::string backends_text() {
    std::string text;
    for (const std::string& name : real::available_backends()) text += (text.empty() ? "" : ", ") + name;
    return text;
}

std::optional<std::string> check_backend(const std::string& backend) {
    if (backend == "native") return std::nullopt;
    for (const std::string& name : real::available_backends())
        if (name == backend) return std::nullopt;
    return "--backend " + backend + ": this build has " + backends_text() + " (or native)";
}

std::optional<std::string> check_port(int port, bool zero_allowed) {
    if (port < (zero_allowed ? 0 : 1) || port > 65535)
        return "--port " + std::to_string(port) + ": expected " + (zero_allowed ? "0 (any free port) or " : "") +
               "1 to 65535";
    return std::nullopt;
}

std::optional<std::string> check_listen(const std::string& address) {
    in_addr parsed{};
    if (inet_pton(AF_INET, address.c_str(), &parsed) == 1) return std::nullopt;
    return "--listen " + address + ": expected an IPv4 address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every "
           "interface)";
}

std::optional<std::string> check_server_options(const std::string& backend, int port, bool zero_port_allowed,
                                                const std::string& address) {
    if (auto problem = check_backend(backend)) return problem;
    if (auto problem = check_port(port, zero_port_allowed)) return problem;
    return check_listen(address);
}

}  // namespace loopscope::ui
