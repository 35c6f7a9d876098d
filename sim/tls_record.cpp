#include "sim/tls_record.hpp"

namespace loopscope::sim {

namespace {

// RFC 8446 §5.2: a protected record may be 2^14 + 256 bytes long.
constexpr std::size_t max_record_body = max_record_plaintext + 256;

void put_header(std::string& out, ContentType type, std::uint16_t version, std::size_t length) {
    out.push_back(static_cast<char>(type));
    out.push_back(static_cast<char>(version >> 8));
    out.push_back(static_cast<char>(version & 0xff));
    out.push_back(static_cast<char>((length >> 8) & 0xff));
    out.push_back(static_cast<char>(length & 0xff));
}

std::uint8_t byte_at(std::string_view bytes, std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); }

// A splitmix64 step: cheap, and different for every (record, position).
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

std::string_view content_type_name(ContentType type) {
    switch (type) {
        case ContentType::change_cipher_spec: return "change_cipher_spec";
        case ContentType::alert: return "alert";
        case ContentType::handshake: return "handshake";
        case ContentType::application_data: return "application_data";
    }
    return "unknown";
}

std::size_t protection_overhead(int version) {
    return version == 12 ? tls12_explicit_nonce_bytes + aead_tag_bytes : 1 + aead_tag_bytes;
}

void RecordProtection::scramble(std::string& bytes, std::size_t from, std::size_t to) const {
    for (std::size_t i = from; i < to; i += 8) {
        const std::uint64_t key = mix((sequence_ << 32) ^ (i - from));
        for (std::size_t k = 0; k < 8 && i + k < to; ++k) bytes[i + k] = static_cast<char>(bytes[i + k] ^ (key >> (8 * k)));
    }
}

std::string RecordProtection::seal(ContentType type, std::string_view plaintext) {
    std::string out;
    const std::size_t body = plaintext.size() + protection_overhead(version_);
    out.reserve(record_header_bytes + body);
    // TLS 1.3 hides the real type inside; TLS 1.2 shows it in the header.
    put_header(out, version_ == 12 ? type : ContentType::application_data, legacy_version_tls12, body);
    if (version_ == 12) {
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((sequence_ >> shift) & 0xff));
    }
    const std::size_t from = out.size();
    out.append(plaintext);
    if (version_ != 12) out.push_back(static_cast<char>(type));
    scramble(out, from, out.size());
    // The tag stands for GHASH's output: 16 bytes that depend on the record.
    const std::uint64_t tag = mix(sequence_ ^ 0x7461670000000000ULL);
    for (std::size_t i = 0; i < aead_tag_bytes; ++i) out.push_back(static_cast<char>((tag >> (8 * (i % 8))) ^ i));
    ++sequence_;
    return out;
}

bool RecordProtection::open(Record& record) {
    const std::size_t overhead = protection_overhead(version_);
    if (record.body.size() < overhead) return false;
    std::string& b = record.body;
    const std::size_t from = version_ == 12 ? tls12_explicit_nonce_bytes : 0;
    const std::size_t to = b.size() - aead_tag_bytes;
    scramble(b, from, to);
    if (version_ == 12) {
        b = b.substr(from, to - from);
    } else {
        record.type = static_cast<ContentType>(byte_at(b, to - 1));
        b.resize(to - 1);
    }
    ++sequence_;
    return true;
}

std::vector<std::string> frame_plain(ContentType type, std::uint16_t legacy_version, std::string_view plaintext) {
    std::vector<std::string> records;
    for (std::size_t at = 0; at < plaintext.size(); at += max_record_plaintext) {
        const std::string_view part = plaintext.substr(at, max_record_plaintext);
        std::string out;
        out.reserve(record_header_bytes + part.size());
        put_header(out, type, legacy_version, part.size());
        out.append(part);
        records.push_back(std::move(out));
    }
    return records;
}

bool RecordReader::next(Record& out) {
    if (error_ || buffer_.size() < record_header_bytes) return false;
    const std::string_view header = buffer_.peek(0, record_header_bytes);
    const std::size_t length = (std::size_t{byte_at(header, 3)} << 8) | byte_at(header, 4);
    if (length > max_record_body) {
        error_ = true;
        return false;
    }
    if (buffer_.size() < record_header_bytes + length) return false;
    out.type = static_cast<ContentType>(byte_at(header, 0));
    out.legacy_version = static_cast<std::uint16_t>((byte_at(header, 1) << 8) | byte_at(header, 2));
    out.body = std::string(buffer_.peek(record_header_bytes, length));
    out.wire_bytes = record_header_bytes + length;
    buffer_.drop(out.wire_bytes);
    return true;
}

}  // namespace loopscope::sim
