// Node's http.Server model: the parser wrapper, the bytes of each response
// as Node 20 writes them, keep-alive, and the split invariance the issue
// asks for: a request delivered whole, byte by byte or at any chunk size
// parses to the same requests, bodies and responses.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "sim/http_server.hpp"
#include "sim/http_site.hpp"
#include "trace/explain.hpp"
#include "trace/summary.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

// A NodeApi that only keeps what the HTTP layer writes: enough to drive
// HttpServer without the event loop.
struct FakeNode final : sim::NodeApi {
    sim::Scenario scenario_;
    std::string out;
    bool ended = false;
    bool destroyed = false;
    std::vector<std::uint64_t> ticks;
    bool write(std::int32_t, std::string bytes) override {
        if (destroyed || ended) return false;
        out += bytes;
        return true;
    }
    void end(std::int32_t) override { ended = true; }
    void destroy(std::int32_t) override { destroyed = true; }
    void pause(std::int32_t) override {}
    void resume(std::int32_t) override {}
    void set_timeout(sim::Nanos, std::uint64_t) override {}
    void set_immediate(std::uint64_t) override {}
    void next_tick(std::uint64_t tag) override { ticks.push_back(tag); }
    void queue_microtask(std::uint64_t) override {}
    void submit_work(sim::Nanos, std::int32_t, std::uint64_t) override {}
    void burn_cpu(sim::Nanos) override {}
    void burn_cpu_then(sim::Nanos, std::int32_t, std::uint64_t) override {}
    std::uint32_t running_event() const override { return 0; }
    std::uint64_t writable_length(std::int32_t) const override { return 0; }
    void cork(std::int32_t) override {}
    void uncork(std::int32_t) override {}
    void clear_timeout(std::uint64_t) override {}
    std::uint32_t record(Kind, std::int32_t, std::initializer_list<std::int64_t>) override { return 0; }
    std::int64_t text(std::string_view) override { return 0; }
    void set_cause(std::uint32_t) override {}
    sim::Nanos now() const override { return 0; }
    const sim::Scenario& scenario() const override { return scenario_; }
};

// Answers every request with what it understood, once its body is in.
struct Reporter final : sim::HttpHandler {
    std::string* log;
    std::map<sim::RequestId, std::string> bodies;
    explicit Reporter(std::string* l) : log(l) {}
    void on_request(sim::HttpApi& http, sim::RequestId req) override {
        *log += http.request(req).method + " " + http.request(req).url + ";";
    }
    void on_req_data(sim::HttpApi&, sim::RequestId req, std::string_view bytes) override { bodies[req] += bytes; }
    void on_req_end(sim::HttpApi& http, sim::RequestId req) override {
        *log += "body=" + bodies[req] + ";";
        http.end(req, "got " + std::to_string(bodies[req].size()));
    }
};

struct Outcome {
    std::string log;       // requests and bodies as the handler saw them
    std::string response;  // every byte the server wrote
    bool destroyed = false;
    bool operator==(const Outcome&) const = default;
};

Outcome serve(const std::string& input, std::size_t chunk) {
    Outcome result;
    FakeNode node;
    sim::HttpServer server(node.scenario_.server, std::make_unique<Reporter>(&result.log));
    server.on_connection(node, 1);
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        server.on_data(node, 1, input.substr(at, chunk));
        for (std::uint64_t tag : std::exchange(node.ticks, {})) server.on_tick(node, tag);
    }
    result.response = node.out;
    result.destroyed = node.destroyed;
    return result;
}

const std::string get = "GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
const std::string post = "POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhello=world";
const std::string chunked_post =
    "POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
const std::string both_lengths =
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
const std::string big_header = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'a') + "\r\n\r\n";

constexpr std::string_view ok_head = "HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n";
constexpr std::string_view keep_alive = "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

std::string ok(std::string_view body) {
    return std::string(ok_head) + std::string(keep_alive) + "Content-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + std::string(body);
}

}  // namespace

