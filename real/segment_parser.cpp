#include "real/segment_parser.hpp"

#include <algorithm>
#include <bit>

#include "trace/kinds.hpp"

namespace loopscope::real {
namespace {

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_vlan = 0x8100;
constexpr std::uint16_t ethertype_qinq = 0x88a8;
constexpr std::uint32_t bsd_af_inet = 2;  // AF_INET is 2 on every BSD, macOS and Linux
constexpr std::uint8_t ip_protocol_tcp = 6;
constexpr std::size_t ipv4_min_header = 20;
constexpr std::size_t tcp_min_header = 20;
constexpr std::uint8_t tcp_option_end = 0;
constexpr std::uint8_t tcp_option_nop = 1;
constexpr std::uint8_t tcp_option_window_scale = 3;
// RFC 7323 2.3: a shift above 14 is treated as 14.
constexpr std::uint8_t max_window_shift = 14;

std::uint16_t be16(std::span<const std::uint8_t> bytes, std::size_t at) {
    return static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

std::uint32_t be32(std::span<const std::uint8_t> bytes, std::size_t at) {
    return static_cast<std::uint32_t>(bytes[at]) << 24 | static_cast<std::uint32_t>(bytes[at + 1]) << 16 |
           static_cast<std::uint32_t>(bytes[at + 2]) << 8 | bytes[at + 3];
}

// Where the IPv4 header starts in the frame, or nothing when the frame
// carries something else (or is too short to say).
std::optional<std::size_t> ipv4_offset(LinkFraming framing, std::span<const std::uint8_t> frame) {
    switch (framing) {
    case LinkFraming::ethernet: {
        std::size_t type_at = 12;
        if (frame.size() < type_at + 2) return std::nullopt;
        std::uint16_t type = be16(frame, type_at);
        // Skip 802.1Q / 802.1ad tags: 4 bytes each, the real type follows.
        while (type == ethertype_vlan || type == ethertype_qinq) {
            type_at += 4;
            if (frame.size() < type_at + 2) return std::nullopt;
            type = be16(frame, type_at);
        }
        if (type != ethertype_ipv4) return std::nullopt;
        return type_at + 2;
    }
    case LinkFraming::bsd_null:
    case LinkFraming::bsd_loop: {
        if (frame.size() < 4) return std::nullopt;
        std::uint32_t family = be32(frame, 0);
        // DLT_NULL writes the family in the byte order of the host that
        // captured; this host wrote it, so its own order is the one.
        if (framing == LinkFraming::bsd_null && std::endian::native == std::endian::little) {
            family = (family >> 24) | ((family >> 8) & 0xff00) | ((family << 8) & 0xff0000) | (family << 24);
        }
        if (family != bsd_af_inet) return std::nullopt;
        return 4;
    }
    case LinkFraming::linux_sll:
        if (frame.size() < 16 || be16(frame, 14) != ethertype_ipv4) return std::nullopt;
        return 16;
    case LinkFraming::linux_sll2:
        if (frame.size() < 20 || be16(frame, 0) != ethertype_ipv4) return std::nullopt;
        return 20;
    case LinkFraming::raw_ip:
        return 0;
    }
    return std::nullopt;
}

std::uint8_t trace_flags(std::uint8_t tcp_flags_byte) {
    // The low five bits of the TCP flags byte are FIN SYN RST PSH ACK, the
    // same bit values as trace::TcpFlag; URG, ECE and CWR are not shown.
    constexpr std::uint8_t shown = trace::tcp_fin | trace::tcp_syn | trace::tcp_rst | trace::tcp_psh | trace::tcp_ack;
    return static_cast<std::uint8_t>(tcp_flags_byte & shown);
}

// The window-scale option among the TCP options, if present and whole.
std::optional<std::uint8_t> find_window_scale(std::span<const std::uint8_t> options) {
    std::size_t at = 0;
    while (at < options.size()) {
        std::uint8_t kind = options[at];
        if (kind == tcp_option_end) break;
        if (kind == tcp_option_nop) {
            ++at;
            continue;
        }
        if (at + 1 >= options.size()) break;
        std::uint8_t length = options[at + 1];
        if (length < 2 || at + length > options.size()) break;  // malformed: stop looking
        if (kind == tcp_option_window_scale && length == 3) {
            std::uint8_t shift = options[at + 2];
            return shift > max_window_shift ? max_window_shift : shift;
        }
        at += length;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ParsedSegment> parse_frame(LinkFraming framing, std::span<const std::uint8_t> frame) {
    std::optional<std::size_t> ip_at = ipv4_offset(framing, frame);
    if (!ip_at || frame.size() < *ip_at + ipv4_min_header) return std::nullopt;
    std::span<const std::uint8_t> ip = frame.subspan(*ip_at);
    if (ip[0] >> 4 != 4) return std::nullopt;  // IPv6 (or garbage): not shown
    std::size_t ip_header = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    std::uint16_t total_length = be16(ip, 2);
    std::uint16_t fragment = be16(ip, 6);
    if (ip_header < ipv4_min_header || total_length < ip_header + tcp_min_header) return std::nullopt;
    if (ip[9] != ip_protocol_tcp) return std::nullopt;
    // A fragment other than the first has no TCP header of its own.
    if ((fragment & 0x1fff) != 0) return std::nullopt;
    if (ip.size() < ip_header + tcp_min_header) return std::nullopt;

    std::span<const std::uint8_t> tcp = ip.subspan(ip_header);
    std::size_t tcp_header = static_cast<std::size_t>(tcp[12] >> 4) * 4;
    if (tcp_header < tcp_min_header || ip_header + tcp_header > total_length) return std::nullopt;

    ParsedSegment segment;
    segment.src_addr = be32(ip, 12);
    segment.dst_addr = be32(ip, 16);
    segment.src_port = be16(tcp, 0);
    segment.dst_port = be16(tcp, 2);
    segment.seq = be32(tcp, 4);
    segment.ack = be32(tcp, 8);
    segment.flags = trace_flags(tcp[13]);
    segment.raw_window = be16(tcp, 14);
    segment.len = static_cast<std::uint32_t>(total_length - ip_header - tcp_header);
    if ((segment.flags & trace::tcp_syn) != 0) {
        // Options may be cut off by the snap length; only whole ones count.
        std::size_t captured_options = std::min(tcp.size(), tcp_header) - tcp_min_header;
        segment.window_scale = find_window_scale(tcp.subspan(tcp_min_header, captured_options));
    }
    return segment;
}

std::uint32_t WindowScaling::window_bytes(const ParsedSegment& segment) {
    Direction mine{segment.src_addr, segment.src_port, segment.dst_addr, segment.dst_port};
    if ((segment.flags & trace::tcp_syn) != 0) {
        announced_shift_[mine] = segment.window_scale ? *segment.window_scale : -1;
        return segment.raw_window;  // RFC 7323: the window in a SYN is never scaled
    }
    Direction theirs{segment.dst_addr, segment.dst_port, segment.src_addr, segment.src_port};
    auto my_shift = announced_shift_.find(mine);
    auto their_shift = announced_shift_.find(theirs);
    if (my_shift == announced_shift_.end() || their_shift == announced_shift_.end() || my_shift->second < 0 ||
        their_shift->second < 0) {
        return segment.raw_window;
    }
    return static_cast<std::uint32_t>(segment.raw_window) << my_shift->second;
}

}  // namespace loopscope::real
