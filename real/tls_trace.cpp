#include "real/tls_trace.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <string>

namespace loopscope::real {

namespace {

using trace::Kind;

constexpr int record_header_bytes = SSL3_RT_HEADER_LENGTH;  // type, version, length
constexpr int aead_tag_bytes = 16;          // AES-GCM's and Poly1305's tag
constexpr int tls12_gcm_nonce_bytes = 8;    // TLS 1.2 AES-GCM sends 8 bytes of the nonce (RFC 5288)

// RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest.
constexpr unsigned char hello_retry_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

const char* content_type_name(int type) {
    switch (type) {
        case SSL3_RT_CHANGE_CIPHER_SPEC: return "change_cipher_spec";
        case SSL3_RT_ALERT: return "alert";
        case SSL3_RT_HANDSHAKE: return "handshake";
        case SSL3_RT_APPLICATION_DATA: return "application_data";
        default: return "unknown";
    }
}

// The key exchange's group, as the simulator names it ("X25519").
std::string group_name(int nid) {
    switch (nid) {
        case NID_X25519: return "X25519";
        case NID_X448: return "X448";
        case NID_X9_62_prime256v1: return "P-256";
        case NID_secp384r1: return "P-384";
        case NID_secp521r1: return "P-521";
        default: {
            const char* name = (nid & TLSEXT_nid_unknown) != 0 ? nullptr : OBJ_nid2sn(nid);
            return name != nullptr ? name : "ECDHE";
        }
    }
}

// "ECDSA P-256 signature" or "RSA-2048 signature", from the server's key.
std::string signature_name(X509* certificate) {
    EVP_PKEY* key = certificate != nullptr ? X509_get0_pubkey(certificate) : nullptr;
    if (key == nullptr) return "signature";
    const std::string bits = std::to_string(EVP_PKEY_get_bits(key));
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_EC: return bits == "256" ? "ECDSA P-256 signature" : "ECDSA signature";
        case EVP_PKEY_RSA: return "RSA-" + bits + " signature";
        case EVP_PKEY_ED25519: return "Ed25519 signature";
        default: return "signature";
    }
}

}  // namespace

int tls_version_number(int protocol_version) {
    if (protocol_version == TLS1_3_VERSION) return 13;
    if (protocol_version == TLS1_2_VERSION) return 12;
    return 0;
}

const char* handshake_message_name(const unsigned char* m, std::size_t length) {
    if (length == 0) return "unknown";
    switch (m[0]) {
        case SSL3_MT_HELLO_REQUEST: return "HelloRequest";
        case SSL3_MT_CLIENT_HELLO: return "ClientHello";
        case SSL3_MT_SERVER_HELLO:
            // type(1) length(3) legacy_version(2) random(32)
            if (length >= 38 && std::memcmp(m + 6, hello_retry_random, sizeof hello_retry_random) == 0)
                return "HelloRetryRequest";
            return "ServerHello";
        case SSL3_MT_NEWSESSION_TICKET: return "NewSessionTicket";
        case SSL3_MT_END_OF_EARLY_DATA: return "EndOfEarlyData";
        case SSL3_MT_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
        case SSL3_MT_CERTIFICATE: return "Certificate";
        case SSL3_MT_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
        case SSL3_MT_CERTIFICATE_REQUEST: return "CertificateRequest";
        case SSL3_MT_SERVER_DONE: return "ServerHelloDone";
        case SSL3_MT_CERTIFICATE_VERIFY: return "CertificateVerify";
        case SSL3_MT_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
        case SSL3_MT_FINISHED: return "Finished";
        case SSL3_MT_KEY_UPDATE: return "KeyUpdate";
        default: return "unknown";
    }
}

