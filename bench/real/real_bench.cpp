// loopscope_real_bench: the real-mode numbers of docs/performance.md, side
// by side with Node 20 in one run on this machine (issue 5 §4).
//
//   1. HTTP/1.1 keep-alive hello world, server pinned to core 0, wrk on
//      core 1 (-t1 -c50): Node's http module, our server with tracing off,
//      our server with tracing on (every event recorded). Medians over
//      --rounds, with the server's CPU time per request as well.
//   2. The recorder's cost per event: Tracer::record in a tight loop.
//   3. 10,000 idle connections held: resident memory per connection of
//      `loopscope serve http` and of Node's http server.
//   4. Bytes write() accepts before it first returns false against a
//      client that does not read: our TcpStream and Node's net.Socket.
//
// Usage: loopscope_real_bench [--seconds N] [--rounds N] [--connections N] [--only PARTS] [--json]
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_process.hpp"
#include "real/loop.hpp"
#include "real/programs.hpp"
#include "real/tcp_listener.hpp"
#include "real/tcp_stream.hpp"
#include "sim/scenario.hpp"

using namespace loopscope;
using namespace loopscope::bench;

namespace {

constexpr std::string_view all_parts[] = {"recorder", "write-false", "idle", "http"};

struct Options {
    int seconds = 5;
    int rounds = 3;
    int connections = 10000;
    bool json = false;
    std::vector<std::string> only;  // empty: every part
    bool runs(std::string_view part) const {
        return only.empty() || std::find(only.begin(), only.end(), part) != only.end();
    }
};

// "a,b" into {"a", "b"}; false when one is not a part of the bench.
bool parse_parts(std::string_view list, std::vector<std::string>& into) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view part = list.substr(0, comma);
        if (std::find(std::begin(all_parts), std::end(all_parts), part) == std::end(all_parts)) return false;
        into.emplace_back(part);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return !into.empty();
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto number = [&](int& into) {
            if (i + 1 >= argc) return false;
            into = std::atoi(argv[++i]);
            return into > 0;
        };
        if (a == "--seconds" ? !number(o.seconds) : a == "--rounds" ? !number(o.rounds)
                            : a == "--connections" ? !number(o.connections) : false)
            return std::nullopt;
        if (a == "--json") o.json = true;
        else if (a == "--only") {
            if (i + 1 >= argc || !parse_parts(argv[++i], o.only)) return std::nullopt;
        } else if (a != "--seconds" && a != "--rounds" && a != "--connections") return std::nullopt;
    }
    return o;
}

struct WrkRun {
    double requests_per_second = 0;
    std::uint64_t requests = 0;
};

WrkRun run_wrk(std::uint16_t port, int seconds) {
    Child wrk = spawn({"wrk", "-t1", "-c50", "-d" + std::to_string(seconds) + "s", "http://127.0.0.1:" + std::to_string(port) + "/"}, 1);
    const std::string out = wait_output(wrk);
    std::smatch rate, count;
    if (!std::regex_search(out, rate, std::regex(R"(Requests/sec:\s+([0-9.]+))")) ||
        !std::regex_search(out, count, std::regex(R"(([0-9]+) requests in)")))
        throw std::runtime_error("wrk printed no Requests/sec:\n" + out);
    if (out.find("Non-2xx") != std::string::npos || out.find("Socket errors") != std::string::npos)
        std::cerr << "  (wrk reported errors: " << out << ")\n";
    return {std::stod(rate[1]), std::stoull(count[1])};
}

sim::Scenario hello_scenario() {
    sim::Scenario s;
    s.id = "bench-hello";
    s.title = "bench";
    s.server.program = "hello";
    s.server.hello_end_with_body = true;  // res.end(body): Content-Length, as bench/node/http_hello.js
    s.server.keep_alive_timeout_ns = 600'000'000'000;
    return s;
}

// One server under wrk: its rate, and the server's CPU time per request
// (the whole process for Node, the loop's thread for ours), which the
// other guests of a shared machine disturb less than the rate.
struct ServerRun {
    double requests_per_second = 0;
    double cpu_ns_per_request = 0;
    std::size_t records = 0;
    std::uint64_t dropped = 0;
};

