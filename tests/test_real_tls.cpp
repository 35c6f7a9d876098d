// TLS on the real loop (real/tls_stream.hpp): our client against our
// server on two loops in two threads, peers nobody here wrote (openssl
// s_client, Node's tls and https clients, curl), and a client that sends
// garbage instead of a ClientHello. Every test binds 127.0.0.1 port 0.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "node_runner.hpp"
#include "real/programs.hpp"
#include "real/tls_server.hpp"
#include "real/tls_stream.hpp"
#include "real_test_support.hpp"

namespace {

using namespace loopscope;
using real::Duplex;
using real::Loop;
using real::TlsStream;
using trace::Kind;

constexpr std::uint8_t server_host = 0;
constexpr std::uint8_t client_host = 1;
constexpr real::Nanos run_limit_ns = 5'000'000'000;

std::size_t open_fds() {
    std::size_t count = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (const dirent* entry = ::readdir(dir))
            if (entry->d_name[0] != '.') ++count;
        ::closedir(dir);
    }
    return count;  // includes the DIR's own fd, the same each time
}

// An echo server over TLS: every secure connection writes back what it
// reads and ends when its peer ends (or, with end_after_line, once it has
// echoed a newline: openssl s_client -quiet waits for the server to close).
class TlsEcho {
public:
    TlsEcho(Loop& loop, const real::TlsServerSettings& settings, bool end_after_line)
        : end_after_line_(end_after_line),
          server_(loop, 1, real::TlsContext::server(settings), real::StreamOptions{},
                  [this](std::unique_ptr<TlsStream> stream) { adopt(std::move(stream)); }) {}

    real::TlsServer& server() { return server_; }
    std::size_t open_connections() const { return connections_.size(); }
    void destroy_all() {
        for (auto& [key, connection] : connections_) connection->stream->destroy();
    }

private:
    struct Connection final : real::StreamEvents {
        TlsEcho* owner = nullptr;
        std::unique_ptr<TlsStream> stream;
        void on_data(Duplex& s, std::string_view bytes) override {
            s.write(bytes);
            if (owner->end_after_line_ && bytes.find('\n') != std::string_view::npos) s.end();
        }
        void on_end(Duplex& s) override { s.end(); }
        void on_close(Duplex&, bool) override { owner->connections_.erase(this); }
    };

    void adopt(std::unique_ptr<TlsStream> stream) {
        auto connection = std::make_unique<Connection>();
        connection->owner = this;
        connection->stream = std::move(stream);
        connection->stream->set_events(*connection);
        Connection* key = connection.get();
        connections_.emplace(key, std::move(connection));
    }

    bool end_after_line_;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
    real::TlsServer server_;
};

// The server's loop on its own thread, as a separate process would be.
class EchoServerThread {
public:
    EchoServerThread(const real::TlsServerSettings& settings, bool end_after_line = false)
        : loop_(test::real_loop_options(server_host)), echo_(loop_, settings, end_after_line) {
        const std::error_code listening = echo_.server().listen("127.0.0.1", 0);
        REQUIRE(!listening);
        thread_ = std::thread([this] { loop_.run(real::monotonic_now() + 2 * run_limit_ns); });
    }
    ~EchoServerThread() { stop(); }

    std::uint16_t port() { return echo_.server().port(); }
    // Closes everything on the loop's own thread, then joins it.
    void stop() {
        if (!thread_.joinable()) return;
        loop_.post([this] {
            echo_.server().close();
            echo_.destroy_all();
        });
        // One more turn lets the close phase run the destroyed streams' on_close.
        loop_.post([this] { loop_.post([this] { loop_.stop(); }); });
        thread_.join();
    }
    Loop& loop() { return loop_; }
    TlsEcho& echo() { return echo_; }

private:
    Loop loop_;
    TlsEcho echo_;
    std::thread thread_;
};

