// The pcap export, read back with libpcap: one packet per wire.segment, the
// handshake in order, every checksum right; and, when tshark is installed,
// Wireshark's own dissector agrees.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "trace/export_pcap.hpp"
#include "trace/stream_text.hpp"

using namespace loopscope;
namespace fs = std::filesystem;

namespace {

struct Packet {
    trace::Nanos time = 0;
    std::vector<std::uint8_t> bytes;

    std::uint32_t u16(std::size_t at) const { return (std::uint32_t{bytes[at]} << 8) | bytes[at + 1]; }
    std::uint32_t u32(std::size_t at) const { return (u16(at) << 16) | u16(at + 2); }
    std::uint32_t source_port() const { return u16(20); }
    std::uint32_t destination_port() const { return u16(22); }
    std::uint32_t seq() const { return u32(24); }
    std::uint32_t ack() const { return u32(28); }
    std::uint8_t flags() const { return bytes[33]; }
    std::uint32_t window() const { return u16(34); }
    std::size_t tcp_header() const { return static_cast<std::size_t>(bytes[32] >> 4) * 4; }
    std::size_t payload() const { return bytes.size() - 20 - tcp_header(); }
    std::string payload_text() const {
        return std::string(bytes.begin() + static_cast<std::ptrdiff_t>(20 + tcp_header()), bytes.end());
    }
    // The window-scale shift a SYN announces (its options: MSS, NOP, WS).
    int window_shift() const {
        if (tcp_header() < 28 || bytes[40] != 2 || bytes[44] != 1 || bytes[45] != 3) return -1;
        return bytes[47];
    }
    std::uint32_t mss_option() const { return u16(42); }
};

struct Capture {
    int linktype = -1;
    int precision = -1;
    std::vector<Packet> packets;
};

Capture read_capture(const std::string& path) {
    std::array<char, PCAP_ERRBUF_SIZE> error{};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error.data());
    REQUIRE(p != nullptr);
    Capture capture;
    capture.linktype = pcap_datalink(p);
    capture.precision = pcap_get_tstamp_precision(p);
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    while (pcap_next_ex(p, &header, &data) == 1) {
        Packet packet;
        packet.time = static_cast<trace::Nanos>(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec;
        packet.bytes.assign(data, data + header->caplen);
        CHECK(header->caplen == header->len);
        capture.packets.push_back(std::move(packet));
    }
    pcap_close(p);
    return capture;
}

bool ip_checksum_ok(const Packet& p) { return trace::internet_checksum(p.bytes.data(), 20) == 0; }

bool tcp_checksum_ok(const Packet& p) {
    const std::uint32_t tcp_length = static_cast<std::uint32_t>(p.bytes.size() - 20);
    const std::uint32_t pseudo = p.u16(12) + p.u16(14) + p.u16(16) + p.u16(18) + 6 + tcp_length;
    return trace::internet_checksum(p.bytes.data() + 20, tcp_length, pseudo) == 0;
}

trace::Trace simulate_lesson(const char* id, const std::vector<std::string>& overrides = {}) {
    const auto* lesson = sim::find_lesson(id);
    REQUIRE(lesson != nullptr);
    auto loaded = sim::load_lesson(*lesson, overrides);
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    return sim::simulate(std::get<sim::Scenario>(loaded));
}

std::vector<const trace::Event*> segments(const trace::Trace& t) {
    std::vector<const trace::Event*> out;
    for (const auto& e : t.events())
        if (e.kind == trace::Kind::wire_segment) out.push_back(&e);
    return out;
}

struct TempFile {
    fs::path path;
    explicit TempFile(const std::string& name)
        : path(fs::temp_directory_path() / ("loopscope-pcap-" + std::to_string(::getpid()) + "-" + name)) {}
    ~TempFile() {
        std::error_code ignored;
        fs::remove(path, ignored);
    }
};

std::string run_command(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return output;
    std::array<char, 4096> chunk{};
    std::size_t n = 0;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) output.append(chunk.data(), n);
    ::pclose(pipe);
    return output;
}

std::size_t count_of(const std::string& text, const std::string& word) {
    std::size_t count = 0;
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + word.size())) ++count;
    return count;
}