std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Our HTTP server in this process, its loop on a thread pinned to core 0.
ServerRun our_http(bool traced, int seconds) {
    real::LoopOptions options;
    options.trace = traced;
    options.trace_limits.records = traced ? (std::size_t{24} << 20) : 0;  // room for every event of the run
    options.trace_limits.text_bytes = traced ? (std::size_t{512} << 20) : 0;
    options.trace_limits.commit_up_front = true;  // a long run at full speed: no page faults while recording
    real::Loop loop(options);
    real::RunNotes notes;
    const sim::Scenario scenario = hello_scenario();
    auto server = real::make_server_program(loop, scenario, notes);
    if (server->listen("127.0.0.1", 0)) throw std::runtime_error("cannot listen");
    std::atomic<std::int64_t> cpu_at_start{0}, cpu_at_stop{0};
    std::thread thread([&] {
        pin_this_thread(0);
        cpu_at_start = thread_cpu_ns();
        loop.run();
        cpu_at_stop = thread_cpu_ns();
    });
    const WrkRun wrk = run_wrk(server->port(), seconds);
    loop.post([&] {
        server->close();
        loop.stop();
    }, false);
    thread.join();
    ServerRun run;
    run.requests_per_second = wrk.requests_per_second;
    run.cpu_ns_per_request = wrk.requests > 0 ? static_cast<double>(cpu_at_stop - cpu_at_start) / wrk.requests : 0;
    run.records = loop.tracer().size();
    run.dropped = loop.tracer().dropped();
    return run;
}

ServerRun node_http(int seconds) {
    const std::uint16_t port = free_port();
    Child node = spawn({"node", LOOPSCOPE_BENCH_NODE "/http_hello.js", std::to_string(port)}, 0);
    if (!wait_for_port(port, 10000)) throw std::runtime_error("node did not start listening");
    const std::int64_t cpu_before = process_cpu_ns(node.pid);
    const WrkRun wrk = run_wrk(port, seconds);
    const std::int64_t cpu_after = process_cpu_ns(node.pid);
    stop(node);
    ServerRun run;
    run.requests_per_second = wrk.requests_per_second;
    run.cpu_ns_per_request = wrk.requests > 0 ? static_cast<double>(cpu_after - cpu_before) / wrk.requests : 0;
    return run;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// ns per Tracer::record, best of 5 passes over 1 Mi records (the first
// pass also pays for the pages it touches, later passes reuse them).
struct RecorderCost {
    double first_pass_ns = 0;
    double best_ns = 0;
};
RecorderCost recorder_cost() {
    constexpr std::size_t n = 1u << 20;
    real::Tracer tracer(0, true, {n, 1u << 16});
    RecorderCost cost;
    double best = 1e9;
    for (int pass = 0; pass < 6; ++pass) {
        tracer.clear();
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < n; ++i)
            tracer.record(trace::Kind::loop_read, static_cast<std::int32_t>(i & 1023),
                          {static_cast<std::int64_t>(i), 0, 0, 0});
        const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / n;
        if (pass == 0) cost.first_pass_ns = ns;
        else best = std::min(best, ns);
    }
    cost.best_ns = best;
    return cost;
}

// Opens `count` idle connections to port (sending nothing) and returns
// the server's resident memory growth per connection.
double idle_bytes_per_connection(pid_t server, std::uint16_t port, int count) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::uint64_t before = resident_bytes(server);
    std::vector<int> fds;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    for (int i = 0; i < count; ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) throw std::runtime_error("out of file descriptors after " + std::to_string(i) + " connections");
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error("connect failed after " + std::to_string(i) + " connections");
        fds.push_back(fd);
        // Let the server accept as we go: its accept queue holds 512.
        if (i % 256 == 255) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const std::uint64_t after = resident_bytes(server);
    for (int fd : fds) close(fd);
    return static_cast<double>(after - before) / count;
}

struct WriteFalse {
    std::uint64_t bytes_before_false = 0;
    std::uint64_t writes_true = 0;
    std::uint64_t writable_length = 0;
};