TEST_CASE("every HTTP case parses to the same requests and responses at every chunk size", "[sim][http][split]") {
    struct Case {
        const char* name;
        std::string input;
        Outcome expected;
    };
    const std::vector<Case> cases = {
        {"GET", get, {"GET /index.html;body=;", ok("got 0"), false}},
        {"POST with Content-Length", post, {"POST /form;body=hello=world;", ok("got 11"), false}},
        {"chunked POST", chunked_post, {"POST /up;body=hello world;", ok("got 11"), false}},
        {"pipelined pair", get + post,
         {"GET /index.html;body=;POST /form;body=hello=world;", ok("got 0") + ok("got 11"), false}},
        {"malformed request line", "GARBAGE\r\n\r\n", {"", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true}},
        {"Content-Length and Transfer-Encoding", both_lengths,
         {"", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true}},
        {"header over 16 KiB", big_header,
         {"", "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n", true}},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const Outcome whole = serve(c.input, c.input.size());
        CHECK(whole == c.expected);
        CHECK(serve(c.input, 1) == whole);
        for (std::size_t size = 2; size < c.input.size(); ++size) {
            INFO("chunk size " << size);
            REQUIRE(serve(c.input, size) == whole);
        }
    }
}

TEST_CASE("the parser counts pipelined messages and names its errors", "[sim][http]") {
    struct Sink final : sim::HttpParserEvents {
        std::vector<std::string> seen;
        void on_headers_complete(const sim::HttpHead& h) override {
            seen.push_back(h.method + " " + h.url + (h.keep_alive ? " keep-alive" : " close") +
                           (h.chunked ? " chunked" : "") + " headers=" + std::to_string(h.headers));
        }
        void on_chunk_header(std::uint64_t size) override { seen.push_back("chunk " + std::to_string(size)); }
        void on_error(std::string_view name) override { seen.push_back(std::string(name)); }
    };
    Sink sink;
    sim::HttpParser parser(sim::HttpParser::Mode::request, sink);
    parser.feed(get + chunked_post + "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(parser.messages() == 3);
    CHECK(sink.seen == std::vector<std::string>{"GET /index.html keep-alive headers=1",
                                                "POST /up keep-alive chunked headers=2", "chunk 5", "chunk 6", "chunk 0",
                                                "GET / close headers=1"});
    sim::HttpParser bad(sim::HttpParser::Mode::request, sink);
    bad.feed("GARBAGE\r\n\r\n");
    CHECK(bad.error() == "HPE_INVALID_METHOD");
    sim::HttpParser big(sim::HttpParser::Mode::request, sink);
    big.feed(big_header);
    CHECK(big.error() == "HPE_HEADER_OVERFLOW");
}

TEST_CASE("the Date header follows virtual time, one value per second", "[sim][http]") {
    CHECK(sim::http_date(0) == "Mon, 01 Jan 2024 00:00:00 GMT");
    CHECK(sim::http_date(999'999'999) == "Mon, 01 Jan 2024 00:00:00 GMT");
    CHECK(sim::http_date(3'723'000'000'000) == "Mon, 01 Jan 2024 01:02:03 GMT");
    CHECK(sim::http_date(86'400'000'000'000LL * 60) == "Fri, 01 Mar 2024 00:00:00 GMT");  // 2024 is a leap year
}

namespace {

sim::Scenario hello_scenario() {
    auto s = test::basic_scenario();
    s.server.program = "hello";
    s.clients.program = "http-get";
    return s;
}

std::string written(const trace::Trace& t, Kind kind) {
    std::string all;
    for (std::size_t i : test::find_all(t, kind)) all += t.text(test::field(t, i, "data"));
    return all;
}

}  // namespace

TEST_CASE("hello: res.write then res.end is sent chunked, in one write after the tick", "[sim][http]") {
    const auto t = test::run(hello_scenario());
    CHECK(written(t, Kind::loop_write) == std::string(ok_head) + std::string(keep_alive) +
                                              "Transfer-Encoding: chunked\r\n\r\nb\r\nHello world\r\n0\r\n\r\n");
    // Corked by res.write, uncorked on the next tick: one loop.write.
    REQUIRE(test::count(t, Kind::loop_write) == 1);
    const auto write = test::find_all(t, Kind::loop_write)[0];
    CHECK(t[t[write].cause].kind == Kind::js_next_tick);
    CHECK(test::count(t, Kind::js_request) == 1);
    CHECK(test::count(t, Kind::js_data) == 0);  // the parser consumes the socket from C++
    CHECK(test::count(t, Kind::http_parse) == 1);
    const auto response = test::find_all(t, Kind::http_response);
    REQUIRE(response.size() == 1);
    CHECK(t.text(test::field(t, response[0], "framing")) == "chunked");
    // The browser's request arrived intact.
    CHECK(written(t, Kind::client_write).rfind("GET / HTTP/1.1\r\nHost: localhost:3000\r\n", 0) == 0);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    CHECK(test::field(t, done[0], "received") == 152);
}

TEST_CASE("hello: res.end(body) is sent with Content-Length and Content-Type", "[sim][http]") {
    auto s = hello_scenario();
    s.server.hello_end_with_body = true;
    s.server.content_type = "text/plain";
    const auto t = test::run(s);
    CHECK(written(t, Kind::loop_write) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                          "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
                                              std::string(keep_alive) + "Content-Length: 11\r\n\r\nHello world");
    CHECK(test::count(t, Kind::http_response_chunk) == 1);
}

TEST_CASE("an idle keep-alive connection is closed after keepAliveTimeout", "[sim][http][keepalive]") {
    auto s = hello_scenario();
    s.clients.close_when_done = false;  // the browser keeps the connection open
    s.server.keep_alive_timeout_ns = 2'000'000'000;
    const auto t = test::run(s);
    const auto timeouts = test::find_all(t, Kind::http_keep_alive_timeout);
    REQUIRE(timeouts.size() == 1);
    const auto end = test::find_all(t, Kind::http_response_end)[0];
    const auto waited = t[timeouts[0]].time - t[end].time;
    CHECK(waited >= 2'000'000'000);
    CHECK(waited < 2'000'000'000 + 1'000'000);
    CHECK(test::field(t, timeouts[0], "requests") == 1);
    CHECK(test::count(t, Kind::js_destroy) == 1);
    CHECK(test::count(t, Kind::client_done) == 1);  // the client saw the FIN and closed
    CHECK(written(t, Kind::loop_write).find("Keep-Alive: timeout=2\r\n") != std::string::npos);
}

namespace {

sim::Scenario browser_scenario(bool keep_alive) {
    auto s = test::basic_scenario();
    s.server.program = "site";
    s.clients.program = "browser";
    s.clients.keep_alive = keep_alive;
    s.clients.close_when_done = false;
    s.clients.think_ns = 100'000'000;
    s.stop_ns = 7'000'000'000;
    return s;
}

}  // namespace

TEST_CASE("a keep-alive browser reuses its connections, and without keep-alive each request has its own", "[sim][http][keepalive]") {
    const auto kept = test::run(browser_scenario(true));
    const auto closed = test::run(browser_scenario(false));
    // 2 page loads of 7 files each.
    CHECK(test::count(kept, Kind::js_request) == 14);
    CHECK(test::count(closed, Kind::js_request) == 14);
    CHECK(test::count(kept, Kind::client_connect) == 6);  // max_connections, all opened by the first load
    CHECK(test::count(closed, Kind::client_connect) == 14);
    CHECK(trace::summarize(kept).connections_reused == 8);
    CHECK(trace::summarize(closed).connections_reused == 0);
    // Connection: close is honoured: the response says so, and Node ends the socket.
    for (std::size_t i : test::find_all(closed, Kind::http_response)) CHECK(test::field(closed, i, "keep_alive") == 0);
    CHECK(test::count(closed, Kind::js_end_call) == 14);
    CHECK(test::count(closed, Kind::http_keep_alive_timeout) == 0);
    // Kept-alive connections are closed by keepAliveTimeout once idle.
    CHECK(test::count(kept, Kind::http_keep_alive_timeout) == 6);
    // Every response arrived whole: the bytes of all files, twice.
    std::int64_t site = 0;
    for (const auto& r : sim::site_resources(sim::ServerParams{})) site += static_cast<std::int64_t>(r.bytes);
    std::int64_t bodies = 0;
    for (std::size_t i : test::find_all(kept, Kind::http_response_end)) bodies += test::field(kept, i, "body");
    CHECK(bodies == 2 * site);
}

TEST_CASE("pipelined requests are answered in order on one connection", "[sim][http][keepalive]") {
    // Two requests in one chunk; the handler answers the second first.
    struct Backwards final : sim::HttpHandler {
        std::vector<sim::RequestId> seen;
        void on_request(sim::HttpApi&, sim::RequestId req) override { seen.push_back(req); }
        void on_req_end(sim::HttpApi& http, sim::RequestId) override {
            if (seen.size() < 2) return;
            http.end(seen[1], "second");
            http.end(seen[0], "first");
        }
    };
    FakeNode node;
    sim::HttpServer server(node.scenario_.server, std::make_unique<Backwards>());
    server.on_connection(node, 1);
    server.on_data(node, 1, get + get);
    CHECK(node.out == ok("first") + ok("second"));
}

TEST_CASE("bad requests get Node's 400 or 431, then the connection is destroyed", "[sim][http][bad]") {
    struct Case {
        const char* request;
        const char* error;
        std::string answer;
    };
    const auto c = GENERATE(values<Case>({
        {"malformed", "HPE_INVALID_METHOD", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"},
        {"header-too-large", "HPE_HEADER_OVERFLOW", "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"},
        {"both-lengths", "HPE_UNEXPECTED_CONTENT_LENGTH", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"},
    }));
    INFO(c.request);
    auto s = hello_scenario();
    s.clients.program = "bad-request";
    s.clients.request = c.request;
    const auto t = test::run(s);
    const auto errors = test::find_all(t, Kind::http_parse_error);
    REQUIRE(errors.size() == 1);
    CHECK(t.text(test::field(t, errors[0], "error")) == c.error);
    CHECK(test::field(t, errors[0], "status") == std::stoi(c.answer.substr(9, 3)));
    CHECK(test::count(t, Kind::js_request) == 0);  // the handler never sees it
    CHECK(written(t, Kind::loop_write) == c.answer);
    CHECK(test::count(t, Kind::js_destroy) == 1);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    CHECK(test::field(t, done[0], "received") == static_cast<std::int64_t>(c.answer.size()));
    // The explanation names the status.
    CHECK(trace::explain(t, errors[0]).find(c.answer.substr(9, 3)) != std::string::npos);
}

TEST_CASE("a handler that burns CPU delays every other request and the timers", "[sim][http][blocking]") {
    auto s = hello_scenario();
    s.server.program = "blocking";
    s.clients.count = 3;
    s.clients.start_interval_ns = 10'000'000;
    s.clients.slow_clients = 1;
    s.stop_ns = 300'000'000;
    const auto t = test::run(s);
    const auto requests = test::find_all(t, Kind::js_request);
    REQUIRE(requests.size() == 3);
    CHECK(t.text(test::field(t, requests[0], "url")) == "/report");
    // The others reach JavaScript only after the 200 ms of the first.
    CHECK(t[requests[1]].time - t[requests[0]].time >= 200'000'000);
    const auto timers = test::find_all(t, Kind::js_timer);
    REQUIRE(timers.size() >= 2);
    CHECK(test::field(t, timers[0], "late") > 180'000'000);
    CHECK(test::field(t, timers[1], "late") == 0);
    CHECK(trace::summarize(t).max_loop_lag_ns > 180'000'000);
    s.server.burn_cpu_ns = 0;
    const auto quick = test::run(s);
    CHECK(trace::summarize(quick).max_loop_lag_ns < 1'000'000);
}

TEST_CASE("idle keep-alive connections cost memory linearly, on one thread", "[sim][http][load]") {
    auto s = hello_scenario();
    s.clients.program = "load";
    s.clients.count = 500;
    s.clients.start_interval_ns = 80'000;
    s.server.keep_alive_timeout_ns = 60'000'000'000;
    s.stop_ns = 1'000'000'000;
    const auto t = test::run(s);
    CHECK(test::count(t, Kind::js_request) == 500);
    CHECK(test::count(t, Kind::client_done) == 0);  // every connection is still open
    const auto node = test::find_all(t, Kind::js_memory);
    const auto kernel = test::find_all(t, Kind::kernel_memory);
    REQUIRE(node.size() == 500);
    REQUIRE(kernel.size() == 500);
    for (std::size_t i = 0; i < node.size(); ++i) {
        const auto n = static_cast<std::int64_t>(i + 1);
        REQUIRE(test::field(t, node[i], "sockets") == n);
        REQUIRE(test::field(t, node[i], "bytes") == n * 3700);
        REQUIRE(test::field(t, kernel[i], "bytes") == (n + 1) * 4096);
    }
    // Faster than one at a time: some wakeups report many sockets.
    CHECK(test::max_field(t, Kind::notifier_wake, "ready") > 5);
}

namespace {

// res.writeHead(404, {"Content-Type": "text/plain"}); res.end("nope")
struct NotFound final : sim::HttpHandler {
    void on_request(sim::HttpApi& http, sim::RequestId req) override {
        http.write_head(req, 404, {{"Content-Type", "text/plain"}});
        http.end(req, "nope");
    }
};

}  // namespace

TEST_CASE("res.writeHead sets the status line and headers Node sends with the body", "[http]") {
    FakeNode node;
    sim::HttpServer server(node.scenario_.server, std::make_unique<NotFound>());
    server.on_connection(node, 1);
    server.on_data(node, 1, get);
    for (std::uint64_t tag : std::exchange(node.ticks, {})) server.on_tick(node, tag);
    CHECK(node.out == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
                          std::string(keep_alive) + "Content-Length: 4\r\n\r\nnope");
}