// A client that writes `message` once the handshake is done and ends once
// the echo is back.
struct EchoClient final : real::StreamEvents {
    explicit EchoClient(Loop& loop, std::string message) : loop(loop), message(std::move(message)) {}
    Loop& loop;
    std::string message;
    std::string received;
    std::unique_ptr<TlsStream> stream;
    bool connected = false, ended = false, closed = false, drained = false;
    std::error_code error;
    bool write_on_connect = true;

    void on_connect(Duplex& s) override {
        connected = true;
        if (write_on_connect) s.write(message);
    }
    void on_data(Duplex& s, std::string_view bytes) override {
        received.append(bytes);
        if (received.size() >= message.size()) s.end();
    }
    void on_end(Duplex&) override { ended = true; }
    void on_drain(Duplex&) override { drained = true; }
    void on_error(Duplex&, std::error_code e) override { error = e; }
    void on_close(Duplex&, bool) override {
        closed = true;
        loop.stop();
    }
};

struct TlsRecord {
    Kind kind;
    std::uint8_t host;
    std::string text;  // the message name or the record type
    // The fields in order: tls.handshake {message, bytes, version},
    // tls.record {type, plain, wire}, tls.established {version, round_trips, handshake_ns}.
    std::int64_t a = 0, b = 0, c = 0;
    std::uint32_t cause = real::no_record;
    std::uint32_t id = 0;
    real::Nanos time = 0;
};

std::vector<TlsRecord> tls_records(const real::Tracer& tracer) {
    std::vector<TlsRecord> out;
    for (std::size_t i = 0; i < tracer.size(); ++i) {
        const real::TraceRecord& r = tracer[i];
        if (trace::kind_spec(r.kind).lane != trace::Lane::tls) continue;
        TlsRecord t{r.kind, r.host, "", r.fields[0], r.fields[1], r.fields[2], r.cause, static_cast<std::uint32_t>(i),
                    static_cast<real::Nanos>(r.stamp.ticks)};  // stamps: comparable in order across threads
        if (r.kind != Kind::tls_established) t.text = std::string(tracer.text_of(r.fields[0]));
        out.push_back(t);
    }
    return out;
}

std::vector<std::string> messages_sent(const std::vector<TlsRecord>& records) {
    std::vector<std::string> names;
    for (const TlsRecord& r : records)
        if (r.kind == Kind::tls_handshake) names.push_back(r.text);
    return names;
}

const TlsRecord* find(const std::vector<TlsRecord>& records, Kind kind, std::string_view text = {}) {
    for (const TlsRecord& r : records)
        if (r.kind == kind && (text.empty() || r.text == text)) return &r;
    return nullptr;
}

// A plain TCP client (blocking, with a timeout) for the bad-input test.
struct RawClient {
    int fd = -1;
    explicit RawClient(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval timeout{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~RawClient() {
        if (fd >= 0) ::close(fd);
    }
    // Reads until the server closes; false on a timeout.
    bool read_until_closed(std::string& got) {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
            got.append(buffer, static_cast<std::size_t>(n));
        }
    }
};

}  // namespace