// Our TcpStream against a peer that never reads: 64 KiB chunks, one per
// check phase (setImmediate), as bench/node/write_false.js does.
WriteFalse our_write_false() {
    real::LoopOptions options;
    options.trace = false;
    real::Loop loop(options);
    struct Writer final : real::StreamEvents {
        std::string chunk = std::string(65536, 'x');
        WriteFalse result;
        bool done = false;
    } writer;
    std::unique_ptr<real::TcpStream> stream;
    std::function<void()> write_more;
    real::TcpListener listener(loop, 1, [&](real::SocketFd fd) {
        stream = std::make_unique<real::TcpStream>(loop, fd, writer);
        listener.close();
        write_more = [&] {
            if (stream->write(writer.chunk)) {
                writer.result.bytes_before_false += writer.chunk.size();
                ++writer.result.writes_true;
                loop.set_immediate(write_more);
                return;
            }
            writer.result.writable_length = stream->writable_length();
            stream->destroy();
        };
        write_more();
    });
    if (listener.listen("127.0.0.1", 0)) throw std::runtime_error("cannot listen");
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(listener.port());
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    loop.run(real::monotonic_now() + 10'000'000'000);
    close(client);
    return writer.result;
}

nlohmann::json node_write_false() {
    Child node = spawn({"node", LOOPSCOPE_BENCH_NODE "/write_false.js"}, -1);
    const std::string out = wait_output(node);
    return nlohmann::json::parse(out.substr(out.find('{')));
}

// Each measurement adds its part of the JSON report.
void measure_recorder(nlohmann::json& out) {
    const RecorderCost cost = recorder_cost();
    out["recorder"] = {{"ns_per_event", cost.best_ns}, {"ns_per_event_first_pass", cost.first_pass_ns}};
    std::cerr << "recorder: " << cost.best_ns << " ns/event (first pass " << cost.first_pass_ns << ")\n";
}

void measure_write_false(nlohmann::json& out) {
    const WriteFalse ours = our_write_false();
    out["write_false"]["loopscope"] = {{"bytes_before_false", ours.bytes_before_false},
                                       {"writes_true", ours.writes_true},
                                       {"writable_length_at_false", ours.writable_length}};
    out["write_false"]["node"] = node_write_false();
    std::cerr << "write_false: " << out["write_false"].dump() << "\n";
}

void measure_idle(nlohmann::json& out, int connections) {
    std::cerr << "idle connections: " << connections << " each\n";
    {
        const std::uint16_t port = free_port();
        Child ours = spawn({LOOPSCOPE_BENCH_BINARY, "serve", "http", "--port", std::to_string(port)}, 0);
        if (!wait_for_port(port, 10000)) throw std::runtime_error("loopscope serve did not start listening");
        out["idle"]["loopscope_bytes_per_connection"] = idle_bytes_per_connection(ours.pid, port, connections);
        stop(ours);
    }
    {
        const std::uint16_t port = free_port();
        Child node_server = spawn({"node", LOOPSCOPE_BENCH_NODE "/idle_server.js", std::to_string(port)}, 0);
        if (!wait_for_port(port, 10000)) throw std::runtime_error("node did not start listening");
        out["idle"]["node_bytes_per_connection"] = idle_bytes_per_connection(node_server.pid, port, connections);
        stop(node_server);
    }
    out["idle"]["connections"] = connections;
    std::cerr << "  " << out["idle"].dump() << "\n";
}

// Rounds of node, ours untraced, ours traced, in a rotating order so a slow
// stretch of the machine does not always fall on the same one; each figure
// is the median over rounds, and the ratios are medians of each round's own
// ratio (its three runs were seconds apart).
void measure_http(nlohmann::json& out, const Options& options) {
    std::cerr << "HTTP keep-alive hello world, server on core 0, wrk -t1 -c50 -d" << options.seconds << "s on core 1, "
              << options.rounds << " rounds\n";
    std::vector<double> node_rps, off_rps, on_rps, node_cpu, off_cpu, on_cpu, ratio, cost, cpu_cost;
    std::size_t records = 0;
    std::uint64_t dropped = 0;
    double events_per_request = 0;
    for (int round = 0; round < options.rounds; ++round) {
        ServerRun runs[3];
        for (int k = 0; k < 3; ++k) {
            const int which = (round + k) % 3;
            runs[which] = which == 0 ? node_http(options.seconds) : our_http(which == 2, options.seconds);
        }
        const ServerRun &node = runs[0], &off = runs[1], &on = runs[2];
        std::cerr << "  round " << round + 1 << ": node " << node.requests_per_second << " req/s ("
                  << node.cpu_ns_per_request << " ns CPU/req), loopscope no trace " << off.requests_per_second << " ("
                  << off.cpu_ns_per_request << "), traced " << on.requests_per_second << " ("
                  << on.cpu_ns_per_request << ")\n";
        node_rps.push_back(node.requests_per_second);
        off_rps.push_back(off.requests_per_second);
        on_rps.push_back(on.requests_per_second);
        node_cpu.push_back(node.cpu_ns_per_request);
        off_cpu.push_back(off.cpu_ns_per_request);
        on_cpu.push_back(on.cpu_ns_per_request);
        ratio.push_back(off.requests_per_second / node.requests_per_second);
        cost.push_back(100.0 * (off.requests_per_second - on.requests_per_second) / off.requests_per_second);
        cpu_cost.push_back(100.0 * (on.cpu_ns_per_request - off.cpu_ns_per_request) / off.cpu_ns_per_request);
        records += on.records;
        dropped += on.dropped;
        events_per_request += static_cast<double>(on.records) / (on.requests_per_second * options.seconds);
    }
    out["http"] = {{"rounds", options.rounds},
                   {"node_rps", median(node_rps)}, {"loopscope_no_trace_rps", median(off_rps)},
                   {"loopscope_traced_rps", median(on_rps)},
                   {"node_cpu_ns_per_request", median(node_cpu)}, {"loopscope_no_trace_cpu_ns_per_request", median(off_cpu)},
                   {"loopscope_traced_cpu_ns_per_request", median(on_cpu)},
                   {"ratio_vs_node", median(ratio)}, {"tracing_cost_percent", median(cost)},
                   {"tracing_cpu_cost_percent", median(cpu_cost)},
                   {"traced_events", records}, {"traced_dropped", dropped},
                   {"events_per_request", events_per_request / options.rounds}};
}

// The Markdown rows of docs/performance.md, for the parts that were run.
void print_table(const nlohmann::json& out, const Options& options) {
    std::printf("| measure | loopscope | Node 20 | |\n|---|---|---|---|\n");
    if (out.contains("http")) {
        const auto& h = out["http"];
        std::printf("| HTTP hello, keep-alive, req/s (tracing off), median of %d rounds | %.0f | %.0f | %.2fx Node (goal >= 2.0x) |\n",
                    h["rounds"].get<int>(), h["loopscope_no_trace_rps"].get<double>(), h["node_rps"].get<double>(),
                    h["ratio_vs_node"].get<double>());
        std::printf("| same, tracing on | %.0f | | %.1f%% fewer than off (goal <= 10%%), %.1f events/request, %llu dropped |\n",
                    h["loopscope_traced_rps"].get<double>(), h["tracing_cost_percent"].get<double>(),
                    h["events_per_request"].get<double>(), h["traced_dropped"].get<unsigned long long>());
        std::printf("| server CPU per request, tracing off / on | %.0f / %.0f ns | %.0f ns | tracing adds %.1f%% |\n",
                    h["loopscope_no_trace_cpu_ns_per_request"].get<double>(),
                    h["loopscope_traced_cpu_ns_per_request"].get<double>(), h["node_cpu_ns_per_request"].get<double>(),
                    h["tracing_cpu_cost_percent"].get<double>());
    }
    if (out.contains("recorder"))
        std::printf("| recorder cost per event | %.1f ns | | goal <= 25 ns (first pass, pages untouched: %.1f ns) |\n",
                    out["recorder"]["ns_per_event"].get<double>(), out["recorder"]["ns_per_event_first_pass"].get<double>());
    if (out.contains("idle"))
        std::printf("| %d idle connections, resident memory per connection | %.0f B | %.0f B | goal <= 1 KB |\n",
                    options.connections, out["idle"]["loopscope_bytes_per_connection"].get<double>(),
                    out["idle"]["node_bytes_per_connection"].get<double>());
    if (out.contains("write_false")) {
        const auto& w = out["write_false"];
        std::printf("| bytes write() accepts before false, 64 KiB chunks, peer not reading | %llu (%llu writes) | %llu (%llu writes) | |\n",
                    w["loopscope"]["bytes_before_false"].get<unsigned long long>(),
                    w["loopscope"]["writes_true"].get<unsigned long long>(),
                    w["node"]["bytes_before_false"].get<unsigned long long>(),
                    w["node"]["writes_true"].get<unsigned long long>());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse_options(argc, argv);
    if (!options) {
        std::cerr << "usage: loopscope_real_bench [--seconds N] [--rounds N] [--connections N] [--only PARTS] [--json]\n"
                     "  PARTS: a comma-separated list of recorder, write-false, idle, http (default: all)\n";
        return 2;
    }
    for (const char* program : {"wrk", "node"})
        if (!have_program(program)) {
            std::cerr << "loopscope_real_bench: needs " << program << " (tools/setup.sh installs wrk; Node.js 20 is the reference)\n";
            return 1;
        }
    try {
        nlohmann::json out;
        if (options->runs("recorder")) measure_recorder(out);
        if (options->runs("write-false")) measure_write_false(out);
        if (options->runs("idle")) measure_idle(out, options->connections);
        if (options->runs("http")) measure_http(out, *options);
        if (options->json) std::cout << out.dump() << "\n";
        else print_table(out, *options);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "loopscope_real_bench: " << e.what() << "\n";
        return 1;
    }
}
