// The real client programs (real/client_*.cpp) against peers written here
// with plain POSIX sockets (tests/real_peer_server.hpp) and against
// Python's http.server, on 127.0.0.1 port 0. Each test is bounded to a few
// seconds and checks what the peer saw, the program's totals and its trace
// records.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "real/client_bad_request.hpp"
#include "real/client_browser.hpp"
#include "real/client_http_get.hpp"
#include "real/client_load.hpp"
#include "real/client_process.hpp"
#include "real/client_wire.hpp"
#include "real/client_slow_reader.hpp"
#include "real/client_uploader.hpp"
#include "real/tcp_listener.hpp"
#include "real_peer_server.hpp"
#include "real_test_support.hpp"
#include "sim/http_site.hpp"
#include "sim/scenario_loader.hpp"

using namespace loopscope;
using test::PeerServer;

namespace {

constexpr trace::Nanos ms = 1'000'000;

// A scenario with the given clients.* fields set, loaded as a file would
// be, so "which fields does the file set" works as in a real run.
sim::Scenario scenario_with(const std::string& clients_json, const std::string& server_json = "{}") {
    const std::string text = R"({"id": "test", "title": "a client test", "server": )" + server_json + R"(, "clients": )" + clients_json + "}";
    auto loaded = sim::load_scenario_text(text, "test.json", {});
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) FAIL(error->message);
    return std::get<sim::Scenario>(loaded);
}

// Runs the client loop until the program is done or `limit` has passed.
bool run_until_done(real::Loop& loop, real::ClientProgram& program, trace::Nanos limit) {
    const trace::Nanos deadline = real::monotonic_now() + limit;
    const real::TimerId guard = loop.start_timer(limit, [] {});
    while (!program.done() && real::monotonic_now() < deadline)
        if (!loop.run_once()) break;
    loop.stop_timer(guard);
    return program.done();
}

// Runs the loop a little longer: close phases, FINs still in flight.
void settle(real::Loop& loop, trace::Nanos ns = 50 * ms) {
    const real::TimerId guard = loop.start_timer(ns, [] {});
    loop.run(real::monotonic_now() + ns);
    loop.stop_timer(guard);
}

std::vector<const real::TraceRecord*> records_of(const real::Tracer& tracer, trace::Kind kind) {
    std::vector<const real::TraceRecord*> out;
    for (std::size_t i = 0; i < tracer.size(); ++i)
        if (tracer[i].kind == kind) out.push_back(&tracer[i]);
    return out;
}

int open_fd_count() { return static_cast<int>(real::raise_fd_limit().open_now); }

// Python's http.server on port 0, a peer nobody here wrote.
class PythonHttpServer {
public:
    PythonHttpServer() {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            const int null = ::open("/dev/null", O_WRONLY);
            if (null >= 0) ::dup2(null, 2);  // its request log
            ::close(out[0]);
            ::close(out[1]);
            ::execlp("python3", "python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                     LOOPSCOPE_TEST_DATA, "0", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        // "Serving HTTP on 127.0.0.1 port 40513 (http://127.0.0.1:40513/) ..."
        FILE* in = ::fdopen(out[0], "r");
        char line[512] = {};
        if (in != nullptr && std::fgets(line, sizeof line, in) != nullptr) {
            const std::string text = line;
            const auto at = text.find(" port ");
            if (at != std::string::npos) port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + 6)));
        }
        if (in != nullptr) std::fclose(in);
    }
    ~PythonHttpServer() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("uploader: each client delivers exactly upload_bytes, then FIN", "[real][clients]") {
    const int fds_before = open_fd_count();
    {
        PeerServer server(PeerServer::Mode::sink);
        const auto scenario = scenario_with(R"({"program": "uploader", "count": 2, "upload_bytes": 1048576})");
        real::Loop loop(test::real_loop_options(1));
        real::RunNotes notes;
        auto program = real::make_uploader_client(loop, scenario, notes);
        program->start("127.0.0.1", server.port());
        REQUIRE(run_until_done(loop, *program, 5000 * ms));
        const real::ClientTotals totals = program->totals();
        CHECK(totals.connections == 2);
        CHECK(totals.bytes_sent == 2 * 1048576);
        CHECK(totals.errors == 0);
        CHECK(server.bytes_received() == 2 * 1048576);
        CHECK(server.accepted() == 2);
        // What the kernel took, as recorded, adds up to the upload exactly.
        std::uint64_t accepted = 0;
        for (const auto* r : records_of(loop.tracer(), trace::Kind::client_write)) accepted += r->fields[1];
        CHECK(accepted == 2 * 1048576);
        CHECK(records_of(loop.tracer(), trace::Kind::client_end).size() == 2);
        CHECK(records_of(loop.tracer(), trace::Kind::client_done).size() == 2);
        program.reset();
    }
    CHECK(open_fd_count() == fds_before);
}