void check_lesson_capture(const char* id, const std::vector<std::string>& overrides) {
    const auto t = simulate_lesson(id, overrides);
    TempFile file(std::string(id) + ".pcap");
    trace::write_pcap_file(file.path.string(), t);
    const auto capture = read_capture(file.path.string());
    const auto wire = segments(t);

    CHECK(capture.linktype == DLT_RAW);
    CHECK(capture.precision == PCAP_TSTAMP_PRECISION_NANO);
    REQUIRE(capture.packets.size() == wire.size());
    REQUIRE(wire.size() >= 3);

    std::size_t syn_count = 0;
    // Each side's window-scale shift, from its SYN: (connection, is server).
    std::map<std::pair<std::int32_t, bool>, int> shifts;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        const auto& p = capture.packets[i];
        const auto& e = *wire[i];
        INFO("packet " << i);
        REQUIRE(p.bytes.size() >= 40);
        CHECK(ip_checksum_ok(p));
        CHECK(tcp_checksum_ok(p));
        CHECK(p.time == e.time);
        CHECK(p.flags() == static_cast<std::uint8_t>(t.arg(e, "flags")));
        CHECK(static_cast<std::int64_t>(p.payload()) == t.arg(e, "len"));
        const std::int64_t win = t.arg(e, "win");
        const auto side = std::make_pair(e.conn, e.host == 0);
        if ((p.flags() & trace::tcp_syn) != 0) {
            CHECK(p.tcp_header() == 28);
            REQUIRE(p.window_shift() >= 0);
            shifts[side] = p.window_shift();
            CHECK(static_cast<std::int64_t>(p.window()) == std::min<std::int64_t>(win, 65535));  // never scaled
        } else {
            CHECK(p.tcp_header() == 20);
            REQUIRE(shifts.count(side) == 1);
            // The scaled window is the trace's window less at most the
            // low bits the shift drops.
            const std::int64_t shown = static_cast<std::int64_t>(p.window()) << shifts[side];
            CHECK(shown <= win);
            CHECK(win - shown < (std::int64_t{1} << shifts[side]));
        }
        if (p.flags() == trace::tcp_syn) ++syn_count;
    }

    // The first connection's three-way handshake opens its part of the
    // capture (other connections' packets may come in between).
    std::vector<const Packet*> first;
    for (std::size_t i = 0; i < wire.size() && first.size() < 3; ++i)
        if (wire[i]->conn == wire[0]->conn) first.push_back(&capture.packets[i]);
    REQUIRE(first.size() == 3);
    const auto& syn = *first[0];
    const auto& syn_ack = *first[1];
    const auto& ack = *first[2];
    const auto connection = std::find_if(t.header.connections.begin(), t.header.connections.end(),
                                         [&](const trace::ConnectionInfo& c) { return c.id == wire[0]->conn; });
    REQUIRE(connection != t.header.connections.end());
    const auto& c = *connection;
    CHECK(syn.flags() == trace::tcp_syn);
    CHECK(syn_ack.flags() == (trace::tcp_syn | trace::tcp_ack));
    CHECK(ack.flags() == trace::tcp_ack);
    CHECK(syn.source_port() == c.client_port);
    CHECK(syn.destination_port() == c.server_port);
    CHECK(syn_ack.source_port() == c.server_port);
    CHECK(syn_ack.destination_port() == c.client_port);
    CHECK(ack.source_port() == c.client_port);
    CHECK(syn_ack.ack() == syn.seq() + 1);
    CHECK(ack.seq() == syn.seq() + 1);
    CHECK(ack.ack() == syn_ack.seq() + 1);
    CHECK(syn.seq() != syn_ack.seq());  // each direction has its own initial sequence number

    if (run_command("command -v tshark").empty()) {
        WARN("tshark is not on the PATH: skipping Wireshark's check of " << id);
        return;
    }
    // Client ports run from 32768 up, so port 34980 (EtherCAT's) comes up in
    // lessons with thousands of connections; Wireshark's EtherCAT heuristic
    // would claim that connection's HTTP and call it malformed.
    // One pass of Wireshark's dissectors over the file (with checksum
    // validation on) gives, per packet: an HTTP request, an HTTP response,
    // the SYN and ACK flags, and the severities of its expert notes.
    const auto fields = run_command(
        "tshark -n --disable-protocol ecatf -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -r '" +
        file.path.string() +
        "' -T fields -E separator=/t -e frame.number -e http.request -e http.response -e tcp.flags.syn"
        " -e tcp.flags.ack -e _ws.expert.severity -e _ws.expert.message 2>&1");
    std::size_t tshark_requests = 0, tshark_responses = 0, tshark_syns = 0, tshark_packets = 0;
    std::vector<std::string> errors;
    std::istringstream rows(fields);
    for (std::string row; std::getline(rows, row);) {
        std::vector<std::string> column;
        std::istringstream cells(row);
        for (std::string cell; std::getline(cells, cell, '\t');) column.push_back(cell);
        column.resize(7);
        if (column[0].empty() || !std::isdigit(static_cast<unsigned char>(column[0][0]))) continue;  // tshark's own notes
        ++tshark_packets;
        tshark_requests += !column[1].empty();
        tshark_responses += !column[2].empty();
        tshark_syns += column[3] == "1" && column[4] == "0";
        // PI_ERROR (0x00800000): malformed packets and bad checksums.
        if (column[5].find("8388608") != std::string::npos) errors.push_back(row);
    }
    INFO(fields.substr(0, 1000));
    CHECK(tshark_packets == wire.size());
    INFO("first error: " << (errors.empty() ? std::string("none") : errors.front()));
    CHECK(errors.empty());
    CHECK(tshark_syns == syn_count);

    // Wireshark's HTTP dissector finds, in the payload text, the requests
    // the server parsed and the responses it wrote. (Over TLS the HTTP is
    // inside encrypted records, which the capture does not carry as text,
    // so Wireshark sees no HTTP there.)
    std::set<std::int32_t> encrypted;
    for (const auto& e : t.events())
        if (e.kind == trace::Kind::tls_handshake) encrypted.insert(e.conn);
    std::size_t requests = 0, responses = 0;
    for (const auto& e : t.events()) {
        if (encrypted.count(e.conn) != 0) continue;
        requests += e.kind == trace::Kind::http_headers_complete;
        responses += e.kind == trace::Kind::http_response;
    }
    CHECK(tshark_requests == requests);
    CHECK(tshark_responses == responses);
}

