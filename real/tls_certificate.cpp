#include "real/tls_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "real/tls_error.hpp"

namespace loopscope::real {

void OpenSslFree::operator()(SSL_CTX* context) const noexcept { SSL_CTX_free(context); }
void OpenSslFree::operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
void OpenSslFree::operator()(X509* certificate) const noexcept { X509_free(certificate); }

namespace {

constexpr long certificate_lifetime_seconds = 24 * 60 * 60;

// TLS 1.3's three AEAD suites (OpenSSL's default list, without CCM) and
// TLS 1.2's ECDHE + AEAD suites in Node 20's order of preference.
constexpr const char* tls13_suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* tls12_ciphers =
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305";

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("TLS: ") + what + ": " + take_tls_error().message());
}

int protocol_version(std::uint32_t version) {
    if (version == 13) return TLS1_3_VERSION;
    if (version == 12) return TLS1_2_VERSION;
    throw std::invalid_argument("server.tls_version: " + std::to_string(version) + " is not 12 or 13");
}

void add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) fail("certificate extension");
    const int added = X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
    if (added != 1) fail("certificate extension");
}

std::unique_ptr<SSL_CTX, OpenSslFree> new_context(const SSL_METHOD* method, std::uint32_t max_version) {
    std::unique_ptr<SSL_CTX, OpenSslFree> context(SSL_CTX_new(method));
    if (!context) fail("SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(context.get(), protocol_version(max_version)) != 1)
        fail("protocol version");
    if (SSL_CTX_set_ciphersuites(context.get(), tls13_suites) != 1 ||
        SSL_CTX_set_cipher_list(context.get(), tls12_ciphers) != 1)
        fail("cipher suites");
    // Idle connections give their 16 KiB record buffers back: a server
    // holding thousands of quiet TLS connections should not keep 34 KiB each.
    SSL_CTX_set_mode(context.get(), SSL_MODE_RELEASE_BUFFERS);
    // TLS 1.2 renegotiation would make SSL_write wait for a read; Node
    // limits it and TLS 1.3 removed it.
    SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION);
    return context;
}

}  // namespace

TlsCertificate TlsCertificate::generate(std::string_view signature) {
    TlsCertificate made;
    made.signature_ = std::string(signature);
    if (signature == "ecdsa-p256") made.key_.reset(EVP_EC_gen("P-256"));
    else if (signature == "rsa-2048") made.key_.reset(EVP_RSA_gen(2048));
    else throw std::invalid_argument("server.tls_signature: \"" + std::string(signature) +
                                     "\" is not ecdsa-p256 or rsa-2048");
    if (!made.key_) fail("key generation");

    made.certificate_.reset(X509_new());
    X509* x = made.certificate_.get();
    if (x == nullptr) fail("X509_new");
    std::uint64_t serial = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) fail("serial number");
    serial >>= 1;  // a positive INTEGER of at most 63 bits, as RFC 5280 asks
    X509_NAME* name = X509_get_subject_name(x);
    if (X509_set_version(x, X509_VERSION_3) != 1 || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), 0) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(x), certificate_lifetime_seconds) == nullptr ||
        X509_set_pubkey(x, made.key_.get()) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1)
        fail("certificate fields");
    add_extension(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_extension(x, NID_basic_constraints, "critical,CA:FALSE");
    if (X509_sign(x, made.key_.get(), EVP_sha256()) == 0) fail("certificate signature");
    const int der = i2d_X509(x, nullptr);
    if (der <= 0) fail("certificate encoding");
    made.der_bytes_ = static_cast<std::size_t>(der);
    return made;
}

TlsServerSettings TlsServerSettings::from(const sim::ServerParams& server) {
    return TlsServerSettings{server.tls_version, server.tls_signature};
}

TlsContext TlsContext::server(const TlsServerSettings& settings) {
    TlsContext made;
    made.max_version_ = settings.version;
    made.context_ = new_context(TLS_server_method(), settings.version);
    made.certificate_ = std::make_shared<const TlsCertificate>(TlsCertificate::generate(settings.signature));
    if (SSL_CTX_use_certificate(made.get(), made.certificate_->x509()) != 1 ||
        SSL_CTX_use_PrivateKey(made.get(), made.certificate_->key()) != 1 ||
        SSL_CTX_check_private_key(made.get()) != 1)
        fail("server certificate");
    return made;
}

TlsContext TlsContext::client(std::uint32_t max_version) {
    TlsContext made;
    made.max_version_ = max_version;
    made.context_ = new_context(TLS_client_method(), max_version);
    SSL_CTX_set_verify(made.get(), SSL_VERIFY_NONE, nullptr);
    return made;
}

}  // namespace loopscope::real
