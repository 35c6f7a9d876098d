// The pcap export: each wire.segment becomes one IPv4/TCP packet. libpcap
// writes the file format (header, record headers, nanosecond timestamps); we
// build the IP and TCP headers ourselves because the trace only records the
// fields a lesson needs.
#include "trace/export_pcap.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "trace/atomic_file.hpp"
#include "trace/stream_text.hpp"

namespace loopscope::trace {

namespace {

constexpr std::size_t ip_header_bytes = 20;
constexpr std::size_t tcp_header_bytes = 20;
constexpr int snapshot_length = 65535;
constexpr std::uint8_t ip_protocol_tcp = 6;
constexpr std::uint8_t ip_time_to_live = 64;
constexpr std::uint16_t ip_dont_fragment = 0x4000;

// Bytes the trace does not carry (it records the text of writes only when
// it is short and printable, see `data` on client.write and loop.write) are
// filled with this readable text. It is indexed by stream offset, so a
// retransmitted copy carries the same bytes as the original and Wireshark's
// "Follow TCP stream" shows one consistent stream.
constexpr std::string_view payload_pattern = "loopscope simulated payload (the trace records lengths, not bytes). ";

// SYN and SYN-ACK carry MSS, NOP and window-scale options, as every modern
// stack sends them: without window scaling a window above 65535 could not be
// shown at all. Eight bytes keep the header a multiple of four.
constexpr std::size_t syn_option_bytes = 8;
constexpr std::uint32_t default_mss = 1460;

void put16(std::uint8_t* at, std::uint32_t value) {
    at[0] = static_cast<std::uint8_t>(value >> 8);
    at[1] = static_cast<std::uint8_t>(value);
}

void put32(std::uint8_t* at, std::uint32_t value) {
    put16(at, value >> 16);
    put16(at + 2, value);
}

// A fixed scramble of (connection, side) so every direction of every
// connection starts at its own initial sequence number, as real stacks do,
// while the same trace always exports the same file.
std::uint32_t initial_sequence_number(std::int32_t conn, bool client_side) {
    std::uint64_t x = static_cast<std::uint64_t>(static_cast<std::uint32_t>(conn)) * 2 + (client_side ? 0 : 1);
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return static_cast<std::uint32_t>(x);
}

struct SegmentFields {
    std::uint8_t flags = 0;
    std::int64_t seq = 0;
    std::int64_t ack = 0;
    std::int64_t len = 0;
    std::int64_t win = 0;
};

// Where each field sits in a wire.segment, looked up by name once so the
// export does not depend on the order of the kind table.
struct SegmentLayout {
    int flags = field_index("flags");
    int seq = field_index("seq");
    int ack = field_index("ack");
    int len = field_index("len");
    int win = field_index("win");

    static int field_index(std::string_view name) {
        const int index = trace::field_index(Kind::wire_segment, name);
        if (index < 0) throw std::logic_error("wire.segment has no field " + std::string(name));
        return index;
    }