void TlsTrace::message(const SSL* ssl, std::int32_t conn, int write_p, int content_type, const void* buf,
                       std::size_t len) {
    // What this end receives is the peer's to record.
    if (write_p == 0) return;
    const auto* bytes = static_cast<const unsigned char*>(buf);
    switch (content_type) {
        case SSL3_RT_HEADER:
            flush(ssl, conn);
            if (len < static_cast<std::size_t>(record_header_bytes)) return;
            held_ = HeldRecord{bytes[0], 0, static_cast<std::uint32_t>(bytes[3] << 8 | bytes[4]), true};
            return;
        case SSL3_RT_INNER_CONTENT_TYPE:
            if (held_.held && len >= 1) held_.inner_type = bytes[0];
            return;
        case SSL3_RT_HANDSHAKE: {
            const int version = tls_version_number(SSL_version(ssl));
            const std::int64_t fields[] = {tracer_.text(handshake_message_name(bytes, len)),
                                           static_cast<std::int64_t>(len), version};
            last_message_ = tracer_.record_at(cycle_stamp(), Kind::tls_handshake, conn, fields, 3);
            if (!SSL_is_init_finished(ssl) && last_message_ != no_record) provisional_.push_back(last_message_);
            if (len > 0 && bytes[0] < 32) sent_in_call_ |= 1u << bytes[0];
            record(ssl, conn, last_message_);
            return;
        }
        case SSL3_RT_CHANGE_CIPHER_SPEC:
            record(ssl, conn, no_record);
            // In TLS 1.2 this switches our later records to protected; in
            // TLS 1.3 it is only for middleboxes (RFC 8446 §D.4).
            if (SSL_version(ssl) == TLS1_2_VERSION) tls12_protected_ = true;
            return;
        default:  // an alert (close_notify): no message of ours led to it
            record(ssl, conn, no_record);
            return;
    }
}

void TlsTrace::flush(const SSL* ssl, std::int32_t conn) { record(ssl, conn, no_record); }

void TlsTrace::record(const SSL* ssl, std::int32_t conn, std::uint32_t cause) {
    if (!held_.held) return;
    const int type = held_.inner_type != 0 ? held_.inner_type : held_.outer_type;
    const std::int64_t fields[] = {tracer_.text(content_type_name(type)), plain_bytes(ssl),
                                   static_cast<std::int64_t>(held_.length) + record_header_bytes};
    tracer_.record_at(cycle_stamp(), Kind::tls_record, conn, fields, 3, cause);
    held_ = HeldRecord{};
}

std::uint32_t TlsTrace::plain_bytes(const SSL* ssl) const {
    // A protected record's length counts the AEAD's tag too, and in TLS 1.3
    // the one byte of the real content type (we add no padding); TLS 1.2's
    // AES-GCM also sends part of its nonce. Only AEAD suites are enabled
    // (real/tls_certificate.cpp), so these are the only overheads there are.
    std::uint32_t overhead = 0;
    if (held_.inner_type != 0) {
        overhead = 1 + aead_tag_bytes;
    } else if (tls12_protected_ && held_.outer_type != SSL3_RT_CHANGE_CIPHER_SPEC) {
        const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
        const bool chacha = cipher != nullptr && SSL_CIPHER_get_cipher_nid(cipher) == NID_chacha20_poly1305;
        overhead = aead_tag_bytes + (chacha ? 0 : tls12_gcm_nonce_bytes);
    }
    return held_.length > overhead ? held_.length - overhead : 0;
}

void TlsTrace::crypto(const SSL* ssl, std::int32_t conn, Stamp started, Nanos cpu) {
    const bool flight = (sent_in_call_ & (1u << SSL3_MT_SERVER_HELLO)) != 0;
    const bool tls12_finish = SSL_version(ssl) == TLS1_2_VERSION && (sent_in_call_ & (1u << SSL3_MT_FINISHED)) != 0;
    if (!flight && !tls12_finish) return;
    const std::string group = group_name(SSL_get_negotiated_group(const_cast<SSL*>(ssl)));
    std::string what;
    if (!flight) {
        what = group + " shared secret";
    } else {
        const std::string signature = signature_name(SSL_get_certificate(ssl));
        what = SSL_version(ssl) == TLS1_3_VERSION
                   ? group + " key share, " + group + " shared secret and " + signature
                   : group + " key share and " + signature;
    }
    const std::int64_t fields[] = {tracer_.text(what), cpu};
    // Stamped when the call began: the work came before the messages it sent.
    tracer_.record_at(started, Kind::tls_crypto, conn, fields, 2);
}

void TlsTrace::established(const SSL* ssl, std::int32_t conn, Nanos hello_at) {
    flush(ssl, conn);
    const int version = tls_version_number(SSL_version(ssl));
    for (std::uint32_t id : provisional_) tracer_.set_field(id, 2, version);
    provisional_.clear();
    provisional_.shrink_to_fit();
    const Nanos now = monotonic_now();
    // Before the client can send data: TLS 1.3 needs one round trip
    // (ClientHello, the server's flight), TLS 1.2 two.
    const std::int64_t fields[] = {version, version == 12 ? 2 : 1, hello_at >= 0 ? now - hello_at : 0};
    tracer_.record_at(cycle_stamp(), Kind::tls_established, conn, fields, 3, last_message_);
}

}  // namespace loopscope::real
