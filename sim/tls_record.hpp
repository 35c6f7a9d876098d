// The TLS record layer (RFC 8446 §5, RFC 5246 §6.2): every byte TLS puts on
// TCP travels in records of a 5-byte header (content type, legacy version,
// length) and a body of at most 2^14 plaintext bytes plus the AEAD's
// overhead. The simulator does not encrypt: a protected record's body is
// the plaintext scrambled with a keystream both ends can undo, so the bytes
// on the wire are unreadable but the sizes are exactly TLS's.
//
// Index: tls_record.* (this: framing, protection, the split-invariant
// reader) - tls_messages.* (handshake messages and their sizes) -
// tls_session.* (the handshake state machine of one end) - tls_server.*
// and tls_client.* (the session inside the server's Node program and the
// client's socket program) - tls_trace.* (session notes -> tls.* events).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/byte_queue.hpp"

namespace loopscope::sim {

enum class ContentType : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
};
std::string_view content_type_name(ContentType type);

inline constexpr std::size_t record_header_bytes = 5;
inline constexpr std::size_t max_record_plaintext = 16384;  // 2^14, RFC 8446 §5.1
inline constexpr std::uint16_t legacy_version_tls10 = 0x0301;  // a ClientHello's record (RFC 8446 §5.1)
inline constexpr std::uint16_t legacy_version_tls12 = 0x0303;  // every other record

// What AEAD protection adds to a record's plaintext.
// TLS 1.3 (RFC 8446 §5.2): the inner content type byte and the 16-byte tag.
// TLS 1.2 AES-GCM (RFC 5288 §3): an 8-byte explicit nonce and the 16-byte tag.
inline constexpr std::size_t aead_tag_bytes = 16;
inline constexpr std::size_t tls12_explicit_nonce_bytes = 8;
std::size_t protection_overhead(int version);

struct Record {
    ContentType type;           // the real content type (the inner one once unprotected)
    std::uint16_t legacy_version;
    std::string body;           // plaintext once unprotected
    std::size_t wire_bytes;     // header + body as it travelled
};

// One direction's record protection: its own sequence number feeds the
// keystream, as TLS's per-record nonce does.
class RecordProtection {
public:
    explicit RecordProtection(int version) : version_(version) {}
    // The whole record on the wire for `plaintext` (at most 2^14 bytes).
    std::string seal(ContentType type, std::string_view plaintext);
    // Undoes seal(): fills `record.type` and `record.body` with the real
    // content type and plaintext. False when the body is too short.
    bool open(Record& record);

private:
    void scramble(std::string& bytes, std::size_t from, std::size_t to) const;
    int version_;
    std::uint64_t sequence_ = 0;
};

// Frames `plaintext` of one content type as unprotected records of at most
// 2^14 bytes each (an empty plaintext makes no record).
std::vector<std::string> frame_plain(ContentType type, std::uint16_t legacy_version, std::string_view plaintext);

// Finds records in a byte stream delivered in pieces of any size: feed()
// whatever TCP delivered, next() gives each complete record once.
class RecordReader {
public:
    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // True and `out` filled when a whole record is buffered. A header with a
    // length over 2^14 + 256 (RFC 8446's limit) sets error().
    bool next(Record& out);
    bool error() const { return error_; }
    std::size_t buffered() const { return buffer_.size(); }

private:
    ByteQueue buffer_;
    bool error_ = false;
};

}  // namespace loopscope::sim
