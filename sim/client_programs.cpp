// Choosing the client program a scenario names, and the filler the
// socket-level programs send.
#include <stdexcept>

#include "sim/client_program.hpp"

namespace loopscope::sim {

std::unique_ptr<ClientProgram> make_echo_client(const Scenario& scenario);
std::unique_ptr<ClientProgram> make_uploader_client(const Scenario& scenario);
std::unique_ptr<ClientProgram> make_slow_reader_client(const Scenario& scenario);
std::unique_ptr<ClientProgram> make_http_get_client(const Scenario& scenario);
std::unique_ptr<ClientProgram> make_browser_client(const Scenario& scenario);

std::unique_ptr<ClientProgram> make_client_program(const Scenario& scenario) {
    const std::string& name = scenario.clients.program;
    if (name == "echo") return make_echo_client(scenario);
    if (name == "uploader") return make_uploader_client(scenario);
    if (name == "slow-reader") return make_slow_reader_client(scenario);
    if (name == "http-get") return make_http_get_client(scenario);
    if (name == "browser") return make_browser_client(scenario);
    throw std::invalid_argument("unknown client program \"" + name + "\"");
}

std::string filler_bytes(std::uint64_t offset, std::uint64_t n) {
    constexpr std::string_view pattern = "Hello from a loopscope client! ";
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(n));
    std::size_t at = static_cast<std::size_t>(offset % pattern.size());
    while (bytes.size() < n) {
        const std::size_t take = std::min<std::size_t>(pattern.size() - at, static_cast<std::size_t>(n - bytes.size()));
        bytes.append(pattern.substr(at, take));
        at = 0;
    }
    return bytes;
}

}  // namespace loopscope::sim
