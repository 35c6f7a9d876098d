// The real HTTP server programs against peers nobody here wrote (curl,
// Python's http.client, Node's http client, nc) and raw sockets: keep-alive,
// Node 20's exact bytes, pipelining, chunked bodies both ways, the
// keep-alive timeout, the stream program's backpressure and the blocking
// program's lag. The exact bytes were taken from Node v20.20.2's
// http.createServer on this machine (Date aside).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "real_http_test_support.hpp"

using namespace loopscope;
using test::HttpTestServer;
using test::RawClient;
using trace::Kind;

namespace {

using std::chrono::milliseconds;

std::string get(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra) + "\r\n";
}

constexpr std::string_view node_chunked_hello =
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
    "Transfer-Encoding: chunked\r\n\r\nb\r\nHello world\r\n0\r\n\r\n";

// The stream program's file: the simulator's pattern, every chunk alike.
std::string stream_file(std::uint64_t bytes, std::uint64_t chunk_bytes) {
    const std::string_view pattern = "loopscope file: the bytes of bigfile.mp4, streamed 64 KiB at a time. ";
    std::string chunk;
    while (chunk.size() < chunk_bytes) chunk.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), chunk_bytes - chunk.size())));
    std::string file;
    while (file.size() < bytes) file.append(chunk.substr(0, std::min<std::size_t>(chunk.size(), bytes - file.size())));
    return file;
}

}  // namespace

TEST_CASE("curl fetches two URLs over one kept-alive connection", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    const auto result = test::run_peer("timeout 10 curl -sv --http1.1 " + server.url("/") + " " + server.url("/again"), true);
    INFO(result.out);
    CHECK(result.status == 0);
    CHECK(result.out.find("Re-using existing connection") != std::string::npos);
    // Both bodies, one after the other.
    const auto first = result.out.find("Hello world");
    REQUIRE(first != std::string::npos);
    CHECK(result.out.find("Hello world", first + 1) != std::string::npos);
    CHECK(server.connections_served() == 1);
    server.stop();
    CHECK(server.count(Kind::js_request) == 2);
    CHECK(server.count(Kind::http_response_end) == 2);
    const auto requests = server.of_kind(Kind::js_request);
    CHECK(requests[0]->text("url") == "/");
    CHECK(requests[1]->text("url") == "/again");
    CHECK(requests[1]->field("n") == 2);
}

TEST_CASE("curl gets the site's page and files with their content types on one connection", "[real][http]") {
    HttpTestServer server(test::http_scenario("site"));
    const auto result = test::run_peer("timeout 10 curl -s --http1.1 -o /dev/null -o /dev/null -o /dev/null -w '%{content_type} %{size_download}\\n' " +
                                       server.url("/") + " " + server.url("/style.css") + " " + server.url("/img1.png"));
    INFO(result.out);
    CHECK(result.status == 0);
    CHECK(result.out == "text/html 20000\ntext/css 10000\nimage/png 30000\n");
    CHECK(server.connections_served() == 1);
}

TEST_CASE("Python's http.client gets the hello response with Node's headers, twice on one connection", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    const std::string script =
        "import http.client; c = http.client.HTTPConnection(\"127.0.0.1\", " + std::to_string(server.port()) +
        ", timeout=5); c.request(\"GET\", \"/\"); r = c.getresponse(); b = r.read(); "
        "print(r.status, r.reason, r.getheader(\"Connection\"), r.getheader(\"Keep-Alive\"), r.getheader(\"Transfer-Encoding\"), "
        "r.getheader(\"Date\")[-3:], b.decode()); "
        "c.request(\"GET\", \"/second\"); r = c.getresponse(); print(r.status, r.read().decode()); c.close()";
    const auto result = test::run_peer("timeout 10 python3 -c '" + script + "'", true);
    INFO(result.out);
    CHECK(result.status == 0);
    CHECK(result.out == "200 OK keep-alive timeout=5 chunked GMT Hello world\n200 Hello world\n");
    CHECK(server.connections_served() == 1);
}

