#include "real/client_wire.hpp"

#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "sim/scenario_loader.hpp"

namespace loopscope::real {

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_text(int fd, std::string_view text) {
    const auto size = static_cast<std::uint32_t>(text.size());
    return write_all(fd, &size, sizeof size) && write_all(fd, text.data(), text.size());
}

std::string encode_child_request(const sim::Scenario& scenario, const std::string& host, std::uint16_t port,
                                 const ChildOptions& options) {
    const LoopOptions& loop = options.loop;
    const nlohmann::json request = {
        // Every field written out, and, apart, the ones the lesson gave:
        // real mode leaves Linux's buffer autotuning alone unless a size
        // was given (Scenario::given_json).
        {"scenario", sim::scenario_to_json(scenario)},
        {"given", scenario.given_json},
        {"source", scenario.source_json},
        {"host", host},
        {"port", port},
        {"loop",
         {{"backend", loop.backend},
          {"trace", loop.trace},
          {"host", loop.host},
          {"records", loop.trace_limits.records},
          {"text_bytes", loop.trace_limits.text_bytes},
          {"commit_up_front", loop.trace_limits.commit_up_front},
          {"max_events", loop.max_events},
          {"record_loop", loop.record_loop}}},
        {"time_limit_ns", options.time_limit_ns},
        {"hold_ns", options.hold_ns},
        {"max_open_files", options.max_open_files},
    };
    return request.dump();
}

std::variant<ChildRequest, std::string> decode_child_request(std::string_view json) {
    const nlohmann::json request = nlohmann::json::parse(json, nullptr, false);
    if (request.is_discarded() || !request.is_object()) return std::string("the client request is not a JSON object");
    try {
        ChildRequest out;
        auto loaded = sim::load_scenario_text(request.at("scenario").get<std::string>(), "client request");
        if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) return "the client request's scenario: " + error->text();
        out.scenario = std::move(std::get<sim::Scenario>(loaded));
        out.scenario.given_json = request.at("given").get<std::string>();
        out.scenario.source_json = request.at("source").get<std::string>();
        out.host = request.at("host").get<std::string>();
        out.port = request.at("port").get<std::uint16_t>();
        const nlohmann::json& loop = request.at("loop");
        LoopOptions& o = out.options.loop;
        o.backend = loop.at("backend").get<std::string>();
        o.trace = loop.at("trace").get<bool>();
        o.host = loop.at("host").get<std::uint8_t>();
        o.trace_limits.records = loop.at("records").get<std::size_t>();
        o.trace_limits.text_bytes = loop.at("text_bytes").get<std::size_t>();
        o.trace_limits.commit_up_front = loop.at("commit_up_front").get<bool>();
        o.max_events = loop.at("max_events").get<std::size_t>();
        o.record_loop = loop.at("record_loop").get<bool>();
        out.options.time_limit_ns = request.at("time_limit_ns").get<Nanos>();
        out.options.hold_ns = request.at("hold_ns").get<Nanos>();
        out.options.max_open_files = request.at("max_open_files").get<std::uint64_t>();
        return out;
    } catch (const nlohmann::json::exception& e) {
        return std::string("the client request is malformed: ") + e.what();
    }
}

}  // namespace loopscope::real
