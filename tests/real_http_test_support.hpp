// Shared by the real HTTP server tests (tests/test_real_http*.cpp): the
// server on its own Loop in a std::thread on 127.0.0.1 port 0, peers run as
// subprocesses with a timeout, a raw blocking client socket, and an open
// file descriptor count for the "no fd leaked" checks.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "real/clock.hpp"
#include "real/http_server.hpp"
#include "real/loop.hpp"
#include "sim/http_parser.hpp"
#include "sim/scenario.hpp"
#include "real_test_support.hpp"
#include "trace/kinds.hpp"

namespace loopscope::test {

// Entries in /proc/self/fd (the directory's own fd counted once, always).
inline std::size_t open_fd_count() {
    std::size_t n = 0;
    if (DIR* dir = opendir("/proc/self/fd")) {
        while (const dirent* e = readdir(dir))
            if (e->d_name[0] != '.') ++n;
        closedir(dir);
    }
    return n;
}

// One trace record, copied out of the server's tracer with its text fields.
struct CopiedRecord {
    trace::Kind kind{};
    std::int32_t conn = -1;
    std::vector<std::int64_t> fields;
    std::vector<std::string> texts;  // by field index; "" for non-text fields

    std::int64_t field(std::string_view name) const {
        const int i = trace::field_index(kind, name);
        return i >= 0 && static_cast<std::size_t>(i) < fields.size() ? fields[static_cast<std::size_t>(i)] : -1;
    }
    std::string text(std::string_view name) const {
        const int i = trace::field_index(kind, name);
        return i >= 0 && static_cast<std::size_t>(i) < texts.size() ? texts[static_cast<std::size_t>(i)] : "";
    }
};

// The real HTTP server of `scenario`, on its own loop and thread.
class HttpTestServer {
public:
    using Tune = std::function<void(real::HttpServerOptions&)>;

