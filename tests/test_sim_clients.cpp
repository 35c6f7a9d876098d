// The client host and its programs, and the payload text that client.write
// and loop.write carry for exports.
#include <catch2/catch.hpp>
#include <string>

#include "sim/client_program.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

std::string data_of(const trace::Trace& t, std::size_t index) {
    return std::string(t.text(test::field(t, index, "data")));
}

// Writes one fixed chunk to each new connection, then ends.
struct OneWrite final : sim::ServerProgram {
    std::string bytes;
    explicit OneWrite(std::string b) : bytes(std::move(b)) {}
    void on_connection(sim::NodeApi& node, std::int32_t conn) override {
        node.write(conn, bytes);
        node.end(conn);
    }
};

}  // namespace

TEST_CASE("the filler continues where the last write stopped", "[sim][clients]") {
    const std::string whole = sim::filler_bytes(0, 200);
    for (std::uint64_t offset : {0u, 1u, 30u, 31u, 95u})
        CHECK(sim::filler_bytes(offset, 50) == whole.substr(offset, 50));
    CHECK(whole.rfind("Hello from a loopscope client! ", 0) == 0);
}

TEST_CASE("client.write carries the text the kernel accepted", "[sim][clients][payload]") {
    auto s = test::basic_scenario();
    s.clients.message_bytes = 40;
    const auto t = test::run(s);
    const auto writes = test::find_all(t, Kind::client_write);
    REQUIRE(writes.size() == 1);
    CHECK(data_of(t, writes[0]) == sim::filler_bytes(0, 40));
    // The echo server's reply: "You said: " and the message, as one write.
    const auto replies = test::find_all(t, Kind::loop_write);
    REQUIRE(replies.size() == 1);
    CHECK(data_of(t, replies[0]) == "You said: " + sim::filler_bytes(0, 40));
}

TEST_CASE("an upload's writes each carry their own part of the text, at most 2048 bytes", "[sim][clients][payload]") {
    auto s = test::basic_scenario();
    s.server.program = "sink";
    s.clients.program = "uploader";
    s.clients.upload_bytes = 100'000;
    const auto t = test::run(s);
    const auto writes = test::find_all(t, Kind::client_write);
    REQUIRE(writes.size() > 1);
    std::int64_t before = 0;
    for (std::size_t i : writes) {
        const auto accepted = test::field(t, i, "accepted");
        const auto expected_size = std::min<std::int64_t>(accepted, 2048);
        CHECK(data_of(t, i) == sim::filler_bytes(static_cast<std::uint64_t>(before), static_cast<std::uint64_t>(expected_size)));
        before += accepted;
    }
    CHECK(before == 100'000);
}

TEST_CASE("binary bytes end the text copied into the trace, and CR, LF and TAB are text", "[sim][clients][payload]") {
    auto s = test::basic_scenario();
    s.server.program = "sink";
    s.clients.program = "slow-reader";
    SECTION("a NUL byte") {
        const auto t = test::run(s, std::make_unique<OneWrite>(std::string("ab\0cd", 5)));
        const auto writes = test::find_all(t, Kind::loop_write);
        REQUIRE(writes.size() == 1);
        CHECK(test::field(t, writes[0], "accepted") == 5);
        CHECK(data_of(t, writes[0]) == "ab");  // the printable prefix (docs/trace-format.md)
    }
    SECTION("a byte above 0x7e") {
        const auto t = test::run(s, std::make_unique<OneWrite>("caf\xc3\xa9"));
        CHECK(data_of(t, test::find_all(t, Kind::loop_write)[0]) == "caf");
    }
    SECTION("a binary first byte") {
        const auto t = test::run(s, std::make_unique<OneWrite>(std::string("\x16\x03\x01", 3)));
        CHECK(data_of(t, test::find_all(t, Kind::loop_write)[0]).empty());
    }
    SECTION("HTTP's line endings and a tab") {
        const std::string text = "HTTP/1.1 200 OK\r\nX:\ty\r\n\r\n";
        const auto t = test::run(s, std::make_unique<OneWrite>(text));
        CHECK(data_of(t, test::find_all(t, Kind::loop_write)[0]) == text);
    }
}

TEST_CASE("a slow reader closes after reading the server's FIN", "[sim][clients]") {
    auto s = test::basic_scenario();
    s.server.program = "payload";
    s.server.payload_bytes = 50'000;
    s.clients.program = "slow-reader";
    s.clients.read_bytes = 10'000;
    const auto t = test::run(s);
    const auto reads = test::find_all(t, Kind::client_read);
    REQUIRE(reads.size() == 6);  // five reads of 10,000 bytes, then the EOF read
    CHECK(test::field(t, reads.back(), "eof") == 1);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    CHECK(test::field(t, done[0], "received") == 50'000);
    // The server closed first, so it is the side left in TIME_WAIT.
    CHECK(test::final_state(t, 1, sim::client_host) == trace::TcpState::closed);
    CHECK(test::final_state(t, 1, sim::server_host) == trace::TcpState::time_wait);
}

TEST_CASE("a write's data field keeps the printable prefix of what was written", "[sim][clients]") {
    sim::Scenario scenario;
    sim::Recorder recorder(scenario);
    const auto text = [&](std::string_view bytes) { return std::string(recorder.trace().text(recorder.payload_text(bytes))); };
    // An HTTP head before a binary body (a PNG's signature starts with 0x89).
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
    CHECK(text(head + "\x89PNG") == head);
    CHECK(text("\x16\x03\x01") == "");  // a TLS record header: nothing
    CHECK(text(std::string(5000, 'a')) == std::string(sim::payload_text_limit, 'a'));
    CHECK(text("tab\tand\r\nnewlines") == "tab\tand\r\nnewlines");
}
