// The TLS model on its own: two sessions talking through byte strings, with
// no sockets in between.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/tls_session.hpp"

using namespace loopscope;
using sim::TlsNote;
using sim::TlsRole;
using sim::TlsSession;

namespace {

struct Sent {
    TlsRole from;
    std::string name;
    std::uint64_t bytes;
};

// Carries each side's bytes to the other in pieces of `chunk` bytes (0: all
// at once) until neither has anything more to say; returns the handshake
// messages in the order they were sent.
struct Pair {
    explicit Pair(const sim::TlsConfig& config) : client(TlsRole::client, config), server(TlsRole::server, config) {}
    TlsSession client;
    TlsSession server;
    std::vector<Sent> messages;
    std::vector<TlsNote> server_notes;
    std::string client_wire_total;
    std::string server_wire_total;

    void collect(TlsSession& s, TlsRole role) {
        for (const TlsNote& n : s.take_notes()) {
            if (n.what == TlsNote::What::message) messages.push_back({role, std::string(n.name), n.bytes});
            if (role == TlsRole::server) server_notes.push_back(n);
        }
    }
    static void deliver(TlsSession& to, const std::string& bytes, std::size_t chunk) {
        if (chunk == 0) return to.receive(bytes);
        for (std::size_t at = 0; at < bytes.size(); at += chunk) to.receive(std::string_view(bytes).substr(at, chunk));
    }
    // Returns how many flights went back and forth.
    int run(std::size_t chunk = 0) {
        client.start();
        int flights = 0;
        for (int guard = 0; guard < 10; ++guard) {
            collect(client, TlsRole::client);
            std::string c = client.take_wire();
            client_wire_total += c;
            if (!c.empty()) ++flights;
            deliver(server, c, chunk);
            collect(server, TlsRole::server);
            std::string s = server.take_wire();
            server_wire_total += s;
            if (!s.empty()) ++flights;
            deliver(client, s, chunk);
            if (c.empty() && s.empty()) break;
        }
        return flights;
    }
};

std::vector<std::string> names(const std::vector<Sent>& sent, TlsRole from) {
    std::vector<std::string> out;
    for (const Sent& s : sent)
        if (s.from == from) out.push_back(s.name);
    return out;
}

std::uint64_t bytes_of(const std::vector<Sent>& sent, const std::string& name, TlsRole from) {
    for (const Sent& s : sent)
        if (s.name == name && s.from == from) return s.bytes;
    return 0;
}

}  // namespace

TEST_CASE("TLS 1.3: ClientHello, then ServerHello..Finished, then client Finished, in one round trip", "[tls]") {
    sim::TlsConfig config;
    config.certificate_bytes = 2000;
    Pair p(config);
    // ClientHello, the server's flight, the client's Finished.
    REQUIRE(p.run() == 3);
    REQUIRE(p.client.established());
    REQUIRE(p.server.established());
    REQUIRE(p.client.round_trips() == 1);
    REQUIRE(names(p.messages, TlsRole::client) == std::vector<std::string>{"ClientHello", "Finished"});
    REQUIRE(names(p.messages, TlsRole::server) ==
            std::vector<std::string>{"ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"});
    REQUIRE(bytes_of(p.messages, "ClientHello", TlsRole::client) == 512);
    REQUIRE(bytes_of(p.messages, "ServerHello", TlsRole::server) == 122);
    // 4-byte header, context, list length, two entries of 3+2, the DER bytes.
    REQUIRE(bytes_of(p.messages, "Certificate", TlsRole::server) == 4 + 1 + 3 + 10 + 2000);
    REQUIRE(bytes_of(p.messages, "CertificateVerify", TlsRole::server) == 4 + 4 + 72);
    REQUIRE(bytes_of(p.messages, "Finished", TlsRole::server) == 4 + 32);
    // On the wire: ClientHello record (517), then ChangeCipherSpec (6) and
    // Finished protected: 36 + inner type 1 + tag 16 + header 5.
    REQUIRE(p.client_wire_total.size() == 517 + 6 + 36 + 17 + 5);
    // A ClientHello's record says TLS 1.0 (0x0301); the rest say 1.2.
    REQUIRE(p.client_wire_total.substr(0, 3) == std::string("\x16\x03\x01", 3));
    REQUIRE(p.server_wire_total.substr(0, 3) == std::string("\x16\x03\x03", 3));
    // ServerHello in the clear, then ChangeCipherSpec, then records that all
    // look like application data.
    REQUIRE(static_cast<unsigned char>(p.server_wire_total[127]) == 20);
    REQUIRE(static_cast<unsigned char>(p.server_wire_total[133]) == 23);
}