    explicit HttpTestServer(sim::Scenario scenario, Tune tune = {}) : scenario_(std::move(scenario)) {
        std::promise<std::uint16_t> port;
        std::future<std::uint16_t> port_future = port.get_future();
        thread_ = std::thread([this, tune, &port] { serve(tune, port); });
        port_ = port_future.get();
    }
    ~HttpTestServer() { stop(); }
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(std::string_view path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

    // Runs `f(program)` on the loop's thread and returns its result.
    template <class F>
    auto on_loop(F f) -> decltype(f(std::declval<real::HttpServerProgram&>())) {
        using R = decltype(f(std::declval<real::HttpServerProgram&>()));
        std::promise<R> result;
        std::future<R> future = result.get_future();
        loop_->post([&] { result.set_value(f(*program_)); });
        return future.get();
    }
    std::size_t open_connections() {
        return on_loop([](real::HttpServerProgram& p) { return p.open_connections(); });
    }
    std::uint64_t connections_served() {
        return on_loop([](real::HttpServerProgram& p) { return p.connections_served(); });
    }
    // Waits (polling every 5 ms) until the server has `n` open connections.
    bool wait_open_connections(std::size_t n, std::chrono::milliseconds timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (open_connections() == n) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return open_connections() == n;
    }

    // Closes the server, lets its loop finish the closes, copies the trace
    // and destroys the loop, all on the server's thread.
    void stop() {
        if (!thread_.joinable()) return;
        if (loop_ != nullptr) {
            real::Loop* loop = loop_;
            loop->post([loop] { loop->stop(); });
        }
        thread_.join();
    }

    // After stop(): the trace, in order.
    const std::vector<CopiedRecord>& records() const { return records_; }
    std::vector<const CopiedRecord*> of_kind(trace::Kind kind) const {
        std::vector<const CopiedRecord*> out;
        for (const CopiedRecord& r : records_)
            if (r.kind == kind) out.push_back(&r);
        return out;
    }
    std::size_t count(trace::Kind kind) const { return of_kind(kind).size(); }
    std::uint64_t dropped() const { return dropped_; }
    std::size_t left_open() const { return left_open_; }

private:
    void serve(const Tune& tune, std::promise<std::uint16_t>& port) {
        real::LoopOptions options = real_loop_options();
        options.trace_limits.records = 1u << 18;
        real::Loop loop(options);
        real::HttpServerOptions server_options = real::http_server_options(scenario_);
        if (tune) tune(server_options);
        auto program = std::make_unique<real::HttpServerProgram>(loop, real::make_http_handler(scenario_.server), server_options);
        if (program->listen("127.0.0.1", 0)) {
            port.set_value(0);
            return;
        }
        loop_ = &loop;
        program_ = program.get();
        port.set_value(program->port());
        loop.run();
        program->close();
        // The closes finish in the loop's close phase; then nothing keeps
        // the loop alive.
        loop.run(real::monotonic_now() + 1'000'000'000);
        left_open_ = program->open_connections();
        loop.tracer().finish_clock();  // durations in ticks become ns from here
        const real::Tracer& tracer = loop.tracer();
        dropped_ = tracer.dropped();
        records_.reserve(tracer.size());
        for (std::size_t i = 0; i < tracer.size(); ++i) {
            const real::TraceRecord& r = tracer[i];
            CopiedRecord copy;
            copy.kind = r.kind;
            copy.conn = r.conn;
            const auto& spec = trace::kind_spec(r.kind);
            for (std::size_t f = 0; f < r.field_count; ++f) {
                copy.fields.push_back(tracer.field_value(r, static_cast<int>(f)));
                const bool text = f < spec.fields.size() && spec.fields[f].type == trace::FieldType::text;
                copy.texts.push_back(text ? std::string(tracer.text_of(r.fields[f])) : std::string());
            }
            records_.push_back(std::move(copy));
        }
        program_ = nullptr;
        program.reset();
    }

    sim::Scenario scenario_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    real::Loop* loop_ = nullptr;
    real::HttpServerProgram* program_ = nullptr;
    std::vector<CopiedRecord> records_;
    std::uint64_t dropped_ = 0;
    std::size_t left_open_ = 0;
};

inline sim::Scenario http_scenario(std::string program) {
    sim::Scenario s;
    s.server.program = std::move(program);
    return s;
}

// A peer nobody here wrote, run by the shell (the command puts its own
// timeout(1) in front of the program): its exit status and standard output
// (standard error too with `with_stderr`).
struct PeerResult {
    int status = -1;
    std::string out;
};
inline PeerResult run_peer(const std::string& command, bool with_stderr = false) {
    const std::string line = command + (with_stderr ? " 2>&1" : " 2>/dev/null");
    PeerResult result;
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) return result;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// The Date header's value changes every second: replace it to compare bytes.
inline std::string without_date(const std::string& bytes) {
    static const std::regex date("Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\r\n");
    return std::regex_replace(bytes, date, "Date: <date>\r\n");
}

// A blocking client socket on 127.0.0.1 with a receive timeout.
class RawClient {
public:
    explicit RawClient(std::uint16_t port, int recv_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (recv_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &recv_buffer, sizeof recv_buffer);
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~RawClient() { close(); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return connected_; }
    int fd() const { return fd_; }
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // Reads what arrives until the peer closes (true) or `timeout` passes.
    bool read_until_closed(std::string& out, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        char buf[65536];
        while (std::chrono::steady_clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return false;
    }
    // Reads until `count` whole responses have arrived (parsed by the same
    // http-parser wrapper in response mode) or `timeout` passes.
    // With `bodies`, each response's body (chunked framing removed).
    bool read_responses(std::size_t count, std::string& out,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000),
                        std::vector<std::string>* bodies = nullptr) {
        struct Counter final : sim::HttpParserEvents {
            std::size_t complete = 0;
            std::vector<std::string>* bodies = nullptr;
            void on_message_begin() override {
                if (bodies != nullptr) bodies->emplace_back();
            }
            void on_body(std::string_view bytes) override {
                if (bodies != nullptr && !bodies->empty()) bodies->back().append(bytes);
            }
            void on_message_complete() override { ++complete; }
        } counter;
        counter.bodies = bodies;
        sim::HttpParser parser(sim::HttpParser::Mode::response, counter);
        parser.feed(out);
        const auto until = std::chrono::steady_clock::now() + timeout;
        char buf[65536];
        while (counter.complete < count && !parser.failed() && std::chrono::steady_clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
            parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        }
        return counter.complete >= count;
    }
    // SO_LINGER 0 then close: the kernel sends RST, not FIN.
    void reset() {
        if (fd_ < 0) return;
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

}  // namespace loopscope::test
