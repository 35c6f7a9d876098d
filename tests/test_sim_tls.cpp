// TLS inside the whole simulation: a TLS echo over simulated TCP, with the
// server's handshake cryptography on Node's main thread.
#include <catch2/catch.hpp>

#include <variant>

#include "sim/lessons.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

sim::Scenario tls_echo(int version) {
    sim::Scenario s = test::basic_scenario();
    s.server.tls = true;
    s.server.tls_version = static_cast<std::uint32_t>(version);
    s.clients.message_bytes = 200;
    return s;
}

std::string text_field(const trace::Trace& t, std::size_t i, std::string_view name) {
    return std::string(t.text(test::field(t, i, name)));
}

// Time of the first event of `kind` on `host` that `also` accepts.
trace::Nanos first_time(const trace::Trace& t, Kind kind, std::uint8_t host,
                        const std::function<bool(std::size_t)>& also = {}) {
    for (std::size_t i : test::find_all(t, kind))
        if (t[i].host == host && (!also || also(i))) return t[i].time;
    FAIL("no such event");
    return -1;
}

// Keeps every byte its socket's 'data' gave it, and echoes like `echo`.
struct RecordingEcho final : sim::ServerProgram {
    std::string* seen;
    bool* connected_secure;
    RecordingEcho(std::string* s, bool* c) : seen(s), connected_secure(c) {}
    void on_connection(sim::NodeApi&, std::int32_t) override { *connected_secure = true; }
    void on_data(sim::NodeApi& node, std::int32_t conn, const std::string& chunk) override {
        *seen += chunk;
        node.write(conn, "You said: " + chunk);
    }
};

}  // namespace

TEST_CASE("TLS round trips: SYN to the first request byte is 2 RTT with TLS 1.3, 3 RTT with TLS 1.2", "[tls][sim]") {
    for (int version : {13, 12}) {
        sim::Scenario s = tls_echo(version);
        // A long link, so the few hundred microseconds of CPU do not count.
        s.network.latency_ns = 10'000'000;
        const trace::Nanos rtt = 2 * s.network.latency_ns;
        const auto t = test::run(s);
        const auto syn = first_time(t, Kind::wire_segment, sim::client_host,
                                    [&](std::size_t i) { return test::field(t, i, "flags") == trace::tcp_syn; });
        const auto first_data = first_time(t, Kind::tls_record, sim::client_host, [&](std::size_t i) {
            return text_field(t, i, "type") == "application_data";
        });
        const int expected = version == 13 ? 2 : 3;
        INFO("TLS " << version << ": " << (first_data - syn) << " ns from SYN to the first application byte");
        REQUIRE(first_data - syn >= expected * rtt);
        REQUIRE(first_data - syn < expected * rtt + rtt / 10);
        // Both ends say how many round trips the handshake took.
        for (std::size_t i : test::find_all(t, Kind::tls_established))
            REQUIRE(test::field(t, i, "round_trips") == expected - 1);
        REQUIRE(test::count(t, Kind::tls_established) == 2);
    }
}

TEST_CASE("TLS: the server's handshake crypto runs on the main thread, inside the 'data' callback", "[tls][sim]") {
    sim::Scenario s = tls_echo(13);
    s.server.tls_signature = "rsa-2048";
    const auto t = test::run(s);
    const auto crypto = test::find_all(t, Kind::tls_crypto);
    REQUIRE(crypto.size() == 3);
    trace::Nanos cpu = 0;
    for (std::size_t i : crypto) {
        REQUIRE(t[i].host == sim::server_host);
        cpu += test::field(t, i, "dur");
    }
    REQUIRE(cpu == 2 * 32'500 + 271'500);  // two X25519 operations and an RSA-2048 signature
    // The callback that handed ClientHello to TLS is their cause, and its
    // dur includes them: the loop could do nothing else meanwhile.
    const std::size_t callback = t[crypto.front()].cause;
    REQUIRE(t[callback].kind == Kind::js_data);
    REQUIRE(test::field(t, callback, "dur") == s.server.cpu_per_callback_ns + cpu);
    // The server's flight leaves once the callback's CPU time has passed.
    const auto server_hello = first_time(t, Kind::tls_handshake, sim::server_host);
    REQUIRE(server_hello == t[callback].time + test::field(t, callback, "dur"));
    // Nothing else happens in the loop during the callback.
    for (std::size_t i = callback + 1; i < t.size() && t[i].time < server_hello; ++i) {
        const auto lane = trace::kind_spec(t[i].kind).lane;
        REQUIRE(lane != trace::Lane::loop);
        REQUIRE(lane != trace::Lane::notifier);
    }
}

TEST_CASE("TLS 1.2: the shared secret is computed when ClientKeyExchange arrives, in a later callback", "[tls][sim]") {
    const auto t = test::run(tls_echo(12));
    const auto crypto = test::find_all(t, Kind::tls_crypto);
    REQUIRE(crypto.size() == 3);
    REQUIRE(text_field(t, crypto[2], "what") == "X25519 shared secret");
    REQUIRE(t[crypto[2]].cause != t[crypto[0]].cause);
    std::vector<std::string> server_messages;
    for (std::size_t i : test::find_all(t, Kind::tls_handshake))
        if (t[i].host == sim::server_host) server_messages.push_back(text_field(t, i, "message"));
    REQUIRE(server_messages ==
            std::vector<std::string>{"ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone", "Finished"});
}