    SegmentFields read(const Trace& trace, const Event& e) const {
        return {static_cast<std::uint8_t>(trace.arg(e, flags)), trace.arg(e, seq), trace.arg(e, ack),
                trace.arg(e, len), trace.arg(e, win)};
    }
};

// What the capture needs per connection beyond the header: each side's
// window-scale shift and the MSS its SYN announces.
struct ConnectionCapture {
    const ConnectionInfo* info = nullptr;
    std::uint8_t shift[2] = {0, 0};  // [client side, server side]
    std::uint32_t mss = default_mss;
    std::int64_t largest_window[2] = {0, 0};
};

// The smallest shift that lets `window` fit the 16-bit field, so scaled
// windows lose as few low bits as possible (RFC 7323 allows up to 14).
std::uint8_t window_shift(std::int64_t window) {
    std::uint8_t shift = 0;
    while (shift < 14 && (window >> shift) > 65535) ++shift;
    return shift;
}

// Builds one packet into `packet`. `client_side` says which end sent it.
void build_packet(std::vector<std::uint8_t>& packet, const ConnectionCapture& c, bool client_side,
                  const SegmentFields& s, std::uint16_t ip_id, const StreamText& text) {
    const ConnectionInfo& info = *c.info;
    const bool syn = (s.flags & tcp_syn) != 0;
    const std::size_t header = tcp_header_bytes + (syn ? syn_option_bytes : 0);
    const std::size_t payload = static_cast<std::size_t>(s.len);
    const std::size_t tcp_length = header + payload;
    packet.assign(ip_header_bytes + tcp_length, 0);
    std::uint8_t* ip = packet.data();
    std::uint8_t* tcp = ip + ip_header_bytes;

    const std::uint32_t source = pcap_host_address(client_side ? info.client_host : info.server_host);
    const std::uint32_t destination = pcap_host_address(client_side ? info.server_host : info.client_host);
    ip[0] = 0x45;  // version 4, five 32-bit words of header
    put16(ip + 2, static_cast<std::uint32_t>(packet.size()));
    put16(ip + 4, ip_id);
    put16(ip + 6, ip_dont_fragment);
    ip[8] = ip_time_to_live;
    ip[9] = ip_protocol_tcp;
    put32(ip + 12, source);
    put32(ip + 16, destination);
    put16(ip + 10, internet_checksum(ip, ip_header_bytes));

    // The trace's seq and ack are relative (the SYN is 0, the first data
    // byte 1); the capture adds each side's initial sequence number.
    const std::uint32_t own_isn = initial_sequence_number(info.id, client_side);
    const std::uint32_t peer_isn = initial_sequence_number(info.id, !client_side);
    const bool has_ack = (s.flags & tcp_ack) != 0;
    put16(tcp + 0, client_side ? info.client_port : info.server_port);
    put16(tcp + 2, client_side ? info.server_port : info.client_port);
    put32(tcp + 4, own_isn + static_cast<std::uint32_t>(s.seq));
    put32(tcp + 8, has_ack ? peer_isn + static_cast<std::uint32_t>(s.ack) : 0);
    tcp[12] = static_cast<std::uint8_t>((header / 4) << 4);
    tcp[13] = s.flags;
    // A SYN's own window is never scaled (RFC 7323 2.2); later windows are
    // divided by the shift this side announced.
    const std::uint8_t shift = c.shift[client_side ? 0 : 1];
    const std::int64_t window = syn ? s.win : (s.win >> shift);
    put16(tcp + 14, static_cast<std::uint32_t>(std::clamp<std::int64_t>(window, 0, 65535)));
    if (syn) {
        std::uint8_t* option = tcp + tcp_header_bytes;
        option[0] = 2;  // MSS
        option[1] = 4;
        put16(option + 2, c.mss);
        option[4] = 1;  // NOP, so window scale ends on a word boundary
        option[5] = 3;  // window scale
        option[6] = 3;
        option[7] = shift;
    }

    // Data starts at relative sequence number 1, so offset seq-1 in the stream.
    const std::uint64_t stream_offset = s.seq > 0 ? static_cast<std::uint64_t>(s.seq - 1) : 0;
    text.fill(info.id, client_side, stream_offset, tcp + header, payload, payload_pattern);

    // The TCP checksum covers a pseudo-header of addresses, protocol and
    // length, then the TCP header and payload.
    const std::uint32_t pseudo = (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) +
                                 ip_protocol_tcp + static_cast<std::uint32_t>(tcp_length);
    put16(tcp + 16, internet_checksum(tcp, tcp_length, pseudo));
}

struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
    void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
struct FreeBuffer {
    void operator()(char* p) const { std::free(p); }
};

}  // namespace

std::uint32_t pcap_host_address(std::uint8_t host) {
    return (10u << 24) + static_cast<std::uint32_t>(host) + 1;
}

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t size, std::uint32_t initial) {
    std::uint64_t sum = initial;
    std::size_t i = 0;
    for (; i + 1 < size; i += 2) sum += (static_cast<std::uint32_t>(data[i]) << 8) | data[i + 1];
    if (i < size) sum += static_cast<std::uint32_t>(data[i]) << 8;  // an odd last byte is padded with zero
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> pcap_bytes(const Trace& trace) {
    // Connections are looked up by id; in simulator traces the id is the
    // index, but a hand-written or real trace need not be numbered so.
    const SegmentLayout layout;
    std::unordered_map<std::int32_t, ConnectionCapture> connections;
    for (const auto& c : trace.header.connections) connections[c.id].info = &c;
    // A first pass finds each side's largest window and the connection's
    // largest segment, which its SYN options announce.
    for (const Event& e : trace.events()) {
        if (e.kind != Kind::wire_segment) continue;
        const auto found = connections.find(e.conn);
        if (found == connections.end()) continue;
        ConnectionCapture& c = found->second;
        const SegmentFields s = layout.read(trace, e);
        const int side = e.host == c.info->client_host ? 0 : 1;
        if ((s.flags & tcp_syn) == 0) c.largest_window[side] = std::max(c.largest_window[side], s.win);
        if (s.len > c.mss && s.len <= pcap_max_payload) c.mss = static_cast<std::uint32_t>(s.len);
    }
    for (auto& [id, c] : connections)
        for (int side = 0; side < 2; ++side) c.shift[side] = window_shift(c.largest_window[side]);
    const StreamText text(trace);

    std::unique_ptr<pcap_t, PcapCloser> dead(
        pcap_open_dead_with_tstamp_precision(DLT_RAW, snapshot_length, PCAP_TSTAMP_PRECISION_NANO));
    if (!dead) throw std::runtime_error("libpcap could not start a capture file");

    char* raw_buffer = nullptr;
    std::size_t buffer_size = 0;
    FILE* memory = open_memstream(&raw_buffer, &buffer_size);
    if (!memory) throw std::runtime_error("could not open a memory stream for the capture");
    std::unique_ptr<pcap_dumper_t, DumperCloser> dumper(pcap_dump_fopen(dead.get(), memory));
    if (!dumper) {
        std::fclose(memory);
        std::free(raw_buffer);
        throw std::runtime_error(std::string("libpcap could not write the file header: ") + pcap_geterr(dead.get()));
    }

    // IP ids count packets per sending host, as a real stack's counter would.
    std::vector<std::uint16_t> ip_ids(trace.header.hosts.size() > 256 ? trace.header.hosts.size() : 256, 0);
    std::vector<std::uint8_t> packet;
    for (const Event& e : trace.events()) {
        if (e.kind != Kind::wire_segment) continue;
        const auto found = connections.find(e.conn);
        if (found == connections.end()) continue;
        const SegmentFields s = layout.read(trace, e);
        if (s.len < 0 || s.len > pcap_max_payload) continue;
        // The sender is the event's host. (A loopback connection, with both
        // ends on one host, would show every segment as from the client.)
        const bool client_side = e.host == found->second.info->client_host;
        build_packet(packet, found->second, client_side, s, ip_ids[e.host]++, text);

        // Lost segments are written too: they were sent, only never arrived.
        const Nanos time = e.time < 0 ? 0 : e.time;
        pcap_pkthdr record{};
        record.ts.tv_sec = static_cast<time_t>(time / 1'000'000'000);
        // With nanosecond precision libpcap reads this field as nanoseconds.
        record.ts.tv_usec = static_cast<suseconds_t>(time % 1'000'000'000);
        record.caplen = static_cast<bpf_u_int32>(packet.size());
        record.len = record.caplen;
        pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &record, packet.data());
    }
    const bool flushed = pcap_dump_flush(dumper.get()) == 0;
    dumper.reset();  // closes the memory stream, which fixes raw_buffer and buffer_size
    std::unique_ptr<char, FreeBuffer> buffer(raw_buffer);
    if (!flushed) throw std::runtime_error("could not write the capture into memory");
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(buffer.get());
    return std::vector<std::uint8_t>(bytes, bytes + buffer_size);
}

void write_pcap_file(const std::string& path, const Trace& trace) {
    // Built inside the callback so any failure is reported with the path.
    write_file_atomically(path, [&trace](std::ostream& out) {
        const auto bytes = pcap_bytes(trace);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    });
}

}  // namespace loopscope::trace
