// TLS handshake messages: their types, names and sizes (RFC 8446 §4,
// RFC 5246 §7.4), and the reassembly of messages from the handshake
// records' plaintext (a message may span records, a record may hold
// several messages). Bodies are deterministic filler of the real length;
// docs/simulator.md says where each size comes from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/byte_queue.hpp"
#include "sim/scenario.hpp"

namespace loopscope::sim {

using trace::Nanos;

enum class HandshakeType : std::uint8_t {
    client_hello = 1,
    server_hello = 2,
    encrypted_extensions = 8,
    certificate = 11,
    server_key_exchange = 12,
    server_hello_done = 14,
    certificate_verify = 15,
    client_key_exchange = 16,
    finished = 20,
};
std::string_view handshake_name(HandshakeType type);

enum class Signature : std::uint8_t { ecdsa_p256, rsa_2048 };

// What one connection negotiates, and what computing it costs the server.
struct TlsConfig {
    int version = 13;                          // 13 or 12
    std::uint64_t certificate_bytes = 2400;    // DER bytes of the chain: leaf + one intermediate
    Signature signature = Signature::ecdsa_p256;
    Nanos x25519_ns = 0;                       // one X25519 scalar multiplication (key share or shared secret)
    Nanos sign_ns = 0;                         // one signature with the certificate's key
};

// The TLS settings of the scenario's server (the client uses the same).
TlsConfig tls_config(const ServerParams& server);

inline constexpr std::size_t handshake_header_bytes = 4;  // type + 24-bit length
inline constexpr std::size_t client_hello_bytes = 512;     // browsers pad it to 512 (RFC 7685)

std::size_t signature_bytes(Signature signature);
// The whole message, header included, as this config sends it.
std::size_t handshake_message_bytes(HandshakeType type, const TlsConfig& config);
// Header + filler body of that size.
std::string handshake_message(HandshakeType type, const TlsConfig& config);

struct HandshakeMessage {
    HandshakeType type;
    std::size_t bytes;  // header included
};

class HandshakeReader {
public:
    void feed(std::string_view plaintext) { buffer_.append(plaintext); }
    bool next(HandshakeMessage& out);
    std::size_t buffered() const { return buffer_.size(); }

private:
    ByteQueue buffer_;
};

}  // namespace loopscope::sim