TEST_CASE("TLS 1.2: ClientHello, ServerHello..ServerHelloDone, ClientKeyExchange + CCS + Finished, CCS + Finished", "[tls]") {
    sim::TlsConfig config;
    config.version = 12;
    config.signature = sim::Signature::rsa_2048;
    Pair p(config);
    REQUIRE(p.run() == 4);  // two round trips
    REQUIRE(p.client.established());
    REQUIRE(p.server.established());
    REQUIRE(p.client.round_trips() == 2);
    REQUIRE(names(p.messages, TlsRole::client) ==
            std::vector<std::string>{"ClientHello", "ClientKeyExchange", "Finished"});
    REQUIRE(names(p.messages, TlsRole::server) ==
            std::vector<std::string>{"ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone", "Finished"});
    REQUIRE(bytes_of(p.messages, "ServerHelloDone", TlsRole::server) == 4);
    REQUIRE(bytes_of(p.messages, "ServerKeyExchange", TlsRole::server) == 4 + 40 + 256);
    REQUIRE(bytes_of(p.messages, "ClientKeyExchange", TlsRole::client) == 4 + 33);
    REQUIRE(bytes_of(p.messages, "Finished", TlsRole::client) == 16);
    // The server's last flight: CCS (6) and Finished: 16 + nonce 8 + tag 16 + header 5.
    const std::string last = p.server_wire_total.substr(p.server_wire_total.size() - 6 - 45);
    REQUIRE(static_cast<unsigned char>(last[0]) == 20);
    REQUIRE(static_cast<unsigned char>(last[6]) == 22);  // TLS 1.2 keeps the real type in the header
    REQUIRE(static_cast<unsigned char>(last[10]) == 40);
}

