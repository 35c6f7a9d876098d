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