TEST_CASE("TLS: our client and our server echo 13 bytes, with close_notify and FIN, in TLS 1.3 and 1.2",
          "[real][tls]") {
    const std::uint32_t version = GENERATE(13u, 12u);
    const std::string signature = GENERATE(as<std::string>{}, "ecdsa-p256", "rsa-2048");
    INFO("TLS version " << version << ", " << signature);
    const std::size_t fds_before = open_fds();
    {
        EchoServerThread server({version, signature});
        Loop client_loop(test::real_loop_options(client_host));
        EchoClient client(client_loop, "hello, world\n");
        REQUIRE(client.message.size() == 13);
        client.stream = TlsStream::connect(client_loop, "127.0.0.1", server.port(), client);
        client_loop.run(real::monotonic_now() + run_limit_ns);
        server.stop();

        CHECK_FALSE(client.error);
        CHECK(client.connected);
        CHECK(client.received == client.message);
        CHECK(client.ended);  // the server's close_notify (then its FIN)
        CHECK(client.closed);
        CHECK(client.stream->version() == static_cast<int>(version));
        CHECK(client.stream->peer_certificate_bytes() ==
              server.echo().server().context().certificate()->der_bytes());
        CHECK(server.echo().server().handshakes_done() == 1);
        CHECK(server.echo().server().handshake_failures() == 0);

        // Each end records what it sends, on its own loop's tracer: host
        // is the sender.
        const auto on_client = tls_records(client_loop.tracer());
        const auto on_server = tls_records(server.loop().tracer());
        for (const auto& r : on_client) CHECK(r.host == client_host);
        for (const auto& r : on_server) CHECK(r.host == server_host);
        if (version == 13) {
            CHECK(messages_sent(on_client) == std::vector<std::string>{"ClientHello", "Finished"});
            CHECK(messages_sent(on_server) ==
                  std::vector<std::string>{"ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify",
                                           "Finished", "NewSessionTicket", "NewSessionTicket"});
        } else {
            CHECK(messages_sent(on_client) ==
                  std::vector<std::string>{"ClientHello", "ClientKeyExchange", "Finished"});
            CHECK(messages_sent(on_server) ==
                  std::vector<std::string>{"ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone",
                                           "NewSessionTicket", "Finished"});
        }
        // Every message carries the connection's version, the ClientHello
        // too (it offered 1.3 even when the server chose 1.2).
        for (const auto* side : {&on_client, &on_server}) {
            for (const auto& r : *side) {
                if (r.kind == Kind::tls_handshake) CHECK(r.c == version);
                // A handshake message's record names it as its cause and
                // carries exactly it (each fits one record).
                if (r.kind == Kind::tls_record && r.text == "handshake") {
                    REQUIRE(r.cause != real::no_record);
                    const auto message = std::find_if(side->begin(), side->end(),
                                                      [&](const TlsRecord& m) { return m.id == r.cause; });
                    REQUIRE(message != side->end());
                    CHECK(message->kind == Kind::tls_handshake);
                    CHECK(r.b == message->b);
                }
            }
        }
        const TlsRecord* certificate = find(on_server, Kind::tls_handshake, "Certificate");
        REQUIRE(certificate != nullptr);
        CHECK(certificate->b > static_cast<std::int64_t>(client.stream->peer_certificate_bytes()));

        // The 13 bytes in one record: 5 bytes of header and the AEAD's
        // 16-byte tag, plus TLS 1.3's content-type byte or TLS 1.2
        // AES-GCM's 8 explicit nonce bytes.
        const TlsRecord* data = find(on_client, Kind::tls_record, "application_data");
        REQUIRE(data != nullptr);
        CHECK(data->b == 13);
        CHECK(data->c == (version == 13 ? 13 + 5 + 1 + 16 : 13 + 5 + 8 + 16));
        // close_notify from both ends: an alert of 2 bytes.
        for (const auto* side : {&on_client, &on_server}) {
            const TlsRecord* alert = find(*side, Kind::tls_record, "alert");
            REQUIRE(alert != nullptr);
            CHECK(alert->b == 2);
        }
        for (const auto* side : {&on_client, &on_server}) {
            const TlsRecord* established = find(*side, Kind::tls_established);
            REQUIRE(established != nullptr);
            CHECK(established->a == version);
            CHECK(established->b == (version == 13 ? 1 : 2));
            CHECK(established->c > 0);
            CHECK(established->c < run_limit_ns);
        }
        // The server's public-key work, timed around the SSL_do_handshake
        // call that did it (the client's is not recorded, as in the simulator).
        CHECK(find(on_client, Kind::tls_crypto) == nullptr);
        std::vector<const TlsRecord*> crypto;
        for (const auto& r : on_server)
            if (r.kind == Kind::tls_crypto) crypto.push_back(&r);
        const std::string signed_with = signature == "rsa-2048" ? "RSA-2048 signature" : "ECDSA P-256 signature";
        if (version == 13) {
            REQUIRE(crypto.size() == 1);
            CHECK(crypto[0]->text == "X25519 key share, X25519 shared secret and " + signed_with);
        } else {
            REQUIRE(crypto.size() == 2);
            CHECK(crypto[0]->text == "X25519 key share and " + signed_with);
            CHECK(crypto[1]->text == "X25519 shared secret");
        }
        const TlsRecord* server_hello = find(on_server, Kind::tls_handshake, "ServerHello");
        REQUIRE(server_hello != nullptr);
        CHECK(crypto[0]->time <= server_hello->time);
        for (const TlsRecord* c : crypto) {
            CHECK(c->b > 0);
            CHECK(c->b < 100'000'000);
        }
        CHECK(server.echo().open_connections() == 0);
    }
    CHECK(open_fds() == fds_before);
}

