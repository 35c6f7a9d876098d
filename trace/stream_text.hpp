// The bytes each direction of each connection carried, as far as the trace
// knows them: writes record the text they handed to the kernel (the `data`
// field of client.write and loop.write) when it is short and printable. The
// pcap export puts these bytes into its packets, so Wireshark can follow an
// HTTP conversation as the actual text.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <unordered_map>

#include "trace/trace.hpp"

namespace loopscope::trace {

// The most bytes a write's `data` field keeps.
inline constexpr std::size_t payload_text_limit = 2048;

// What a write's `data` field keeps of the bytes written: those up to the
// first that is not printable ASCII, CR, LF or TAB, at most
// payload_text_limit of them. An HTTP head is text even when the body after
// it (an image) is not; a TLS record gives "". Both the simulator and real
// mode record it by this one rule.
inline std::string_view printable_prefix(std::string_view bytes) {
    std::size_t n = 0;
    const std::size_t limit = bytes.size() < payload_text_limit ? bytes.size() : payload_text_limit;
    while (n < limit) {
        const auto c = static_cast<unsigned char>(bytes[n]);
        if (!((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' || c == '\t')) break;
        ++n;
    }
    return bytes.substr(0, n);
}

class StreamText {
public:
    // Collects the known pieces of every stream from the trace's write
    // events. The views point into `trace`, which must outlive this.
    explicit StreamText(const Trace& trace);

    // Copies the bytes at [offset, offset+size) of the stream that
    // `client_side` of connection `conn` sent into `out`, and fills what the
    // trace does not know with `filler` (indexed by stream offset, so the
    // same offset always gets the same byte). Offset 0 is the first data byte.
    void fill(std::int32_t conn, bool client_side, std::uint64_t offset, std::uint8_t* out, std::size_t size,
              std::string_view filler) const;

    // How many bytes of text the trace gave for that stream.
    std::uint64_t known_bytes(std::int32_t conn, bool client_side) const;

private:
    using Pieces = std::map<std::uint64_t, std::string_view>;  // stream offset -> text
    static std::int64_t key(std::int32_t conn, bool client_side) {
        return static_cast<std::int64_t>(conn) * 2 + (client_side ? 0 : 1);
    }
    std::unordered_map<std::int64_t, Pieces> streams_;
};

}  // namespace loopscope::trace
