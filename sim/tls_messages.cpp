#include "sim/tls_messages.hpp"

namespace loopscope::sim {

namespace {

// The chain is a leaf and one intermediate, as most servers send.
constexpr std::size_t chain_certificates = 2;
// legacy_version, random, session id (length + 32), cipher suite, compression.
constexpr std::size_t hello_fixed_bytes = 2 + 32 + 1 + 32 + 2 + 1;
constexpr std::size_t x25519_key_bytes = 32;

// Measured on the reference machine with `openssl speed ecdsap256 rsa2048
// ecdhx25519` (OpenSSL 3.0.19): X25519 30,815 op/s, ECDSA P-256 sign
// 49,634/s, RSA-2048 sign 3,683/s (docs/simulator.md).
constexpr Nanos ecdsa_p256_sign_ns = 20'100;
constexpr Nanos rsa_2048_sign_ns = 271'500;

std::size_t body_bytes(HandshakeType type, const TlsConfig& c) {
    const bool tls13 = c.version != 12;
    const std::size_t signature = signature_bytes(c.signature);
    switch (type) {
        case HandshakeType::client_hello: return client_hello_bytes - handshake_header_bytes;
        case HandshakeType::server_hello:
            // 1.3: extensions length, supported_versions (4+2), key_share
            // (4 + group 2 + length 2 + 32); 1.2: renegotiation_info (5),
            // extended_master_secret (4), ec_point_formats (6).
            return hello_fixed_bytes + 2 + (tls13 ? 6 + 4 + 2 + 2 + x25519_key_bytes : 5 + 4 + 6);
        case HandshakeType::encrypted_extensions: return 2;  // an empty extension list
        case HandshakeType::certificate:
            // 1.3: request context (1), list length (3), each entry's length
            // (3) and extensions (2); 1.2: list length (3), each length (3).
            return tls13 ? 1 + 3 + chain_certificates * (3 + 2) + c.certificate_bytes
                         : 3 + chain_certificates * 3 + c.certificate_bytes;
        case HandshakeType::certificate_verify: return 2 + 2 + signature;  // algorithm, length, signature
        case HandshakeType::server_key_exchange:
            // curve type, named curve, key length, key, algorithm, length, signature
            return 1 + 2 + 1 + x25519_key_bytes + 2 + 2 + signature;
        case HandshakeType::server_hello_done: return 0;
        case HandshakeType::client_key_exchange: return 1 + x25519_key_bytes;
        case HandshakeType::finished:
            // verify_data: the SHA-256 HMAC (1.3), 12 bytes of the PRF (1.2).
            return tls13 ? 32 : 12;
    }
    return 0;
}

}  // namespace

TlsConfig tls_config(const ServerParams& server) {
    TlsConfig c;
    c.version = static_cast<int>(server.tls_version);
    c.certificate_bytes = server.tls_certificate_bytes;
    c.signature = server.tls_signature == "rsa-2048" ? Signature::rsa_2048 : Signature::ecdsa_p256;
    c.x25519_ns = server.tls_x25519_ns;
    c.sign_ns = server.tls_sign_ns >= 0 ? server.tls_sign_ns
                                        : c.signature == Signature::rsa_2048 ? rsa_2048_sign_ns : ecdsa_p256_sign_ns;
    return c;
}

std::string_view handshake_name(HandshakeType type) {
    switch (type) {
        case HandshakeType::client_hello: return "ClientHello";
        case HandshakeType::server_hello: return "ServerHello";
        case HandshakeType::encrypted_extensions: return "EncryptedExtensions";
        case HandshakeType::certificate: return "Certificate";
        case HandshakeType::server_key_exchange: return "ServerKeyExchange";
        case HandshakeType::server_hello_done: return "ServerHelloDone";
        case HandshakeType::certificate_verify: return "CertificateVerify";
        case HandshakeType::client_key_exchange: return "ClientKeyExchange";
        case HandshakeType::finished: return "Finished";
    }
    return "unknown";
}

std::size_t signature_bytes(Signature signature) {
    // A DER ECDSA P-256 signature is 70-72 bytes; RSA-2048 is the modulus size.
    return signature == Signature::ecdsa_p256 ? 72 : 256;
}

std::size_t handshake_message_bytes(HandshakeType type, const TlsConfig& config) {
    return handshake_header_bytes + body_bytes(type, config);
}

std::string handshake_message(HandshakeType type, const TlsConfig& config) {
    const std::size_t body = body_bytes(type, config);
    std::string out;
    out.reserve(handshake_header_bytes + body);
    out.push_back(static_cast<char>(type));
    out.push_back(static_cast<char>((body >> 16) & 0xff));
    out.push_back(static_cast<char>((body >> 8) & 0xff));
    out.push_back(static_cast<char>(body & 0xff));
    for (std::size_t i = 0; i < body; ++i) out.push_back(static_cast<char>((i * 7 + static_cast<std::size_t>(type)) & 0xff));
    return out;
}

bool HandshakeReader::next(HandshakeMessage& out) {
    if (buffer_.size() < handshake_header_bytes) return false;
    const std::string_view h = buffer_.peek(0, handshake_header_bytes);
    const auto b = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<std::uint8_t>(h[i])); };
    const std::size_t body = (b(1) << 16) | (b(2) << 8) | b(3);
    if (buffer_.size() < handshake_header_bytes + body) return false;
    out.type = static_cast<HandshakeType>(b(0));
    out.bytes = handshake_header_bytes + body;
    buffer_.drop(out.bytes);
    return true;
}

}  // namespace loopscope::sim
