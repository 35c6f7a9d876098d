// The real HTTP server against bad and rude clients: each case checks that
// the server answers or closes as Node 20 does, that it keeps serving a
// normal client afterwards, and that the process ends with as many open
// file descriptors as it started with.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "real_http_test_support.hpp"

using namespace loopscope;
using test::HttpTestServer;
using test::RawClient;
using trace::Kind;

namespace {

using std::chrono::milliseconds;

const std::string hello_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// A normal client after the rude ones: a whole response.
void check_still_serves(HttpTestServer& server) {
    RawClient client(server.port());
    REQUIRE(client.connected());
    REQUIRE(client.send(hello_request));
    std::string out;
    std::vector<std::string> bodies;
    CHECK(client.read_responses(1, out, milliseconds(5000), &bodies));
    CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

}  // namespace

TEST_CASE("a malformed request gets 400 Bad Request and the close", "[real][http]") {
    const std::size_t fds_before = test::open_fd_count();
    {
        HttpTestServer server(test::http_scenario("hello"));
        {
            RawClient client(server.port());
            REQUIRE(client.send("FOO BAR\r\n\r\n"));
            std::string out;
            CHECK(client.read_until_closed(out));
            CHECK(out == "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        }
        check_still_serves(server);
        server.stop();
        CHECK(server.left_open() == 0);
        const auto errors = server.of_kind(Kind::http_parse_error);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0]->text("error") == "HPE_INVALID_METHOD");
        CHECK(errors[0]->field("status") == 400);
    }
    CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("a 20 KB header gets 431 Request Header Fields Too Large and the close", "[real][http]") {
    const std::size_t fds_before = test::open_fd_count();
    {
        HttpTestServer server(test::http_scenario("hello"));
        {
            RawClient client(server.port());
            REQUIRE(client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n"));
            std::string out;
            CHECK(client.read_until_closed(out));
            CHECK(out == "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n");
        }
        check_still_serves(server);
        server.stop();
        CHECK(server.left_open() == 0);
        const auto errors = server.of_kind(Kind::http_parse_error);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0]->text("error") == "HPE_HEADER_OVERFLOW");
        CHECK(errors[0]->field("status") == 431);
        CHECK(server.count(Kind::js_request) == 1);  // only the normal client's
    }
    CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("half a request then a stall gets 408 after headersTimeout; an idle kept-alive connection does not", "[real][http]") {
    const std::size_t fds_before = test::open_fd_count();
    {
        HttpTestServer server(test::http_scenario("hello"), [](real::HttpServerOptions& o) {
            o.timeouts.headers_ns = 200'000'000;
            o.timeouts.check_interval_ns = 50'000'000;
        });
        RawClient kept(server.port());  // a whole request: afterwards only keepAliveTimeout (5 s) applies
        REQUIRE(kept.send(hello_request));
        std::string kept_out;
        REQUIRE(kept.read_responses(1, kept_out));
        const auto start = std::chrono::steady_clock::now();
        RawClient stalled(server.port());
        REQUIRE(stalled.send("GET / HTTP/1.1\r\nHo"));
        RawClient silent(server.port());  // Node 20 also times out a connection that sends nothing
        std::string out, silent_out;
        CHECK(stalled.read_until_closed(out));
        const auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
        CHECK(out == "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
        CHECK(waited >= 200);
        CHECK(waited < 1000);
        CHECK(silent.read_until_closed(silent_out));
        CHECK(silent_out == "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
        // The kept-alive connection is still open and still serves.
        std::string more;
        CHECK_FALSE(kept.read_until_closed(more, milliseconds(100)));
        more.clear();
        REQUIRE(kept.send(hello_request));
        CHECK(kept.read_responses(1, more));
        check_still_serves(server);
        server.stop();
        CHECK(server.left_open() == 0);
        const auto timeouts = server.of_kind(Kind::http_request_timeout);
        REQUIRE(timeouts.size() == 2);
        for (const auto* t : timeouts) {
            CHECK(t->field("timeout") == 200'000'000);
            CHECK(t->field("headers_complete") == 0);
            CHECK(t->field("status") == 408);
        }
    }
    CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("a client that resets mid-response of a big body is closed without harm", "[real][http]") {
    const std::size_t fds_before = test::open_fd_count();
    {
        sim::Scenario s = test::http_scenario("stream");
        s.server.file_bytes = 8u << 20;
        s.server.stream_content_length = true;
        HttpTestServer server(s);
        for (int round = 0; round < 3; ++round) {
            RawClient client(server.port(), 32768);
            REQUIRE(client.send(hello_request));
            // Read a little of the 8 MiB, then RST while the server is still writing.
            std::string some;
            char buf[16384];
            while (some.size() < 100'000) {
                const ssize_t n = ::recv(client.fd(), buf, sizeof buf, 0);
                if (n <= 0) break;
                some.append(buf, static_cast<std::size_t>(n));
            }
            CHECK(some.size() >= 100'000);
            client.reset();
        }
        CHECK(server.wait_open_connections(0, milliseconds(3000)));
        check_still_serves(server);
        server.stop();
        CHECK(server.left_open() == 0);
        CHECK(server.count(Kind::js_request) == 4);
        CHECK(server.count(Kind::http_response_end) == 1);  // only the normal client's response finished
    }
    CHECK(test::open_fd_count() == fds_before);
}

TEST_CASE("1,000 connections opened and dropped abruptly are all closed, and the server still serves", "[real][http]") {
    const std::size_t fds_before = test::open_fd_count();
    {
        HttpTestServer server(test::http_scenario("hello"));
        constexpr int batches = 10;
        constexpr int per_batch = 100;
        for (int b = 0; b < batches; ++b) {
            std::vector<std::unique_ptr<RawClient>> clients;
            for (int i = 0; i < per_batch; ++i) {
                auto c = std::make_unique<RawClient>(server.port());
                REQUIRE(c->connected());
                // A third send nothing, a third half a request, a third a whole one.
                if (i % 3 == 1) c->send("GET / HT");
                if (i % 3 == 2) c->send(hello_request);
                clients.push_back(std::move(c));
            }
            for (int i = 0; i < per_batch; ++i) {
                if (i % 2 == 0) clients[static_cast<std::size_t>(i)]->reset();  // RST
                else clients[static_cast<std::size_t>(i)]->close();             // FIN
            }
        }
        CHECK(server.wait_open_connections(0, milliseconds(5000)));
        check_still_serves(server);
        CHECK(server.connections_served() >= 900);
        server.stop();
        CHECK(server.left_open() == 0);
    }
    CHECK(test::open_fd_count() == fds_before);
}
