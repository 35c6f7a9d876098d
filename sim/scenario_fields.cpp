#include "sim/scenario_fields.hpp"

#include <limits>

namespace loopscope::sim::scenario_fields {

namespace {

constexpr std::int64_t one_day_ns = 86'400'000'000'000;
constexpr std::int64_t one_gib = std::int64_t{1} << 30;

constexpr std::string_view server_programs[] = {"echo", "sink", "payload", "hello", "site", "stream", "blocking"};
constexpr std::string_view tls_signatures[] = {"ecdsa-p256", "rsa-2048"};
constexpr std::string_view server_models[] = {"event-loop", "thread-per-connection"};
constexpr std::string_view client_programs[] = {"echo", "uploader", "slow-reader", "http-get", "browser", "bad-request", "load"};
constexpr std::string_view bad_requests[] = {"malformed", "header-too-large", "both-lengths"};

}  // namespace

// The order here is the order of docs/scenario-format.md and of source_json.
const std::vector<FieldRule>& field_rules() {
    constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
    static const std::vector<FieldRule> rules = {
        {"id", [](Scenario& s) -> FieldRef { return &s.id; }, 0, 0, {}, TextRule::identifier},
        {"title", [](Scenario& s) -> FieldRef { return &s.title; }, 0, 0, {}, TextRule::non_empty},
        {"chapter", [](Scenario& s) -> FieldRef { return &s.chapter; }},
        {"lesson", [](Scenario& s) -> FieldRef { return &s.lesson; }},
        {"seed", [](Scenario& s) -> FieldRef { return &s.seed; }, 0, i64_max},
        {"os", [](Scenario& s) -> FieldRef { return &s.os; }, 0, 0, os_choices},
        {"stop_ns", [](Scenario& s) -> FieldRef { return &s.stop_ns; }, 1, one_day_ns},
        {"epoll_max_events", [](Scenario& s) -> FieldRef { return &s.epoll_max_events; }, 1, 65536},
        {"threadpool_size", [](Scenario& s) -> FieldRef { return &s.threadpool_size; }, 1, 1024},
        {"network.latency_ns", [](Scenario& s) -> FieldRef { return &s.network.latency_ns; }, 0, one_day_ns},
        {"network.bandwidth_bps", [](Scenario& s) -> FieldRef { return &s.network.bandwidth_bps; }, 1000,
         1'000'000'000'000},
        {"network.mss", [](Scenario& s) -> FieldRef { return &s.network.mss; }, 64, 65495},
        {"network.loss", [](Scenario& s) -> FieldRef { return &s.network.loss; }, 0, 1},
        {"server.program", [](Scenario& s) -> FieldRef { return &s.server.program; }, 0, 0, server_programs},
        {"server.port", [](Scenario& s) -> FieldRef { return &s.server.port; }, 1, 65535},
        {"server.backlog", [](Scenario& s) -> FieldRef { return &s.server.backlog; }, 0, 65535},
        {"server.send_buffer", [](Scenario& s) -> FieldRef { return &s.server.send_buffer; }, 1, one_gib},
        {"server.recv_buffer", [](Scenario& s) -> FieldRef { return &s.server.recv_buffer; }, 1, one_gib},
        {"server.high_water_mark", [](Scenario& s) -> FieldRef { return &s.server.high_water_mark; }, 1, one_gib},
        {"server.cpu_per_callback_ns", [](Scenario& s) -> FieldRef { return &s.server.cpu_per_callback_ns; }, 0,
         one_day_ns},
        {"server.payload_bytes", [](Scenario& s) -> FieldRef { return &s.server.payload_bytes; }, 0, one_gib},
        {"server.chunk_bytes", [](Scenario& s) -> FieldRef { return &s.server.chunk_bytes; }, 1, one_gib},
        {"server.respect_backpressure", [](Scenario& s) -> FieldRef { return &s.server.respect_backpressure; }},
        {"server.pool_work_ns", [](Scenario& s) -> FieldRef { return &s.server.pool_work_ns; }, 0, one_day_ns},
        {"server.close_after_payload", [](Scenario& s) -> FieldRef { return &s.server.close_after_payload; }},
        {"server.tls", [](Scenario& s) -> FieldRef { return &s.server.tls; }},
        {"server.tls_version", [](Scenario& s) -> FieldRef { return &s.server.tls_version; }, 12, 13},
        {"server.tls_certificate_bytes", [](Scenario& s) -> FieldRef { return &s.server.tls_certificate_bytes; }, 0,
         1 << 24},
        {"server.tls_signature", [](Scenario& s) -> FieldRef { return &s.server.tls_signature; }, 0, 0,
         tls_signatures},
        {"server.tls_x25519_ns", [](Scenario& s) -> FieldRef { return &s.server.tls_x25519_ns; }, 0, one_day_ns},
        {"server.tls_sign_ns", [](Scenario& s) -> FieldRef { return &s.server.tls_sign_ns; }, -1, one_day_ns},
        {"server.model", [](Scenario& s) -> FieldRef { return &s.server.model; }, 0, 0, server_models},
        {"server.cores", [](Scenario& s) -> FieldRef { return &s.server.cores; }, 1, 1024},
        {"server.time_slice_ns", [](Scenario& s) -> FieldRef { return &s.server.time_slice_ns; }, 1000, one_day_ns},
        {"server.context_switch_ns", [](Scenario& s) -> FieldRef { return &s.server.context_switch_ns; }, 0,
         one_day_ns},
        {"server.thread_stack_bytes", [](Scenario& s) -> FieldRef { return &s.server.thread_stack_bytes; }, 16384,
         one_gib},
        {"server.thread_resident_bytes", [](Scenario& s) -> FieldRef { return &s.server.thread_resident_bytes; },
         0, one_gib},
        {"server.keep_alive_timeout_ns", [](Scenario& s) -> FieldRef { return &s.server.keep_alive_timeout_ns; }, 0,
         one_day_ns},
        {"server.content_type", [](Scenario& s) -> FieldRef { return &s.server.content_type; }},
        {"server.hello_body", [](Scenario& s) -> FieldRef { return &s.server.hello_body; }},
        {"server.hello_end_with_body", [](Scenario& s) -> FieldRef { return &s.server.hello_end_with_body; }},
        {"server.site_html_bytes", [](Scenario& s) -> FieldRef { return &s.server.site_html_bytes; }, 0, one_gib},
        {"server.site_css_bytes", [](Scenario& s) -> FieldRef { return &s.server.site_css_bytes; }, 0, one_gib},
        {"server.site_js_bytes", [](Scenario& s) -> FieldRef { return &s.server.site_js_bytes; }, 0, one_gib},
        {"server.site_image_bytes", [](Scenario& s) -> FieldRef { return &s.server.site_image_bytes; }, 0, one_gib},
        {"server.site_images", [](Scenario& s) -> FieldRef { return &s.server.site_images; }, 0, 100},
        {"server.file_bytes", [](Scenario& s) -> FieldRef { return &s.server.file_bytes; }, 0, 16 * one_gib},
        {"server.file_chunk_bytes", [](Scenario& s) -> FieldRef { return &s.server.file_chunk_bytes; }, 1, one_gib},
        {"server.disk_bytes_per_second", [](Scenario& s) -> FieldRef { return &s.server.disk_bytes_per_second; },
         1, 1'000'000'000'000},
        {"server.stream_content_length", [](Scenario& s) -> FieldRef { return &s.server.stream_content_length; }},
        {"server.slow_path", [](Scenario& s) -> FieldRef { return &s.server.slow_path; }, 0, 0, {}, TextRule::non_empty},
        {"server.burn_cpu_ns", [](Scenario& s) -> FieldRef { return &s.server.burn_cpu_ns; }, 0, one_day_ns},
        {"server.interval_ns", [](Scenario& s) -> FieldRef { return &s.server.interval_ns; }, 0, one_day_ns},
        {"clients.program", [](Scenario& s) -> FieldRef { return &s.clients.program; }, 0, 0, client_programs},
        {"clients.count", [](Scenario& s) -> FieldRef { return &s.clients.count; }, 1, 100000},
        {"clients.start_interval_ns", [](Scenario& s) -> FieldRef { return &s.clients.start_interval_ns; }, 0,
         one_day_ns},
        {"clients.start_at_ns", [](Scenario& s) -> FieldRef { return &s.clients.start_at_ns; }, 0, one_day_ns},
        {"clients.send_buffer", [](Scenario& s) -> FieldRef { return &s.clients.send_buffer; }, 1, one_gib},
        {"clients.recv_buffer", [](Scenario& s) -> FieldRef { return &s.clients.recv_buffer; }, 1, one_gib},
        {"clients.message_bytes", [](Scenario& s) -> FieldRef { return &s.clients.message_bytes; }, 1, one_gib},
        {"clients.messages", [](Scenario& s) -> FieldRef { return &s.clients.messages; }, 0, 1'000'000},
        {"clients.think_ns", [](Scenario& s) -> FieldRef { return &s.clients.think_ns; }, 0, one_day_ns},
        {"clients.upload_bytes", [](Scenario& s) -> FieldRef { return &s.clients.upload_bytes; }, 0, one_gib},
        {"clients.read_bytes", [](Scenario& s) -> FieldRef { return &s.clients.read_bytes; }, 1, one_gib},
        {"clients.read_interval_ns", [](Scenario& s) -> FieldRef { return &s.clients.read_interval_ns; }, 1,
         one_day_ns},
        {"clients.close_when_done", [](Scenario& s) -> FieldRef { return &s.clients.close_when_done; }},
        {"clients.path", [](Scenario& s) -> FieldRef { return &s.clients.path; }, 0, 0, {}, TextRule::non_empty},
        {"clients.slow_clients", [](Scenario& s) -> FieldRef { return &s.clients.slow_clients; }, 0, 100000},
        {"clients.keep_alive", [](Scenario& s) -> FieldRef { return &s.clients.keep_alive; }},
        {"clients.max_connections", [](Scenario& s) -> FieldRef { return &s.clients.max_connections; }, 1, 64},
        {"clients.page_loads", [](Scenario& s) -> FieldRef { return &s.clients.page_loads; }, 1, 1000},
        {"clients.request", [](Scenario& s) -> FieldRef { return &s.clients.request; }, 0, 0, bad_requests},
        {"clients.read_slowly", [](Scenario& s) -> FieldRef { return &s.clients.read_slowly; }},
    };
    return rules;
}

const FieldRule* find_rule(std::string_view path) {
    for (const FieldRule& rule : field_rules())
        if (rule.path == path) return &rule;
    return nullptr;
}

}  // namespace loopscope::sim::scenario_fields
