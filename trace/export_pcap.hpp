// Exporting the wire lane as a packet capture, so a student can open the
// simulated conversation in Wireshark or tshark next to the lesson and see
// the same handshake, data and acknowledgements a real capture would show.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace loopscope::trace {

// The biggest payload an IPv4 packet (total length 65535, 20-byte IP and
// 20-byte TCP headers) can carry; longer segments are left out of the file.
inline constexpr std::int64_t pcap_max_payload = 65495;

// Writes every wire.segment of the trace as an IPv4/TCP packet to a pcap file
// at `path` (LINKTYPE_RAW, nanosecond timestamps), atomically. Throws
// std::runtime_error naming the path on failure.
void write_pcap_file(const std::string& path, const Trace& trace);

// The same file's bytes, for callers that send them elsewhere (and tests).
std::vector<std::uint8_t> pcap_bytes(const Trace& trace);

// The IPv4 address a host of the trace gets in the capture: host i is
// 10.0.0.(i+1) (the 256th host would spill into 10.0.1.0). Host byte order.
std::uint32_t pcap_host_address(std::uint8_t host);

// The Internet checksum (RFC 1071) of `size` bytes, folded and complemented.
// Summing a header that holds a correct checksum gives 0.
std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t size, std::uint32_t initial = 0);

}  // namespace loopscope::trace
