// The TLS contexts of real mode. The server's certificate is made in
// memory when the server starts: a new key (EC P-256 by default, RSA-2048
// when server.tls_signature is "rsa-2048") and a self-signed X.509
// certificate for CN=localhost with subjectAltName DNS:localhost and
// IP:127.0.0.1, valid for one day. Nothing is read from or written to disk,
// so a classroom machine needs no setup and no private key lingers.
//
// Both contexts speak TLS 1.3 by default and TLS 1.2 when asked
// (server.tls_version 12 caps the server at 1.2), and only with AEAD
// cipher suites (AES-GCM, ChaCha20-Poly1305), as Node's defaults prefer:
// the tracer then knows each protected record's exact overhead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "sim/scenario.hpp"

namespace loopscope::real {

struct OpenSslFree {
    void operator()(SSL_CTX* context) const noexcept;
    void operator()(EVP_PKEY* key) const noexcept;
    void operator()(X509* certificate) const noexcept;
};

// A key and its self-signed certificate.
class TlsCertificate {
public:
    // `signature` is "ecdsa-p256" or "rsa-2048"; anything else throws
    // std::invalid_argument. An OpenSSL failure throws std::runtime_error.
    static TlsCertificate generate(std::string_view signature);

    EVP_PKEY* key() const { return key_.get(); }
    X509* x509() const { return certificate_.get(); }
    // The certificate's DER encoding: what the Certificate message carries.
    std::size_t der_bytes() const { return der_bytes_; }
    std::string_view signature() const { return signature_; }

private:
    std::unique_ptr<EVP_PKEY, OpenSslFree> key_;
    std::unique_ptr<X509, OpenSslFree> certificate_;
    std::size_t der_bytes_ = 0;
    std::string signature_;
};

// What the scenario's server.tls_* fields ask of the real server.
struct TlsServerSettings {
    std::uint32_t version = 13;            // 13 or 12 (the highest version the server accepts)
    std::string signature = "ecdsa-p256";  // ecdsa-p256 | rsa-2048
    static TlsServerSettings from(const sim::ServerParams& server);
};

// An SSL_CTX: the settings every connection of one side shares.
class TlsContext {
public:
    // Generates the certificate. Throws std::invalid_argument for a version
    // other than 12 or 13 or an unknown signature.
    static TlsContext server(const TlsServerSettings& settings);
    // A client context that does not verify the server's certificate: the
    // classroom server's certificate is self-signed, made a moment ago, so
    // no CA could vouch for it (curl -k, rejectUnauthorized: false). The
    // stream still records the certificate's size (TlsStream::peer_certificate_bytes).
    static TlsContext client(std::uint32_t max_version = 13);

    SSL_CTX* get() const { return context_.get(); }
    // The server's certificate (nullptr for a client context).
    const TlsCertificate* certificate() const { return certificate_.get(); }
    std::uint32_t max_version() const { return max_version_; }

private:
    std::unique_ptr<SSL_CTX, OpenSslFree> context_;
    std::shared_ptr<const TlsCertificate> certificate_;
    std::uint32_t max_version_ = 13;
};

}  // namespace loopscope::real
