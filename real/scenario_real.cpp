#include "real/scenario_real.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace loopscope::real {

namespace {

void collect(const nlohmann::json& object, const std::string& prefix, std::vector<std::string>& out) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it->is_object()) collect(*it, path, out);
        else out.push_back(path);
    }
}

struct Ignored {
    std::string_view path;  // a field, or a prefix ending in '.'
    std::string_view why;
};

// Fields (or groups) that only the simulator can honour, and why.
constexpr Ignored simulator_only[] = {
    {"network.", "real mode runs on loopback, whose latency and bandwidth are the machine's own"},
    {"seed", "a real run is not random by seed: the machine decides the timing"},
    {"epoll_max_events", "the real loop asks for up to 1024 events per wait, as libuv does"},
    {"threadpool_size", "the real programs do not use a thread pool"},
    {"server.cpu_per_callback_ns", "real callbacks take the CPU time they really take"},
    {"server.model", "real mode runs the event-loop server only"},
    {"server.cores", "real mode runs the event-loop server only"},
    {"server.time_slice_ns", "real mode runs the event-loop server only"},
    {"server.context_switch_ns", "real mode runs the event-loop server only"},
    {"server.thread_stack_bytes", "real mode runs the event-loop server only"},
    {"server.thread_resident_bytes", "real mode runs the event-loop server only"},
    {"server.tls_certificate_bytes", "the real certificate is generated at start and has its own size"},
    {"server.tls_x25519_ns", "real TLS takes the CPU time OpenSSL really takes"},
    {"server.tls_sign_ns", "real TLS takes the CPU time OpenSSL really takes"},
    {"server.disk_bytes_per_second", "the real file is read from this machine's disk (or page cache)"},
    {"server.pool_work_ns", "the real programs do not use a thread pool"},
};

// Metadata of the lesson, not parameters of either mode.
constexpr std::string_view lesson_fields[] = {"id", "title", "chapter", "lesson", "captions", "stop_ns"};

}  // namespace

std::vector<std::string> fields_set(const sim::Scenario& scenario) {
    std::vector<std::string> out;
    const auto json = nlohmann::json::parse(scenario.given_json, nullptr, false);
    if (json.is_object()) collect(json, "", out);
    return out;
}

bool sets_field(const sim::Scenario& scenario, const std::string& path) {
    const std::vector<std::string> set = fields_set(scenario);
    return std::find(set.begin(), set.end(), path) != set.end();
}

void note_ignored_fields(const sim::Scenario& scenario, RunNotes& notes) {
    // A lesson written for another OS runs on this machine's notifier.
    if (scenario.os != native_os())
        notes.add("os is ignored in real mode: the lesson is written for " + std::string(sim::os_name(scenario.os)) +
                  ", real mode runs on this machine's OS and notifier (" + std::string(sim::os_name(native_os())) +
                  "), and shows the captions written for it.");
    for (const std::string& path : fields_set(scenario)) {
        if (std::find(std::begin(lesson_fields), std::end(lesson_fields), path) != std::end(lesson_fields)) continue;
        for (const Ignored& rule : simulator_only) {
            const bool group = rule.path.back() == '.';
            if (group ? path.rfind(rule.path, 0) == 0 : path == rule.path) {
                notes.add(path + " is ignored in real mode: " + std::string(rule.why) + ".");
                break;
            }
        }
    }
}

}  // namespace loopscope::real