TEST_CASE("slow-reader: reads of at most read_bytes, read_interval_ns apart, until the server's FIN",
          "[real][clients]") {
    constexpr std::uint64_t payload = 200'000;
    PeerServer server(PeerServer::Mode::payload, payload);
    const auto scenario = scenario_with(
        R"({"program": "slow-reader", "count": 1, "recv_buffer": 16384, "read_bytes": 16384, "read_interval_ns": 5000000})");
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_slow_reader_client(loop, scenario, notes);
    program->start("127.0.0.1", server.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    CHECK(program->totals().bytes_received == payload);
    loop.tracer().finish_clock();

    const auto reads = records_of(loop.tracer(), trace::Kind::client_read);
    REQUIRE(reads.size() >= payload / 16384 + 1);
    std::uint64_t total = 0;
    const real::TraceRecord* previous = nullptr;
    for (const auto* r : reads) {
        const bool eof = r->fields[2] != 0;
        if (eof) continue;
        CHECK(r->fields[0] <= 16384);
        total += static_cast<std::uint64_t>(r->fields[0]);
        if (previous != nullptr) CHECK(loop.tracer().time_of(*r) - loop.tracer().time_of(*previous) >= 5 * ms);
        previous = r;
    }
    CHECK(total == payload);
    CHECK(reads.back()->fields[2] == 1);  // the last read is the EOF
}

TEST_CASE("http-get: one GET per client, the whole response parsed, then closed", "[real][clients]") {
    PeerServer server(PeerServer::Mode::http, 0, 5000);
    const auto scenario = scenario_with(R"({"program": "http-get", "count": 3, "start_interval_ns": 1000000})");
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_http_get_client(loop, scenario, notes);
    program->start("127.0.0.1", server.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    settle(loop);
    const real::ClientTotals totals = program->totals();
    CHECK(totals.connections == 3);
    CHECK(totals.requests == 3);
    CHECK(totals.responses == 3);
    CHECK(server.requests() == 3);
    CHECK(server.open() == 0);  // keep-alive, close_when_done: the clients closed
    // The request the server saw is the simulator's browser GET.
    const auto writes = records_of(loop.tracer(), trace::Kind::client_write);
    REQUIRE(!writes.empty());
    const std::string_view first = loop.tracer().text_of(writes.front()->fields[3]);
    CHECK(first.starts_with("GET / HTTP/1.1\r\nHost: 127.0.0.1:"));
    CHECK(first.find("Connection: keep-alive\r\n") != std::string_view::npos);
}

TEST_CASE("http-get: slow_clients ask for server.slow_path; Python's http.server answers", "[real][clients]") {
    PythonHttpServer python;
    REQUIRE(python.port() != 0);
    // The first client asks for a file that exists, the second for "/" (a
    // directory listing); http.server answers HTTP/1.0 and closes.
    const auto scenario = scenario_with(R"({"program": "http-get", "count": 2, "slow_clients": 1})",
                                        R"({"slow_path": "/golden_hashes.txt"})");
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_http_get_client(loop, scenario, notes);
    program->start("127.0.0.1", python.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    const real::ClientTotals totals = program->totals();
    CHECK(totals.responses == 2);
    CHECK(totals.errors == 0);
    bool asked_slow_path = false;
    for (const auto* w : records_of(loop.tracer(), trace::Kind::client_write))
        if (loop.tracer().text_of(w->fields[3]).starts_with("GET /golden_hashes.txt HTTP/1.1")) asked_slow_path = true;
    CHECK(asked_slow_path);
    // Each connection ended with the server's FIN (Connection: close).
    std::size_t eofs = 0;
    for (const auto* r : records_of(loop.tracer(), trace::Kind::client_read)) eofs += r->fields[2] != 0;
    CHECK(eofs == 2);
}

TEST_CASE("http-get read_slowly: the response arrives in reads of at most read_bytes", "[real][clients]") {
    PeerServer server(PeerServer::Mode::http, 0, 300'000);
    const auto scenario = scenario_with(
        R"({"program": "http-get", "count": 1, "read_slowly": true, "read_bytes": 65536, "read_interval_ns": 2000000})");
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_http_get_client(loop, scenario, notes);
    program->start("127.0.0.1", server.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    CHECK(program->totals().responses == 1);
    loop.tracer().finish_clock();
    const auto reads = records_of(loop.tracer(), trace::Kind::client_read);
    REQUIRE(reads.size() >= 5);
    for (std::size_t i = 0; i < reads.size(); ++i) {
        CHECK(reads[i]->fields[0] <= 65536);
        if (i > 0) CHECK(loop.tracer().time_of(*reads[i]) - loop.tracer().time_of(*reads[i - 1]) >= 2 * ms);
    }
}

TEST_CASE("browser: the page and its resources over at most max_connections kept-alive connections",
          "[real][clients]") {
    PeerServer server(PeerServer::Mode::http, 0, 2000);
    const auto scenario = scenario_with(
        R"({"program": "browser", "count": 1, "max_connections": 3, "page_loads": 2, "think_ns": 10000000})");
    const std::size_t resources = sim::site_resources(scenario.server).size();
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_browser_client(loop, scenario, notes);
    program->start("127.0.0.1", server.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    const real::ClientTotals totals = program->totals();
    CHECK(totals.requests == 2 * resources);
    CHECK(totals.responses == 2 * resources);
    CHECK(server.requests() == 2 * resources);
    CHECK(server.accepted() >= 1);
    CHECK(server.accepted() <= 3);  // the second page load reuses them
    CHECK(totals.peak_open <= 3);
    program->close();
    settle(loop);
}

TEST_CASE("browser without keep-alive: one connection per request", "[real][clients]") {
    PeerServer server(PeerServer::Mode::http, 0, 2000);
    const auto scenario = scenario_with(
        R"({"program": "browser", "count": 1, "keep_alive": false, "max_connections": 6, "page_loads": 1})");
    const std::size_t resources = sim::site_resources(scenario.server).size();
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_browser_client(loop, scenario, notes);
    program->start("127.0.0.1", server.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    CHECK(program->totals().responses == resources);
    CHECK(server.requests() == resources);
    CHECK(server.accepted() == resources);
    for (const auto* w : records_of(loop.tracer(), trace::Kind::client_write)) {
        const std::string_view text = loop.tracer().text_of(w->fields[3]);
        if (!text.empty()) CHECK(text.find("Connection: close\r\n") != std::string_view::npos);
    }
    program->close();
    settle(loop);
}

TEST_CASE("load: 500 connections held at once, every request answered", "[real][clients]") {
    const int fds_before = open_fd_count();
    {
        PeerServer server(PeerServer::Mode::http, 0, 11);
        const auto scenario = scenario_with(R"({"program": "load", "count": 500, "start_interval_ns": 20000})");
        real::Loop loop(test::real_loop_options(1));
        real::RunNotes notes;
        auto program = real::make_load_client(loop, scenario, notes);
        CHECK(notes.lines.empty());  // 20,000 descriptors are plenty for 2 x 500
        program->start("127.0.0.1", server.port());
        REQUIRE(run_until_done(loop, *program, 5000 * ms));
        const real::ClientTotals totals = program->totals();
        CHECK(totals.connections == 500);
        CHECK(totals.responses == 500);
        CHECK(totals.peak_open == 500);
        CHECK(server.requests() == 500);
        CHECK(server.open() == 500);  // all still open, idle on keep-alive
        program->close();
        settle(loop);
        program.reset();
    }
    CHECK(open_fd_count() == fds_before);
}

TEST_CASE("client process: the load client in a child returns the same totals and its records",
          "[real][clients][child]") {
    PeerServer server(PeerServer::Mode::http, 0, 11);
    const auto scenario = scenario_with(R"({"program": "load", "count": 300})");
    real::ChildOptions options;
    options.loop = test::real_loop_options(1);
    options.time_limit_ns = 5000 * ms;
    const trace::Nanos before = real::monotonic_now();
    auto started = real::ClientProcess::start(scenario, "127.0.0.1", server.port(), options);
    REQUIRE(std::holds_alternative<std::unique_ptr<real::ClientProcess>>(started));
    auto& child = std::get<std::unique_ptr<real::ClientProcess>>(started);
    const real::ChildResult result = child->wait();
    const trace::Nanos after = real::monotonic_now();
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.clients_done);
    CHECK(result.totals.connections == 300);
    CHECK(result.totals.requests == 300);
    CHECK(result.totals.responses == 300);
    CHECK(result.totals.peak_open == 300);
    CHECK(server.requests() == 300);
    REQUIRE(result.tracer);
    CHECK(records_of(*result.tracer, trace::Kind::client_connect).size() == 300);
    CHECK(records_of(*result.tracer, trace::Kind::client_done).size() == 300);
    // Text fields survive the pipe: the first write is the GET.
    const auto writes = records_of(*result.tracer, trace::Kind::client_write);
    REQUIRE(!writes.empty());
    CHECK(result.tracer->text_of(writes.front()->fields[3]).starts_with("GET / HTTP/1.1"));
    for (const auto* r : records_of(*result.tracer, trace::Kind::client_write)) CHECK(r->host == 1);
    // The child's stamps read as this process's monotonic times: inside
    // the run, in order.
    result.tracer->finish_clock();
    trace::Nanos last = before;
    std::size_t out_of_order = 0, outside = 0;
    for (std::size_t i = 0; i < result.tracer->size(); ++i) {
        const trace::Nanos t = result.tracer->time_of((*result.tracer)[i]);
        out_of_order += t < last - 1000;  // a microsecond of clock error allowed
        outside += t < before - 1000 || t > after;
        last = std::max(last, t);
    }
    CHECK(out_of_order == 0);
    CHECK(outside == 0);
}

TEST_CASE("client process: the request carries the scenario, the lesson's own fields and the options", "[real][clients]") {
    sim::Scenario scenario = scenario_with(R"({"program": "slow-reader", "count": 3, "recv_buffer": 4096})");
    real::ChildOptions options;
    options.loop = test::real_loop_options(1);
    options.loop.backend = "poll";
    options.loop.trace_limits.records = 1234;
    options.time_limit_ns = 42 * ms;
    options.hold_ns = 7 * ms;
    options.max_open_files = 999;
    const std::string json = real::encode_child_request(scenario, "127.0.0.1", 4321, options);
    auto decoded = real::decode_child_request(json);
    REQUIRE(std::holds_alternative<real::ChildRequest>(decoded));
    const real::ChildRequest& r = std::get<real::ChildRequest>(decoded);
    CHECK(sim::scenario_to_json(r.scenario) == sim::scenario_to_json(scenario));
    CHECK(r.scenario.given_json == scenario.given_json);  // real mode sets only the buffers a lesson gave
    CHECK(r.host == "127.0.0.1");
    CHECK(r.port == 4321);
    CHECK(r.options.loop.backend == "poll");
    CHECK(r.options.loop.host == 1);
    CHECK(r.options.loop.trace_limits.records == 1234);
    CHECK(r.options.time_limit_ns == 42 * ms);
    CHECK(r.options.hold_ns == 7 * ms);
    CHECK(r.options.max_open_files == 999);
    // Whatever arrives on a child's stdin, it answers with a sentence.
    for (const char* bad : {"", "not json", "[1,2]", R"({"scenario": 5})", R"({"scenario": "{}"})"}) {
        INFO(bad);
        auto failed = real::decode_child_request(bad);
        REQUIRE(std::holds_alternative<std::string>(failed));
        CHECK_THAT(std::get<std::string>(failed), Catch::StartsWith("the client request"));
    }
}

TEST_CASE("client process: a child started without a request reports why and exits 1", "[real][clients][child]") {
    // The test binary is the child's program too (tests/main.cpp): run it
    // as the child with an empty stdin and read its report on descriptor 3.
    int report[2];
    REQUIRE(::pipe(report) == 0);
    const std::string flag(real::client_child_flag);
    const int null = ::open("/dev/null", O_RDONLY);
    REQUIRE(null >= 0);
    // Only async-signal-safe calls between fork and exec.
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(report[1], 3);
        ::dup2(null, 0);
        ::execl("/proc/self/exe", "loopscope-clients", flag.c_str(), nullptr);
        ::_exit(127);
    }
    ::close(report[1]);
    ::close(null);
    std::string bytes;
    char chunk[4096];
    for (ssize_t n; (n = ::read(report[0], chunk, sizeof chunk)) > 0;) bytes.append(chunk, static_cast<std::size_t>(n));
    ::close(report[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    real::WireHeader header;
    REQUIRE(bytes.size() >= sizeof header);
    std::memcpy(&header, bytes.data(), sizeof header);
    CHECK(header.magic == real::WireHeader{}.magic);
    CHECK(header.record_count == 0);
    CHECK(bytes.substr(sizeof header, header.error_bytes) == "the client request is not a JSON object");
}

TEST_CASE("client process: with too few descriptors the load client opens what fits and says so",
          "[real][clients][child]") {
    PeerServer server(PeerServer::Mode::http, 0, 11);
    const auto scenario = scenario_with(R"({"program": "load", "count": 500})");
    real::ChildOptions options;
    options.loop = test::real_loop_options(1);
    options.time_limit_ns = 5000 * ms;
    options.max_open_files = 300;
    auto started = real::ClientProcess::start(scenario, "127.0.0.1", server.port(), options);
    REQUIRE(std::holds_alternative<std::unique_ptr<real::ClientProcess>>(started));
    const real::ChildResult result = std::get<std::unique_ptr<real::ClientProcess>>(started)->wait();
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.clients_done);
    CHECK(result.totals.connections > 200);
    CHECK(result.totals.connections < 300);
    CHECK(result.totals.responses == result.totals.connections);
    CHECK(result.totals.connections + result.totals.connect_failures == 500);
    REQUIRE(result.notes.lines.size() == 1);
    CHECK_THAT(result.notes.lines[0], Catch::Contains("of 500 connections: RLIMIT_NOFILE is 300"));
}

TEST_CASE("run_clients_in_child: the server's loop runs while the child's uploaders send", "[real][clients][child]") {
    // The server here is a real Loop in this process, so the child's
    // clients depend on it being served while the call waits.
    real::Loop server_loop(test::real_loop_options(0));
    std::uint64_t received = 0;
    struct Sink final : real::StreamEvents {
        std::uint64_t& received;
        explicit Sink(std::uint64_t& r) : received(r) {}
        void on_data(real::Duplex&, std::string_view bytes) override { received += bytes.size(); }
    } sink(received);
    std::vector<std::unique_ptr<real::TcpStream>> streams;
    real::TcpListener listener(server_loop, 1, [&](real::SocketFd fd) {
        streams.push_back(std::make_unique<real::TcpStream>(server_loop, fd, sink));
    });
    REQUIRE(!listener.listen("127.0.0.1", 0));
    const auto scenario = scenario_with(R"({"program": "uploader", "count": 3, "upload_bytes": 300000})");
    real::ChildOptions options;
    options.loop = test::real_loop_options(1);
    options.time_limit_ns = 5000 * ms;
    const real::ChildResult result = real::run_clients_in_child(server_loop, scenario, "127.0.0.1", listener.port(), options);
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.clients_done);
    CHECK(result.totals.bytes_sent == 3 * 300000);
    CHECK(received == 3 * 300000);
    listener.close();
}

// http.server answers "HELLO SERVER" the HTTP/0.9 way (a body without a
// status line), which is no HTTP/1.1 response, so the POST with two
// lengths is the refusal to parse here: 501, since it serves no POST.
TEST_CASE("bad-request: Python's http.server refuses the POST with two lengths", "[real][clients]") {
    PythonHttpServer python;
    REQUIRE(python.port() != 0);
    const auto scenario = scenario_with(R"({"program": "bad-request", "count": 1, "request": "both-lengths"})");
    real::Loop loop(test::real_loop_options(1));
    real::RunNotes notes;
    auto program = real::make_bad_request_client(loop, scenario, notes);
    program->start("127.0.0.1", python.port());
    REQUIRE(run_until_done(loop, *program, 5000 * ms));
    CHECK(program->totals().responses == 1);
    const auto reads = records_of(loop.tracer(), trace::Kind::client_read);
    REQUIRE(!reads.empty());
    const auto writes = records_of(loop.tracer(), trace::Kind::client_write);
    REQUIRE(!writes.empty());
    CHECK(loop.tracer().text_of(writes.front()->fields[3]).find("Transfer-Encoding: chunked") != std::string_view::npos);
    CHECK(reads.back()->fields[2] == 1);  // the server closed
    sim::Scenario rude = scenario;
    rude.clients.request = "rude";
    CHECK_THROWS_AS(real::make_bad_request_client(loop, rude, notes), std::invalid_argument);
}

// The ten-thousand lesson's load: 10,000 connections need 10,000
// descriptors in the child and as many in this process (the peer server).
TEST_CASE("client process: 10,000 load connections held at once, every request answered", "[real][clients][child]") {
    const real::FdBudget budget = real::raise_fd_limit();
    if (budget.connections_that_fit(1) < 10'000) {
        WARN("RLIMIT_NOFILE is " << budget.soft_limit << ": too low for 10,000 connections; not run");
        return;
    }
    PeerServer server(PeerServer::Mode::http, 0, 11);
    const auto scenario = scenario_with(R"({"program": "load", "count": 10000, "start_interval_ns": 20000})");
    real::ChildOptions options;
    options.loop = test::real_loop_options(1);
    options.loop.trace_limits.records = 1u << 18;
    options.loop.trace_limits.text_bytes = 8u << 20;  // 10,000 GETs of about 300 bytes
    options.time_limit_ns = 10'000 * ms;
    auto started = real::ClientProcess::start(scenario, "127.0.0.1", server.port(), options);
    REQUIRE(std::holds_alternative<std::unique_ptr<real::ClientProcess>>(started));
    const real::ChildResult result = std::get<std::unique_ptr<real::ClientProcess>>(started)->wait();
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.notes.lines.empty());
    CHECK(result.totals.connections == 10'000);
    CHECK(result.totals.responses == 10'000);
    CHECK(result.totals.peak_open == 10'000);
    CHECK(server.peak_open() == 10'000);
    CHECK(result.dropped == 0);
    CHECK(records_of(*result.tracer, trace::Kind::client_connected).size() == 10'000);
}
