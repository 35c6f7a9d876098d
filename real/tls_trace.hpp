// The tls.* events of one end of a real TLS connection, from OpenSSL's
// message callback (SSL_set_msg_callback). Only what this end *sends* is
// recorded, in this end's Tracer, so `host` is always the sender, as in the
// simulator: with the client and the server in one process each loop's
// tracer holds its own side, and a peer nobody here wrote (curl, openssl
// s_client) shows only through the messages our end sends back.
//
// For each record OpenSSL writes it calls back with the 5-byte header
// (SSL3_RT_HEADER), then, for a protected TLS 1.3 record, the real content
// type (SSL3_RT_INNER_CONTENT_TYPE), then, for a handshake message, the
// whole message. So a record is held until the next callback says what it
// carried: a handshake message is recorded first and its record names it
// as the cause, as the simulator does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <openssl/types.h>

#include "real/tracer.hpp"

namespace loopscope::real {

// 13 for TLS 1.3, 12 for TLS 1.2, 0 before one is agreed (or for another).
int tls_version_number(int protocol_version);
// "ClientHello", "ServerHello", ... ("HelloRetryRequest" when a
// ServerHello's random is RFC 8446's special value).
const char* handshake_message_name(const unsigned char* message, std::size_t length);

class TlsTrace {
public:
    explicit TlsTrace(Tracer& tracer) : tracer_(tracer) {}

    // One call of OpenSSL's message callback (its arguments).
    void message(const SSL* ssl, std::int32_t conn, int write_p, int content_type, const void* buf, std::size_t len);
    // Records the record still held back (application data has no message
    // callback after its header): called after every SSL_* call.
    void flush(const SSL* ssl, std::int32_t conn);
    // Around a server's SSL_do_handshake call: tls.crypto for the calls
    // that did the handshake's public-key work (the one that sent
    // ServerHello: key share, and in TLS 1.3 the shared secret and the
    // CertificateVerify signature, in TLS 1.2 ServerKeyExchange's signature;
    // in TLS 1.2 also the one that answered ClientKeyExchange: the shared
    // secret). `cpu` is the thread's CPU time the call took, which includes
    // building and parsing its messages.
    void begin_call() { sent_in_call_ = 0; }
    void crypto(const SSL* ssl, std::int32_t conn, Stamp started, Nanos cpu);
    // tls.established, and the version of the messages sent before the
    // version was agreed (a client's ClientHello offers 1.3 even when the
    // server then picks 1.2; the field is the connection's version).
    void established(const SSL* ssl, std::int32_t conn, Nanos hello_at);

private:
    struct HeldRecord {
        int outer_type = 0;  // the header's content type
        int inner_type = 0;  // TLS 1.3: the protected record's real type (0: not protected)
        std::uint32_t length = 0;  // the header's length field (after protection)
        bool held = false;
    };
    void record(const SSL* ssl, std::int32_t conn, std::uint32_t cause);
    std::uint32_t plain_bytes(const SSL* ssl) const;

    Tracer& tracer_;
    HeldRecord held_;
    bool tls12_protected_ = false;  // TLS 1.2: our ChangeCipherSpec went out, later records are sealed
    std::uint32_t last_message_ = no_record;
    std::uint32_t sent_in_call_ = 0;  // bit n: a handshake message of type n was sent since begin_call()
    std::vector<std::uint32_t> provisional_;  // tls.handshake records sent before the version was known
};

}  // namespace loopscope::real