TEST_CASE("TLS: the inner program sees exactly the client's plaintext, and the client gets the echo", "[tls][sim]") {
    for (int version : {13, 12}) {
        for (std::uint32_t mss : {1460u, 100u}) {
            sim::Scenario s = tls_echo(version);
            s.clients.message_bytes = 40'000;  // three records
            s.clients.messages = 2;
            s.network.mss = mss;
            std::string seen;
            bool secure = false;
            const auto t = test::run(s, std::make_unique<RecordingEcho>(&seen, &secure));
            REQUIRE(secure);
            REQUIRE(seen == sim::filler_bytes(0, 80'000));
            // The client's totals count plaintext; TCP carried more.
            const auto done = test::find_all(t, Kind::client_done);
            REQUIRE(done.size() == 1);
            REQUIRE(test::field(t, done[0], "sent") > 80'000);
            REQUIRE(test::sum_field(t, Kind::js_data, "bytes") > 80'000);
            // TCP carried exactly the records, on both sides.
            std::int64_t client_wire = 0, server_wire = 0;
            for (std::size_t i : test::find_all(t, Kind::tls_record))
                (t[i].host == sim::client_host ? client_wire : server_wire) += test::field(t, i, "wire");
            REQUIRE(client_wire == test::field(t, done[0], "sent"));
            REQUIRE(server_wire == test::sum_field(t, Kind::js_write, "bytes"));
            REQUIRE(server_wire == test::field(t, done[0], "received"));
            // Each application record is at most 16 KiB of plaintext plus its overhead.
            const std::int64_t overhead = version == 13 ? 22 : 29;
            for (std::size_t i : test::find_all(t, Kind::tls_record)) {
                if (text_field(t, i, "type") != "application_data") continue;
                REQUIRE(test::field(t, i, "plain") <= 16384);
                REQUIRE(test::field(t, i, "wire") == test::field(t, i, "plain") + overhead);
            }
        }
    }
}

TEST_CASE("TLS: the same scenario gives the same trace", "[tls][sim]") {
    const auto a = test::run(tls_echo(13));
    const auto b = test::run(tls_echo(13));
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].kind == b[i].kind);
        REQUIRE(a[i].time == b[i].time);
    }
}

namespace {

// Burns CPU twice in its 'data' callback, each followed by a write.
struct TwoSteps final : sim::ServerProgram {
    std::vector<std::pair<std::uint64_t, trace::Nanos>>* done;
    explicit TwoSteps(std::vector<std::pair<std::uint64_t, trace::Nanos>>* d) : done(d) {}
    void on_data(sim::NodeApi& node, std::int32_t conn, const std::string&) override {
        node.burn_cpu_then(100'000, conn, 1);
        node.burn_cpu_then(50'000, conn, 2);
    }
    void on_cpu_done(sim::NodeApi& node, std::int32_t conn, std::uint64_t tag) override {
        done->emplace_back(tag, node.now());
        node.write(conn, "step " + std::to_string(tag));
    }
};

}  // namespace

TEST_CASE("burn_cpu_then: continuations run in order once the callback's CPU time has passed", "[tls][sim][loop]") {
    sim::Scenario s = test::basic_scenario();
    std::vector<std::pair<std::uint64_t, trace::Nanos>> done;
    const auto t = test::run(s, std::make_unique<TwoSteps>(&done));
    REQUIRE(done.size() == 2);
    REQUIRE(done[0].first == 1);
    REQUIRE(done[1].first == 2);
    const auto data = test::find_all(t, Kind::js_data);
    REQUIRE(data.size() == 1);
    const auto dur = test::field(t, data[0], "dur");
    REQUIRE(dur == s.server.cpu_per_callback_ns + 150'000);
    REQUIRE(done[0].second == t[data[0]].time + dur);
    // The second runs after the first one's write() system call.
    REQUIRE(done[1].second == done[0].second + sim::syscall_ns);
    // The writes are caused by the callback's event.
    for (std::size_t i : test::find_all(t, Kind::js_write)) REQUIRE(t[t[i].cause].cause == data[0]);
}

TEST_CASE("the https lesson: the GET over one TLS round trip, two with --set server.tls_version=12", "[tls][lessons]") {
    const sim::Lesson* lesson = sim::find_lesson("https");
    REQUIRE(lesson != nullptr);
    for (const auto& [set, round_trips] : {std::pair{"server.tls_version=13", 1}, std::pair{"server.tls_version=12", 2}}) {
        auto loaded = sim::load_lesson(*lesson, {set});
        REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
        const auto t = test::run(std::get<sim::Scenario>(loaded));
        const auto established = test::find_all(t, Kind::tls_established);
        REQUIRE(established.size() == 2);
        for (std::size_t i : established) REQUIRE(test::field(t, i, "round_trips") == round_trips);
        // The same GET as request-flow went through TLS: one request, and
        // the 152-byte response in records the browser read in full.
        REQUIRE(test::count(t, Kind::js_request) == 1);
        std::int64_t response = 0, response_wire = 0;
        for (std::size_t i : test::find_all(t, Kind::tls_record))
            if (t[i].host == sim::server_host && text_field(t, i, "type") == "application_data") {
                response += test::field(t, i, "plain");
                response_wire += test::field(t, i, "wire");
            }
        REQUIRE(response == 152);
        const auto reads = test::find_all(t, Kind::client_read);
        REQUIRE(test::field(t, reads.back(), "bytes") == response_wire);
        REQUIRE(test::count(t, Kind::client_done) == 1);
    }
}