TEST_CASE("Node's http client with a keepAlive agent sends two requests on one socket", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    const std::string script =
        "const http = require(\"http\"); const agent = new http.Agent({ keepAlive: true }); "
        "const get = (path) => new Promise((resolve, reject) => { const req = http.get({ host: \"127.0.0.1\", port: " +
        std::to_string(server.port()) +
        ", path, agent }, (res) => { let body = \"\"; res.setEncoding(\"utf8\"); res.on(\"data\", (d) => body += d); "
        "res.on(\"end\", () => resolve([res.statusCode, res.headers.connection, body, req.reusedSocket])); }); "
        "req.on(\"error\", reject); }); "
        "(async () => { const a = await get(\"/\"); const b = await get(\"/b\"); console.log(JSON.stringify([a, b])); agent.destroy(); })()"
        ".catch((e) => { console.error(e); process.exit(1); });";
    const auto result = test::run_peer("timeout 10 node -e '" + script + "'", true);
    INFO(result.out);
    CHECK(result.status == 0);
    CHECK(result.out == "[[200,\"keep-alive\",\"Hello world\",false],[200,\"keep-alive\",\"Hello world\",true]]\n");
    CHECK(server.connections_served() == 1);
}

TEST_CASE("nc gets Node's exact bytes for the chunked hello", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    const auto result = test::run_peer("printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | timeout 10 nc -q1 127.0.0.1 " +
                                       std::to_string(server.port()));
    CHECK(test::without_date(result.out) == node_chunked_hello);
    server.stop();
    // What the parser and res did, in the simulator's kinds.
    REQUIRE(server.count(Kind::http_headers_complete) == 1);
    const auto* head = server.of_kind(Kind::http_headers_complete)[0];
    CHECK(head->text("method") == "GET");
    CHECK(head->text("version") == "1.1");
    CHECK(head->field("headers") == 1);
    CHECK(head->field("keep_alive") == 1);
    REQUIRE(server.count(Kind::http_response) == 1);
    const auto* response = server.of_kind(Kind::http_response)[0];
    CHECK(response->text("framing") == "chunked");
    CHECK(response->field("status") == 200);
    // The head's bytes: the placeholder "<date>" is 6 bytes, a real date 29.
    const std::size_t head_bytes = node_chunked_hello.find("\r\n\r\n") + 4 - 6 + 29;
    CHECK(response->field("header_bytes") == static_cast<std::int64_t>(head_bytes));
    const auto chunk = server.of_kind(Kind::http_response_chunk);
    REQUIRE(chunk.size() == 1);
    CHECK(chunk[0]->field("bytes") == 11);
    CHECK(chunk[0]->field("framed") == 16);
    CHECK(server.count(Kind::http_parse) >= 1);
    CHECK(server.count(Kind::js_res_write) == 1);
    CHECK(server.count(Kind::js_res_end) == 1);
}

TEST_CASE("res.end(body) with a Content-Type sends Content-Length, as Node does", "[real][http]") {
    sim::Scenario s = test::http_scenario("hello");
    s.server.hello_end_with_body = true;
    s.server.content_type = "text/plain";
    HttpTestServer server(s);
    RawClient client(server.port());
    REQUIRE(client.send(get("/")));
    std::string out;
    REQUIRE(client.read_responses(1, out));
    CHECK(test::without_date(out) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
          "Content-Length: 11\r\n\r\nHello world");
}

