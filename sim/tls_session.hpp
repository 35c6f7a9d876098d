// One end of a TLS connection: the handshake state machine of TLS 1.3
// (RFC 8446 §2: one round trip) or TLS 1.2 with ECDHE (RFC 5246 §7.3: two),
// then application data in protected records. It knows nothing of sockets
// or time: receive() takes whatever bytes TCP delivered, in any pieces, and
// the owner drains the bytes to send, the plaintext received and the notes
// (what was sent, computed, established) that become tls.* events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/tls_messages.hpp"
#include "sim/tls_record.hpp"

namespace loopscope::sim {

enum class TlsRole : std::uint8_t { client, server };

struct TlsNote {
    enum class What : std::uint8_t { message, record, crypto, established, alert };
    What what;
    std::string_view name;       // message name, content type name, or the computation
    std::uint64_t bytes = 0;     // message: bytes with its header; record: plaintext bytes
    std::uint64_t wire = 0;      // record: bytes on the wire, header and protection included
    Nanos cost = 0;              // crypto: CPU time
};

class TlsSession {
public:
    TlsSession(TlsRole role, const TlsConfig& config);

    // The client's first flight (ClientHello). Does nothing on a server.
    void start();
    // Bytes from the peer, in whatever pieces TCP delivered them.
    void receive(std::string_view bytes);
    // Application data, framed into protected records of at most 2^14
    // bytes. Only once established().
    void write(std::string_view plaintext);
    // The close_notify alert (what Node's socket.end() sends first).
    void close_notify();

    bool established() const { return state_ == State::established; }
    bool failed() const { return state_ == State::failed; }
    bool peer_closed() const { return peer_closed_; }
    int version() const { return config_.version; }
    // Round trips the handshake costs before the client may send data.
    int round_trips() const { return config_.version == 12 ? 2 : 1; }

    std::string take_wire() { return std::exchange(wire_, {}); }
    std::string take_plaintext() { return std::exchange(plaintext_, {}); }
    std::vector<TlsNote> take_notes() { return std::exchange(notes_, {}); }

private:
    enum class State : std::uint8_t {
        start, wait_client_hello, wait_server_flight, wait_client_flight, wait_server_finished, established, failed,
    };

    void expect(State state, std::initializer_list<HandshakeType> messages);
    void on_record(Record& record);
    void on_message(const HandshakeMessage& message);
    void server_flight();
    void client_flight();
    void finish_handshake();
    void send_handshake(HandshakeType type);
    void send_change_cipher_spec();
    void send(ContentType type, std::string_view plaintext);
    void crypto(std::string_view what, Nanos cost);
    void fail();

    TlsRole role_;
    TlsConfig config_;
    State state_ = State::start;
    std::vector<HandshakeType> expected_;  // the messages still to come in this flight, in order
    std::size_t next_expected_ = 0;
    RecordReader reader_;
    HandshakeReader handshake_;
    std::optional<RecordProtection> send_protection_;
    std::optional<RecordProtection> receive_protection_;
    bool peer_closed_ = false;
    std::string wire_;
    std::string plaintext_;
    std::vector<TlsNote> notes_;
};

}  // namespace loopscope::sim
