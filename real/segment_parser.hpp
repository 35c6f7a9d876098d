// Turns one captured link-layer frame into the TCP header fields the wire
// lane shows (real/capture.cpp feeds it what libpcap hands over). It is kept
// apart from the capture so the tests can feed it hand-made frames: every
// framing, truncated headers, IPv6, fragments.
//
// Frames come from the kernel, but they are still untrusted bytes: every
// length is checked against what was captured before it is used, and a
// frame that is not a whole IPv4 + TCP header is skipped, never guessed at.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>

namespace loopscope::real {

// How the bytes before the IP header look (libpcap's DLT_* names in brackets).
enum class LinkFraming : std::uint8_t {
    ethernet,          // [EN10MB] 14-byte Ethernet header (Linux "lo": zero MACs); 802.1Q tags skipped
    bsd_null,          // [NULL] 4-byte address family in the capturing host's byte order (macOS lo0)
    bsd_loop,          // [LOOP] 4-byte address family in network byte order (OpenBSD lo0)
    linux_sll,         // [LINUX_SLL] 16-byte "cooked" header, protocol at offset 14
    linux_sll2,        // [LINUX_SLL2] 20-byte "cooked" header, protocol at offset 0
    raw_ip,            // [RAW] the frame starts with the IP header
};

// The fields of one TCP segment, as on the wire (nothing scaled or made relative).
struct ParsedSegment {
    std::uint32_t src_addr = 0;  // IPv4 addresses, host byte order
    std::uint32_t dst_addr = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t flags = 0;      // trace::TcpFlag bits (FIN SYN RST PSH ACK; URG/ECE/CWR dropped)
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint32_t len = 0;       // TCP payload bytes, from the IP total length (not the captured length)
    std::uint16_t raw_window = 0;
    // The window-scale option's shift, when the segment carries one (SYNs only).
    std::optional<std::uint8_t> window_scale;
};

// The segment in `frame`, or nothing when the frame is not a complete IPv4
// TCP header (IPv6, ARP, a later IP fragment, a header cut short). Only the
// headers need to be captured: the payload length is read from the IP header.
std::optional<ParsedSegment> parse_frame(LinkFraming framing, std::span<const std::uint8_t> frame);

// Applies RFC 7323 window scaling per direction: a connection's windows are
// shifted only when both of its SYNs carried the window-scale option, and a
// SYN's own window is never scaled. Connections whose SYNs were not seen
// (they began before the capture) keep their raw windows.
class WindowScaling {
public:
    // The advertised window of `segment` in bytes.
    std::uint32_t window_bytes(const ParsedSegment& segment);

private:
    using Direction = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>;
    // The shift each sender announced in its SYN; -1: its SYN had no option.
    std::map<Direction, int> announced_shift_;
};

}  // namespace loopscope::real