TEST_CASE("TLS: writes before the handshake wait in the TLS layer; write() returns false at highWaterMark, then drain",
          "[real][tls]") {
    EchoServerThread server({13, "ecdsa-p256"});
    Loop client_loop(test::real_loop_options(client_host));
    EchoClient client(client_loop, std::string(40000, 'x'));
    client.write_on_connect = false;
    client.stream = TlsStream::connect(client_loop, "127.0.0.1", server.port(), client);
    // Still connecting: the plaintext waits for the handshake.
    CHECK(client.stream->write(std::string_view(client.message).substr(0, 10000)));
    CHECK(client.stream->writable_length() == 10000);
    CHECK_FALSE(client.stream->write(std::string_view(client.message).substr(10000)));
    CHECK(client.stream->writable_length() == 40000);
    client_loop.run(real::monotonic_now() + run_limit_ns);
    server.stop();
    CHECK_FALSE(client.error);
    CHECK(client.drained);
    CHECK(client.received == client.message);
    // 40,000 bytes: three TLS records of 16 KiB at most each.
    const auto on_client = tls_records(client_loop.tracer());
    std::int64_t plain = 0;
    int data_records = 0;
    for (const auto& r : on_client) {
        if (r.kind != Kind::tls_record || r.text != "application_data") continue;
        ++data_records;
        plain += r.b;
        CHECK(r.b <= 16384);
    }
    CHECK(data_records == 3);
    CHECK(plain == 40000);
}