TEST_CASE("TLS: the server computes its key share and signature when ClientHello arrives", "[tls]") {
    sim::TlsConfig config;
    config.x25519_ns = 40'000;
    config.sign_ns = 30'000;
    SECTION("1.3: key share, shared secret and CertificateVerify's signature, all before its flight") {
        Pair p(config);
        p.run();
        std::vector<std::string> crypto;
        trace::Nanos total = 0;
        for (const TlsNote& n : p.server_notes)
            if (n.what == TlsNote::What::crypto) {
                crypto.emplace_back(n.name);
                total += n.cost;
            }
        REQUIRE(crypto == std::vector<std::string>{"X25519 key share", "X25519 shared secret", "ECDSA P-256 signature"});
        REQUIRE(total == 110'000);
        REQUIRE(p.server_notes.front().what == TlsNote::What::crypto);
    }
    SECTION("1.2: the shared secret waits for ClientKeyExchange") {
        config.version = 12;
        Pair p(config);
        p.run();
        std::vector<std::string> order;
        for (const TlsNote& n : p.server_notes)
            if (n.what == TlsNote::What::crypto || n.what == TlsNote::What::message) order.emplace_back(n.name);
        REQUIRE(order == std::vector<std::string>{"X25519 key share", "ECDSA P-256 signature", "ServerHello", "Certificate",
                                                  "ServerKeyExchange", "ServerHelloDone", "X25519 shared secret",
                                                  "Finished"});
    }
}

TEST_CASE("TLS: application data arrives intact, in records of at most 16 KiB with the AEAD overhead", "[tls]") {
    for (int version : {13, 12}) {
        sim::TlsConfig config;
        config.version = version;
        Pair p(config);
        p.run();
        REQUIRE(p.client.established());
        std::string plain;
        for (int i = 0; i < 40'000; ++i) plain.push_back(static_cast<char>('a' + i % 26));
        p.client.write(plain);
        std::vector<TlsNote> records;
        for (const TlsNote& n : p.client.take_notes())
            if (n.what == TlsNote::What::record) records.push_back(n);
        REQUIRE(records.size() == 3);
        REQUIRE(records[0].bytes == 16384);
        REQUIRE(records[2].bytes == 40'000 - 2 * 16384);
        const std::uint64_t overhead = version == 13 ? 5 + 1 + 16 : 5 + 8 + 16;
        for (const TlsNote& r : records) REQUIRE(r.wire == r.bytes + overhead);
        const std::string wire = p.client.take_wire();
        REQUIRE(wire.size() == 40'000 + 3 * overhead);
        // Not readable on the wire.
        REQUIRE(wire.find("abcdefghij") == std::string::npos);
        p.server.receive(wire);
        REQUIRE(p.server.take_plaintext() == plain);
        // And back, ended by close_notify.
        p.server.write("You said: hi");
        p.server.close_notify();
        p.client.receive(p.server.take_wire());
        REQUIRE(p.client.take_plaintext() == "You said: hi");
        REQUIRE(p.client.peer_closed());
    }
}

TEST_CASE("TLS record reader: whole, byte by byte and at every chunk size, the same records", "[tls]") {
    // Two full handshakes' bytes and some application data, as one stream.
    sim::TlsConfig config;
    config.certificate_bytes = 20'000;  // the Certificate message spans two records
    Pair p(config);
    p.run();
    p.server.write(std::string(20'000, 'x'));
    const std::string stream = p.server_wire_total + p.server.take_wire();
    const auto read_all = [&](std::size_t chunk) {
        sim::RecordReader reader;
        std::vector<std::pair<int, std::string>> out;
        sim::Record r;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            reader.feed(std::string_view(stream).substr(at, chunk));
            while (reader.next(r)) out.emplace_back(static_cast<int>(r.type), r.body);
        }
        REQUIRE(reader.buffered() == 0);
        REQUIRE_FALSE(reader.error());
        return out;
    };
    const auto whole = read_all(stream.size());
    // ServerHello, CCS, EncryptedExtensions, Certificate (2 records),
    // CertificateVerify, Finished, application data (2 records).
    REQUIRE(whole.size() == 9);
    for (std::size_t chunk = 1; chunk <= 1500; ++chunk) REQUIRE(read_all(chunk) == whole);
    for (std::size_t chunk : {4096u, 16389u, 16390u, 30000u}) REQUIRE(read_all(chunk) == whole);
}

TEST_CASE("TLS sessions: the handshake completes whatever the TCP chunk sizes", "[tls]") {
    for (int version : {13, 12}) {
        sim::TlsConfig config;
        config.version = version;
        Pair whole(config);
        whole.run();
        for (std::size_t chunk : {1u, 2u, 5u, 7u, 100u, 1460u}) {
            Pair p(config);
            p.run(chunk);
            REQUIRE(p.client.established());
            REQUIRE(p.server.established());
            REQUIRE(p.client_wire_total == whole.client_wire_total);
            REQUIRE(p.server_wire_total == whole.server_wire_total);
        }
    }
}

TEST_CASE("TLS: a record too long, or a message out of order, fails the session", "[tls]") {
    sim::TlsConfig config;
    TlsSession server(TlsRole::server, config);
    SECTION("a length over 2^14 + 256") {
        server.receive(std::string("\x16\x03\x03\x41\x01", 5));
        REQUIRE(server.failed());
    }
    SECTION("Finished before ClientHello") {
        const std::string finished = sim::handshake_message(sim::HandshakeType::finished, config);
        server.receive(sim::frame_plain(sim::ContentType::handshake, 0x0303, finished).front());
        REQUIRE(server.failed());
    }
    SECTION("application data before the handshake") {
        server.receive(sim::frame_plain(sim::ContentType::application_data, 0x0303, "GET / HTTP/1.1\r\n").front());
        REQUIRE(server.failed());
    }
}