// A two-host trace written by hand, for the edges the lessons do not reach.
trace::Trace hand_trace() {
    trace::Trace t;
    t.header.hosts = {{"server", "server", "linux"}, {"client", "client", "linux"}};
    t.header.connections = {{0, 1, 0, 50000, 8080, 1}};
    const auto seg = [&t](trace::Nanos time, std::uint8_t host, std::int64_t flags, std::int64_t seq,
                          std::int64_t ack, std::int64_t len, std::int64_t win, bool lost) {
        t.append(time, trace::Kind::wire_segment, host, 0, trace::no_event,
                 {flags, seq, ack, len, win, 1000, lost ? 1 : 0, 0});
    };
    seg(1'500'000'123, 1, trace::tcp_syn, 0, 0, 0, 65535, false);
    seg(1'600'000'000, 0, trace::tcp_syn | trace::tcp_ack, 0, 1, 0, 131072, false);
    seg(1'700'000'000, 1, trace::tcp_ack | trace::tcp_psh, 1, 1, 5, 65535, true);
    seg(1'800'000'000, 1, trace::tcp_ack, 1, 1, 70000, 65535, false);  // too big for one IPv4 packet
    seg(1'900'000'000, 1, trace::tcp_ack | trace::tcp_psh, 1, 1, 5, 65535, false);
    return t;
}

}  // namespace

TEST_CASE("every built-in lesson's pcap reads back with correct headers and passes tshark", "[pcap]") {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        const std::string id(lesson.id);
        // Wireshark reassembles a chunked body before it can check it, which
        // takes it half a minute for stream-file's 10 MiB; 1 MiB shows the
        // same framing.
        const std::vector<std::string> overrides =
            id == "stream-file" ? std::vector<std::string>{"server.file_bytes=1048576"} : std::vector<std::string>{};
        DYNAMIC_SECTION(id) { check_lesson_capture(id.c_str(), overrides); }
    }
}

TEST_CASE("pcap export scales windows above 65535 with the shift the SYN announced", "[pcap]") {
    // backpressure's client advertises a 64 KiB receive buffer and the
    // server a 128 KiB one: its windows need a shift of 1.
    const auto t = simulate_lesson("backpressure");
    TempFile file("scaled.pcap");
    trace::write_pcap_file(file.path.string(), t);
    const auto capture = read_capture(file.path.string());
    std::int64_t largest_server_window = 0;
    for (const auto* e : segments(t))
        if (e->host == 0 && (t.arg(*e, "flags") & trace::tcp_syn) == 0)
            largest_server_window = std::max(largest_server_window, t.arg(*e, "win"));
    REQUIRE(largest_server_window > 65535);
    const auto& syn_ack = capture.packets[1];
    REQUIRE(syn_ack.flags() == (trace::tcp_syn | trace::tcp_ack));
    CHECK(syn_ack.window_shift() >= 1);
    CHECK((largest_server_window >> syn_ack.window_shift()) <= 65535);
    CHECK((largest_server_window >> (syn_ack.window_shift() - 1)) > 65535);  // the smallest shift that fits
}

TEST_CASE("pcap export keeps lost segments, announces window scaling, skips oversize segments", "[pcap]") {
    const auto t = hand_trace();
    TempFile file("hand.pcap");
    trace::write_pcap_file(file.path.string(), t);
    const auto capture = read_capture(file.path.string());
    REQUIRE(capture.packets.size() == 4);  // the 70000-byte segment is left out

    CHECK(capture.packets[0].time == 1'500'000'123);  // nanoseconds survive
    // Client is host 1 -> 10.0.0.2, server host 0 -> 10.0.0.1.
    CHECK(capture.packets[0].u32(12) == trace::pcap_host_address(1));
    CHECK(capture.packets[0].u32(16) == trace::pcap_host_address(0));
    CHECK(trace::pcap_host_address(1) == ((10u << 24) | 2u));
    // The server's SYN-ACK window is not scaled; it announces the shift
    // its later windows will use (0: none of them is above 65535).
    CHECK(capture.packets[1].window() == 65535);
    CHECK(capture.packets[1].window_shift() == 0);
    CHECK(capture.packets[0].window_shift() == 0);
    CHECK(capture.packets[0].mss_option() == 1460);

    // The lost segment was still sent, and the later segment at the same
    // sequence number carries the same bytes.
    const auto& lost = capture.packets[2];
    const auto& again = capture.packets[3];
    CHECK(lost.payload() == 5);
    CHECK(lost.seq() == again.seq());
    CHECK(lost.payload_text() == again.payload_text());
    // IP ids count per sending host: the client sent packets 0, 2 and 3.
    CHECK(capture.packets[0].u16(4) == 0);
    CHECK(capture.packets[2].u16(4) == 1);
    CHECK(capture.packets[3].u16(4) == 2);  // the skipped oversize segment takes no id
    CHECK(capture.packets[1].u16(4) == 0);
    for (const auto& p : capture.packets) {
        CHECK(ip_checksum_ok(p));
        CHECK(tcp_checksum_ok(p));
    }
}

TEST_CASE("pcap export failure names the path", "[pcap]") {
    const std::string path = "/nonexistent-loopscope-dir/out.pcap";
    try {
        trace::write_pcap_file(path, hand_trace());
        FAIL("expected an exception");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
}

TEST_CASE("internet checksum matches the RFC 1071 example", "[pcap]") {
    // RFC 1071 section 3: these bytes sum to 0xddf2, so the checksum is ~0xddf2.
    const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(trace::internet_checksum(data, sizeof data) == static_cast<std::uint16_t>(~0xddf2u));
}

TEST_CASE("pcap payloads carry the text the programs wrote", "[pcap]") {
    // In tcp-echo the client writes its message and the server answers
    // "You said: " + message; both texts are recorded with the writes.
    const auto t = simulate_lesson("tcp-echo");
    TempFile file("text.pcap");
    trace::write_pcap_file(file.path.string(), t);
    const auto capture = read_capture(file.path.string());
    const auto wire = segments(t);
    REQUIRE(capture.packets.size() == wire.size());
    std::string from_client, from_server;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        if (capture.packets[i].payload() == 0) continue;
        (wire[i]->host == 0 ? from_server : from_client) += capture.packets[i].payload_text();
    }
    std::string written_by_client;
    for (const auto& e : t.events())
        if (e.kind == trace::Kind::client_write) written_by_client += std::string(t.text(t.arg(e, "data")));
    REQUIRE_FALSE(written_by_client.empty());
    CHECK(from_client == written_by_client);
    CHECK(from_server == "You said: " + written_by_client);
}

TEST_CASE("pcap payload text: pieces are placed by stream offset, unknown bytes are filler", "[pcap]") {
    trace::Trace t = hand_trace();
    const auto text = t.intern("GET / HTTP/1.1\r\n");
    // A client.write of 16 bytes at stream offset 0 whose text is known.
    t.append(1'650'000'000, trace::Kind::client_write, 1, 0, trace::no_event, {16, 16, 16, text});
    const trace::StreamText stream(t);
    CHECK(stream.known_bytes(0, true) == 16);
    CHECK(stream.known_bytes(0, false) == 0);
    std::string out(20, '\0');
    stream.fill(0, true, 10, reinterpret_cast<std::uint8_t*>(out.data()), out.size(), "#");
    CHECK(out == "/1.1\r\n" + std::string(14, '#'));
    stream.fill(0, true, 0, reinterpret_cast<std::uint8_t*>(out.data()), 4, "#");
    CHECK(out.substr(0, 4) == "GET ");
}