TEST_CASE("HEAD gets the head without a body, HTTP/1.0 gets a body ended by the close", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    {
        RawClient client(server.port());
        REQUIRE(client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string out;
        CHECK_FALSE(client.read_until_closed(out, milliseconds(300)));  // kept alive
        CHECK(test::without_date(out) == "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n");
        // Nothing stray follows: the next response on the connection parses.
        out.clear();
        REQUIRE(client.send(get("/")));
        std::vector<std::string> bodies;
        REQUIRE(client.read_responses(1, out, milliseconds(3000), &bodies));
        CHECK(bodies == std::vector<std::string>{"Hello world"});
    }
    {
        RawClient client(server.port());
        REQUIRE(client.send("GET / HTTP/1.0\r\n\r\n"));
        std::string out;
        CHECK(client.read_until_closed(out));
        CHECK(test::without_date(out) == "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\n\r\nHello world");
    }
}

TEST_CASE("a request answered with Connection: close still completes: message_complete and req 'end'", "[real][http]") {
    // The hello handler answers inside 'request', before the parser reaches
    // the request's end; Node still runs onMessageComplete and emits 'end'
    // on req. Both used to be missing for Connection: close and HTTP/1.0.
    HttpTestServer server(test::http_scenario("hello"));
    for (const char* request : {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"}) {
        RawClient client(server.port());
        REQUIRE(client.send(request));
        std::string out;
        CHECK(client.read_until_closed(out));
        CHECK_THAT(out, Catch::Contains("Hello world"));
    }
    // A request pipelined after the Connection: close one is not read, as in Node.
    RawClient client(server.port());
    REQUIRE(client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/again")));
    std::string out;
    CHECK(client.read_until_closed(out));
    server.stop();
    CHECK(server.count(Kind::js_request) == 3);
    CHECK(server.count(Kind::http_message_complete) == 3);
    CHECK(server.count(Kind::js_req_end) == 3);
}

TEST_CASE("pipelined requests in one write are answered in order, one response at a time", "[real][http]") {
    HttpTestServer server(test::http_scenario("hello"));
    RawClient client(server.port());
    REQUIRE(client.send(get("/1") + get("/2") + get("/3", "Connection: close\r\n") + get("/4")));
    std::string out;
    CHECK(client.read_until_closed(out));
    // Three responses, then the close asked for by the third; the fourth
    // request is not answered (Node's resOnFinish ends the socket).
    const std::string keep(node_chunked_hello);
    const std::string close_hello =
        "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nHello world\r\n0\r\n\r\n";
    CHECK(test::without_date(out) == keep + keep + close_hello);
    server.stop();
    const auto requests = server.of_kind(Kind::js_request);
    REQUIRE(requests.size() == 3);
    CHECK(requests[0]->text("url") == "/1");
    CHECK(requests[2]->text("url") == "/3");
    const auto ends = server.of_kind(Kind::http_response_end);
    REQUIRE(ends.size() == 3);
    for (std::size_t i = 0; i < ends.size(); ++i) CHECK(ends[i]->field("n") == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("a pipelined request's streamed response waits until the one before it is finished", "[real][http]") {
    sim::Scenario s = test::http_scenario("stream");
    s.server.file_bytes = 300'000;  // five chunks, the last one short
    HttpTestServer server(s);
    RawClient client(server.port());
    REQUIRE(client.send(get("/a") + get("/b")));
    std::string out;
    std::vector<std::string> bodies;
    REQUIRE(client.read_responses(2, out, milliseconds(3000), &bodies));
    const std::string file = stream_file(s.server.file_bytes, s.server.file_chunk_bytes);
    REQUIRE(bodies.size() == 2);
    CHECK(bodies[0].size() == file.size());
    CHECK(bodies[0] == file);
    CHECK(bodies[1] == file);
    server.stop();
    // Each stream read its file in order, 5 chunks and the end (0 bytes).
    std::int64_t read = 0;
    for (const auto* r : server.of_kind(Kind::js_file_read)) {
        read += r->field("bytes");
        CHECK(r->field("reads_in_flight") <= 1);
    }
    CHECK(read == 2 * 300'000);
    CHECK(server.count(Kind::js_file_read) == 12);
}

TEST_CASE("a chunked request body reaches the handler the same in any pieces", "[real][http]") {
    const std::string request =
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    const std::size_t piece = GENERATE(1, 7, 1000);
    HttpTestServer server(test::http_scenario("hello"));
    RawClient client(server.port());
    const int one = 1;
    ::setsockopt(client.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (std::size_t at = 0; at < request.size(); at += piece)
        REQUIRE(client.send(std::string_view(request).substr(at, piece)));
    std::string out;
    REQUIRE(client.read_responses(1, out));
    CHECK(test::without_date(out) == node_chunked_hello);
    server.stop();
    const auto* head = server.of_kind(Kind::http_headers_complete).at(0);
    CHECK(head->field("chunked") == 1);
    CHECK(head->text("method") == "POST");
    std::vector<std::int64_t> sizes;
    for (const auto* r : server.of_kind(Kind::http_chunk_header)) sizes.push_back(r->field("size"));
    CHECK(sizes == std::vector<std::int64_t>{5, 6, 0});
    std::int64_t data = 0;
    for (const auto* r : server.of_kind(Kind::js_req_data)) data += r->field("bytes");
    CHECK(data == 11);
    REQUIRE(server.count(Kind::js_req_end) == 1);
    CHECK(server.of_kind(Kind::js_req_end)[0]->field("bytes") == 11);
}

TEST_CASE("keepAliveTimeout closes an idle kept-alive connection", "[real][http]") {
    sim::Scenario s = test::http_scenario("hello");
    s.server.keep_alive_timeout_ns = 200'000'000;
    HttpTestServer server(s);
    RawClient client(server.port());
    REQUIRE(client.send(get("/")));
    std::string out;
    REQUIRE(client.read_responses(1, out));
    // Node writes the timeout in whole seconds: 200 ms is "timeout=0".
    CHECK(out.find("Keep-Alive: timeout=0\r\n") != std::string::npos);
    const auto start = std::chrono::steady_clock::now();
    std::string rest;
    CHECK(client.read_until_closed(rest, milliseconds(3000)));
    const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
    CHECK(rest.empty());
    CHECK(waited >= 150);
    CHECK(waited < 1500);
    server.stop();
    const auto timeouts = server.of_kind(Kind::http_keep_alive_timeout);
    REQUIRE(timeouts.size() == 1);
    CHECK(timeouts[0]->field("timeout") == 200'000'000);
    CHECK(timeouts[0]->field("requests") == 1);
}

TEST_CASE("the stream program pauses on write() false and resumes on 'drain' for a slow reader", "[real][http]") {
    sim::Scenario s = test::http_scenario("stream");
    s.server.file_bytes = 8u << 20;  // more than the kernel's buffers hold
    s.server.stream_content_length = true;
    HttpTestServer server(s);
    RawClient client(server.port(), 32768);
    REQUIRE(client.send(get("/bigfile.mp4")));
    std::this_thread::sleep_for(milliseconds(300));  // not reading: the buffers fill up
    std::string out;
    std::vector<std::string> bodies;
    REQUIRE(client.read_responses(1, out, milliseconds(5000), &bodies));
    CHECK(out.find("Content-Length: 8388608\r\n") != std::string::npos);
    CHECK(bodies.at(0) == stream_file(s.server.file_bytes, s.server.file_chunk_bytes));
    server.stop();
    REQUIRE(server.count(Kind::js_pipe_pause) >= 1);
    REQUIRE(server.count(Kind::js_pipe_resume) >= 1);
    // write() false, then the pause, then (after 'drain') the resume.
    std::size_t first_false = 0, first_pause = 0, first_resume = 0;
    for (std::size_t i = server.records().size(); i-- > 0;) {
        const auto& r = server.records()[i];
        if (r.kind == Kind::js_res_write && r.field("returned") == 0) first_false = i;
        if (r.kind == Kind::js_pipe_pause) first_pause = i;
        if (r.kind == Kind::js_pipe_resume) first_resume = i;
    }
    CHECK(first_false < first_pause);
    CHECK(first_pause < first_resume);
    const auto* pause = server.of_kind(Kind::js_pipe_pause)[0];
    CHECK(pause->field("writable_length") >= static_cast<std::int64_t>(s.server.high_water_mark));
    for (const auto* r : server.of_kind(Kind::js_file_read)) CHECK(r->field("reads_in_flight") <= 1);
}

TEST_CASE("the blocking program's slow request holds up the others and the interval", "[real][http]") {
    sim::Scenario s = test::http_scenario("blocking");
    s.server.burn_cpu_ns = 150'000'000;
    s.server.interval_ns = 10'000'000;
    HttpTestServer server(s);
    RawClient slow(server.port());
    RawClient fast(server.port());
    REQUIRE(slow.send(get("/report")));
    std::this_thread::sleep_for(milliseconds(20));
    const auto sent = std::chrono::steady_clock::now();
    REQUIRE(fast.send(get("/")));
    std::string fast_out, slow_out;
    std::vector<std::string> fast_body, slow_body;
    REQUIRE(fast.read_responses(1, fast_out, milliseconds(3000), &fast_body));
    const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - sent).count();
    REQUIRE(slow.read_responses(1, slow_out, milliseconds(3000), &slow_body));
    CHECK(fast_body.at(0) == "Hello world");
    CHECK(slow_body.at(0) == "report ready");
    // The fast request waited for most of the 150 ms burn.
    CHECK(waited >= 100);
    std::this_thread::sleep_for(milliseconds(60));  // the interval runs on time again
    server.stop();
    std::int64_t latest = 0;
    for (const auto* r : server.of_kind(Kind::js_timer)) latest = std::max(latest, r->field("late"));
    CHECK(latest >= 100'000'000);
    CHECK(server.count(Kind::js_timer) >= 3);
}

TEST_CASE("the program registry makes the real HTTP servers, and says which programs it has", "[real][http]") {
    real::Loop loop(test::real_loop_options());
    real::RunNotes notes;
    for (const char* program : {"hello", "site", "stream", "blocking"}) {
        sim::Scenario s = test::http_scenario(program);
        s.server.file_bytes = 1000;
        auto server = real::make_server_program(loop, s, notes);
        REQUIRE(server != nullptr);
        CHECK_FALSE(server->listen("127.0.0.1", 0));
        CHECK(server->port() != 0);
        server->close();
    }
    sim::Scenario s = test::http_scenario("no-such-program");
    CHECK_THROWS_AS(real::make_http_server(loop, s, notes), std::invalid_argument);
}

TEST_CASE("adopt() serves a stream accepted elsewhere, as the TLS layer hands over its streams", "[real][http]") {
    real::Loop loop(test::real_loop_options());
    sim::Scenario s = test::http_scenario("hello");
    real::HttpServerProgram server(loop, real::make_http_handler(s.server), real::http_server_options(s));
    // Someone else's listener and stream (events first go nowhere), then adopt.
    struct Nobody final : real::StreamEvents {} nobody;
    real::TcpListener listener(loop, 2, [&](real::SocketFd fd) {
        server.adopt(std::make_unique<real::TcpStream>(loop, fd, nobody));
    });
    REQUIRE_FALSE(listener.listen("127.0.0.1", 0));
    std::string out;
    std::atomic<bool> done{false};
    std::thread client([&] {
        RawClient c(listener.port());
        c.send(get("/"));
        c.read_responses(1, out);
        done = true;
    });
    const auto until = real::monotonic_now() + 3'000'000'000;
    while (!done && real::monotonic_now() < until) loop.run(real::monotonic_now() + 20'000'000);
    client.join();
    CHECK(test::without_date(out) == node_chunked_hello);
    CHECK(server.connections_served() == 1);
    listener.close();
    server.close();
    loop.run(real::monotonic_now() + 200'000'000);
    CHECK(server.open_connections() == 0);
}