TEST_CASE("TLS: a client that sends garbage instead of a ClientHello is closed, and the server goes on",
          "[real][tls]") {
    const std::size_t fds_before = open_fds();
    {
        EchoServerThread server({13, "ecdsa-p256"});
        {
            RawClient garbage(server.port());
            const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
            REQUIRE(::send(garbage.fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                    static_cast<ssize_t>(request.size()));
            std::string answer;
            CHECK(garbage.read_until_closed(answer));
            // At most OpenSSL's alert (7 bytes: a plaintext record of 2), never an echo.
            CHECK(answer.size() <= 7);
        }
        {
            // A connection that closes before saying anything.
            RawClient silent(server.port());
        }
        // The server still serves a real client.
        Loop client_loop(test::real_loop_options(client_host));
        EchoClient client(client_loop, "still here?\n");
        client.stream = TlsStream::connect(client_loop, "127.0.0.1", server.port(), client);
        client_loop.run(real::monotonic_now() + run_limit_ns);
        CHECK(client.received == client.message);
        server.stop();
        CHECK(server.echo().server().handshake_failures() == 2);
        CHECK(server.echo().server().handshakes_done() == 1);
        CHECK(server.echo().server().handshaking() == 0);
    }
    CHECK(open_fds() == fds_before);
}

TEST_CASE("TLS: openssl s_client (a peer nobody here wrote) gets its line echoed", "[real][tls]") {
    const auto sh = test::find_on_path("sh");
    const auto openssl = test::find_on_path("openssl");
    REQUIRE(sh);
    if (!openssl) FAIL("`openssl` is not on the PATH: tools/setup.sh installs Debian's openssl package");
    const std::uint32_t version = GENERATE(13u, 12u);
    EchoServerThread server({version, "ecdsa-p256"}, /*end_after_line=*/true);
    // -quiet ignores the end of its input, so it waits for our close_notify.
    const std::string command = "printf 'hello from s_client\\n' | " + *openssl +
                                " s_client -connect 127.0.0.1:" + std::to_string(server.port()) + " -quiet";
    const test::ScriptRun run = test::run_script(*sh, {"-c", command}, std::chrono::milliseconds(10'000));
    server.stop();
    INFO("stderr: " << run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.out == "hello from s_client\n");
    CHECK(server.echo().server().handshakes_done() == 1);
    // Our half of the handshake is in the server's trace.
    const auto on_server = tls_records(server.loop().tracer());
    CHECK(find(on_server, Kind::tls_handshake, "ServerHello") != nullptr);
    const TlsRecord* established = find(on_server, Kind::tls_established);
    REQUIRE(established != nullptr);
    CHECK(established->a == version);
}

TEST_CASE("TLS: Node's tls client (rejectUnauthorized: false) gets its line echoed over TLS 1.3", "[real][tls]") {
    const auto node = test::find_on_path("node");
    if (!node) {
        WARN("`node` is not on the PATH: skipping the test against Node's TLS client");
        return;
    }
    EchoServerThread server({13, "ecdsa-p256"});
    const std::string script =
        "const tls = require('tls');"
        "const s = tls.connect({host: '127.0.0.1', port: Number(process.argv[1]), rejectUnauthorized: false},"
        "  () => s.write('hello from node\\n'));"
        "let got = '';"
        "s.on('data', d => { got += d; if (got.endsWith('\\n')) s.end(); });"
        "s.on('end', () => console.log(JSON.stringify({got, protocol: s.getProtocol(),"
        "  authorized: s.authorized, cn: s.getPeerCertificate().subject.CN})));";
    const test::ScriptRun run =
        test::run_script(*node, {"-e", script, std::to_string(server.port())}, std::chrono::milliseconds(10'000));
    server.stop();
    INFO("stderr: " << run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.out == "{\"got\":\"hello from node\\n\",\"protocol\":\"TLSv1.3\",\"authorized\":false,\"cn\":\"localhost\"}\n");
}

namespace {

// The scenario's server program (make_server_program) on its own loop and thread.
class ProgramThread {
public:
    explicit ProgramThread(const sim::Scenario& scenario) : loop_(test::real_loop_options(server_host)) {
        program_ = real::make_server_program(loop_, scenario, notes_);
        const std::error_code listening = program_->listen("127.0.0.1", 0);
        REQUIRE(!listening);
        thread_ = std::thread([this] { loop_.run(real::monotonic_now() + 4 * run_limit_ns); });
    }
    ~ProgramThread() { stop(); }
    std::uint16_t port() const { return program_->port(); }
    void stop() {
        if (!thread_.joinable()) return;
        loop_.post([this] {
            program_->close();
            loop_.post([this] { loop_.stop(); });
        });
        thread_.join();
    }
    Loop& loop() { return loop_; }
    real::ServerProgram& program() { return *program_; }
    const real::RunNotes& notes() const { return notes_; }

private:
    Loop loop_;
    real::RunNotes notes_;
    std::unique_ptr<real::ServerProgram> program_;
    std::thread thread_;
};

sim::Scenario https_hello(std::uint32_t version) {
    sim::Scenario scenario;
    scenario.id = "https-test";
    scenario.server.program = "hello";
    scenario.server.tls = true;
    scenario.server.tls_version = version;
    return scenario;
}

std::size_t count_kind(const real::Tracer& tracer, Kind kind) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < tracer.size(); ++i) n += tracer[i].kind == kind;
    return n;
}

}  // namespace

TEST_CASE("HTTPS: curl -sk gets Hello world twice over one kept-alive TLS connection", "[real][tls]") {
    const auto curl = test::find_on_path("curl");
    if (!curl) FAIL("`curl` is not on the PATH: tools/setup.sh installs it");
    const std::uint32_t version = GENERATE(13u, 12u);
    const std::size_t fds_before = open_fds();
    {
        ProgramThread server(https_hello(version));
        const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
        const test::ScriptRun run = test::run_script(
            *curl, {"-sk", "--http1.1", "-w", "%{http_code} %{num_connects}\\n", url, url},
            std::chrono::milliseconds(10'000));
        server.stop();
        INFO("stderr: " << run.err);
        CHECK_FALSE(run.timed_out);
        CHECK(run.exit_code == 0);
        // The second request connected nothing new: keep-alive over TLS.
        CHECK(run.out == "Hello world200 1\nHello world200 0\n");
        // One TCP connection, one handshake, two requests.
        CHECK(count_kind(server.loop().tracer(), Kind::loop_accept) == 1);
        CHECK(count_kind(server.loop().tracer(), Kind::tls_established) == 1);
        CHECK(count_kind(server.loop().tracer(), Kind::js_request) == 2);
        const auto on_server = tls_records(server.loop().tracer());
        const TlsRecord* established = find(on_server, Kind::tls_established);
        REQUIRE(established != nullptr);
        CHECK(established->a == version);
        CHECK(server.program().open_connections() == 0);
        bool noted = false;
        for (const std::string& line : server.notes().lines) noted = noted || line.rfind("HTTPS: TLS", 0) == 0;
        CHECK(noted);
    }
    CHECK(open_fds() == fds_before);
}

TEST_CASE("HTTPS: Node's https.get (rejectUnauthorized: false) gets the hello response", "[real][tls]") {
    const auto node = test::find_on_path("node");
    if (!node) {
        WARN("`node` is not on the PATH: skipping the test against Node's https client");
        return;
    }
    ProgramThread server(https_hello(13));
    const std::string script =
        "require('https').get({host: '127.0.0.1', port: Number(process.argv[1]), path: '/',"
        "  rejectUnauthorized: false}, res => {"
        "  const protocol = res.socket.getProtocol();"
        "  let body = ''; res.setEncoding('utf8'); res.on('data', d => body += d);"
        "  res.on('end', () => console.log(JSON.stringify({status: res.statusCode, body,"
        "    protocol, encoding: res.headers['transfer-encoding']})));"
        "});";
    const test::ScriptRun run =
        test::run_script(*node, {"-e", script, std::to_string(server.port())}, std::chrono::milliseconds(10'000));
    server.stop();
    INFO("stderr: " << run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.out == "{\"status\":200,\"body\":\"Hello world\",\"protocol\":\"TLSv1.3\",\"encoding\":\"chunked\"}\n");
}

TEST_CASE("HTTPS: a scenario the real server cannot serve over TLS is a clear error", "[real][tls]") {
    Loop loop(test::real_loop_options(server_host));
    real::RunNotes notes;
    sim::Scenario echo = https_hello(13);
    echo.server.program = "echo";
    CHECK_THROWS_WITH(real::make_server_program(loop, echo, notes),
                      Catch::Contains("not an HTTP program") && Catch::Contains("server.tls"));
    sim::Scenario bad_signature = https_hello(13);
    bad_signature.server.tls_signature = "dsa-1024";
    CHECK_THROWS_WITH(real::make_server_program(loop, bad_signature, notes), Catch::Contains("server.tls_signature"));
    sim::Scenario bad_version = https_hello(11);
    CHECK_THROWS_WITH(real::make_server_program(loop, bad_version, notes), Catch::Contains("server.tls_version"));
}
