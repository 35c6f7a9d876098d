// Packet capture (real/capture.cpp) and the frame parser under it
// (real/segment_parser.cpp). The parser tests feed hand-made frames; the
// [real] tests capture a real connection on the loopback interface, which
// needs root or CAP_NET_RAW (the test machine runs as root).
#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "real/capture.hpp"
#include "real/clock.hpp"
#include "real/segment_parser.hpp"

using namespace loopscope;
using real::LinkFraming;
using real::ParsedSegment;

namespace {

// ---- hand-made frames ----

struct FrameSpec {
    std::uint32_t src = 0x7f000001, dst = 0x7f000001;
    std::uint16_t sport = 40000, dport = 8080;
    std::uint8_t flags = trace::tcp_syn;
    std::uint32_t seq = 1000, ack = 0;
    std::uint16_t window = 65495;
    std::vector<std::uint8_t> options;  // TCP options, padded to 4 bytes here
    std::uint32_t payload = 0;          // counted in the IP total length, not appended
    std::uint16_t fragment = 0;         // IP flags + fragment offset field
    std::uint8_t protocol = 6;
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16));
    put16(out, static_cast<std::uint16_t>(v));
}

std::vector<std::uint8_t> ipv4_tcp(const FrameSpec& spec) {
    std::vector<std::uint8_t> options = spec.options;
    while (options.size() % 4 != 0) options.push_back(1);  // NOP padding
    std::size_t tcp_header = 20 + options.size();
    std::vector<std::uint8_t> out;
    out.push_back(0x45);
    out.push_back(0);
    put16(out, static_cast<std::uint16_t>(20 + tcp_header + spec.payload));
    put16(out, 0);
    put16(out, spec.fragment);
    out.push_back(64);
    out.push_back(spec.protocol);
    put16(out, 0);  // checksum: the parser does not check it
    put32(out, spec.src);
    put32(out, spec.dst);
    put16(out, spec.sport);
    put16(out, spec.dport);
    put32(out, spec.seq);
    put32(out, spec.ack);
    out.push_back(static_cast<std::uint8_t>(tcp_header / 4 << 4));
    out.push_back(spec.flags);
    put16(out, spec.window);
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), options.begin(), options.end());
    return out;
}

std::vector<std::uint8_t> framed(LinkFraming framing, std::vector<std::uint8_t> ip) {
    std::vector<std::uint8_t> head;
    switch (framing) {
    case LinkFraming::ethernet:
        head.assign(12, 0);
        put16(head, 0x0800);
        break;
    case LinkFraming::bsd_null: {
        std::uint32_t family = 2;  // written in this host's byte order
        head.resize(4);
        std::memcpy(head.data(), &family, 4);
        break;
    }
    case LinkFraming::bsd_loop: put32(head, 2); break;
    case LinkFraming::linux_sll:
        head.assign(14, 0);
        put16(head, 0x0800);
        break;
    case LinkFraming::linux_sll2:
        put16(head, 0x0800);
        head.resize(20, 0);
        break;
    case LinkFraming::raw_ip: break;
    }
    head.insert(head.end(), ip.begin(), ip.end());
    return head;
}

// MSS 65495, SACK permitted, timestamps, NOP, window scale 7: Linux's SYN on lo.
const std::vector<std::uint8_t> linux_syn_options = {2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1,
                                                     0, 0, 0, 0, 1, 3, 3, 7};

// ---- a real connection on loopback ----

struct Fd {
    int fd = -1;
    explicit Fd(int value) : fd(value) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

std::uint16_t local_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A blocking listener on 127.0.0.1 and a free port.
int open_listener() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd, 8) == 0);
    return fd;
}

int connect_to(std::uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(port);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    return fd;
}

std::size_t receive_exactly(int fd, std::size_t count) {
    std::vector<char> buffer(count);
    std::size_t got = 0;
    while (got < count) {
        ssize_t n = recv(fd, buffer.data() + got, count - got, 0);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

bool window_scaling_enabled() {
    FILE* file = std::fopen("/proc/sys/net/ipv4/tcp_window_scaling", "r");
    if (file == nullptr) return false;
    int value = 0;
    bool read = std::fscanf(file, "%d", &value) == 1;
    std::fclose(file);
    return read && value != 0;
}

// Drops CAP_NET_RAW from this process's effective and permitted sets, so a
// packet socket is refused even to root. Returns false if the kernel said no.
bool drop_net_raw() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    const unsigned word = CAP_NET_RAW / 32;
    const std::uint32_t bit = 1u << (CAP_NET_RAW % 32);
    data[word].effective &= ~bit;
    data[word].permitted &= ~bit;
    data[word].inheritable &= ~bit;
    return syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

TEST_CASE("segment parser: a Linux SYN on lo, in every framing", "[capture]") {
    FrameSpec spec;
    spec.options = linux_syn_options;
    auto framing = GENERATE(LinkFraming::ethernet, LinkFraming::bsd_null, LinkFraming::bsd_loop,
                            LinkFraming::linux_sll, LinkFraming::linux_sll2, LinkFraming::raw_ip);
    std::vector<std::uint8_t> frame = framed(framing, ipv4_tcp(spec));
    std::optional<ParsedSegment> segment = real::parse_frame(framing, frame);
    REQUIRE(segment);
    CHECK(segment->src_addr == 0x7f000001);
    CHECK(segment->src_port == 40000);
    CHECK(segment->dst_port == 8080);
    CHECK(segment->flags == trace::tcp_syn);
    CHECK(segment->seq == 1000);
    CHECK(segment->len == 0);
    CHECK(segment->raw_window == 65495);
    REQUIRE(segment->window_scale);
    CHECK(*segment->window_scale == 7);

    // Every shorter capture of the same frame is refused, none is misread.
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
        std::optional<ParsedSegment> partial =
            real::parse_frame(framing, std::span<const std::uint8_t>(frame.data(), cut));
        std::size_t headers = frame.size() - linux_syn_options.size();
        if (cut < headers) {
            CHECK_FALSE(partial);
        } else {
            // Headers whole, options cut short by the snap length: the
            // segment is read, and the window-scale option (the last one)
            // is not, since it is not whole.
            REQUIRE(partial);
            CHECK(partial->seq == 1000);
            CHECK_FALSE(partial->window_scale);
        }
    }
}

TEST_CASE("segment parser: payload length comes from the IP header, flags keep FIN SYN RST PSH ACK", "[capture]") {
    FrameSpec spec;
    spec.flags = 0xff;  // CWR ECE URG ACK PSH RST SYN FIN
    spec.payload = 1448;
    spec.seq = 0xfffffff0;
    spec.ack = 0x12345678;
    std::optional<ParsedSegment> segment = real::parse_frame(LinkFraming::ethernet, framed(LinkFraming::ethernet, ipv4_tcp(spec)));
    REQUIRE(segment);
    CHECK(segment->len == 1448);
    CHECK(segment->flags == (trace::tcp_fin | trace::tcp_syn | trace::tcp_rst | trace::tcp_psh | trace::tcp_ack));
    CHECK(segment->seq == 0xfffffff0);
    CHECK(segment->ack == 0x12345678);
    CHECK_FALSE(segment->window_scale);  // no options
}

TEST_CASE("segment parser: IPv6, ARP, UDP, later fragments and bad lengths are skipped", "[capture]") {
    FrameSpec spec;
    std::vector<std::uint8_t> good = ipv4_tcp(spec);

    std::vector<std::uint8_t> ipv6 = framed(LinkFraming::ethernet, good);
    ipv6[12] = 0x86;
    ipv6[13] = 0xdd;
    CHECK_FALSE(real::parse_frame(LinkFraming::ethernet, ipv6));

    std::vector<std::uint8_t> version6 = good;
    version6[0] = 0x65;
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, version6));

    FrameSpec udp = spec;
    udp.protocol = 17;
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, ipv4_tcp(udp)));

    FrameSpec fragment = spec;
    fragment.fragment = 185;  // offset 185 * 8 bytes
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, ipv4_tcp(fragment)));

    std::vector<std::uint8_t> short_total = good;
    short_total[3] = 30;  // IP total length below IP + TCP headers
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, short_total));

    std::vector<std::uint8_t> bad_offset = good;
    bad_offset[20 + 12] = 0x20;  // TCP data offset 8 bytes
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, bad_offset));

    std::vector<std::uint8_t> bad_ihl = good;
    bad_ihl[0] = 0x43;  // IP header of 12 bytes
    CHECK_FALSE(real::parse_frame(LinkFraming::raw_ip, bad_ihl));

    std::vector<std::uint8_t> vlan = framed(LinkFraming::ethernet, good);
    vlan.insert(vlan.begin() + 12, {0x81, 0x00, 0x00, 0x05});
    CHECK(real::parse_frame(LinkFraming::ethernet, vlan));

    // A malformed option list ends the search for the window scale, safely.
    FrameSpec bad_options = spec;
    bad_options.options = {2, 0, 3, 3, 7};  // MSS with length 0
    auto parsed = real::parse_frame(LinkFraming::raw_ip, ipv4_tcp(bad_options));
    REQUIRE(parsed);
    CHECK_FALSE(parsed->window_scale);
}

TEST_CASE("window scaling applies per direction once both SYNs carried the option", "[capture]") {
    ParsedSegment syn;
    syn.src_addr = syn.dst_addr = 0x7f000001;
    syn.src_port = 40000;
    syn.dst_port = 8080;
    syn.flags = trace::tcp_syn;
    syn.raw_window = 65495;
    syn.window_scale = 7;
    ParsedSegment syn_ack = syn;
    std::swap(syn_ack.src_port, syn_ack.dst_port);
    syn_ack.flags = trace::tcp_syn | trace::tcp_ack;
    syn_ack.raw_window = 65483;
    syn_ack.window_scale = 9;
    ParsedSegment client_ack = syn;
    client_ack.flags = trace::tcp_ack;
    client_ack.raw_window = 512;
    client_ack.window_scale.reset();
    ParsedSegment server_ack = syn_ack;
    server_ack.flags = trace::tcp_ack;
    server_ack.raw_window = 128;
    server_ack.window_scale.reset();

    real::WindowScaling scaling;
    CHECK(scaling.window_bytes(client_ack) == 512);  // no SYN seen yet: raw
    CHECK(scaling.window_bytes(syn) == 65495);        // a SYN's window is never scaled
    CHECK(scaling.window_bytes(client_ack) == 512);  // only one side announced
    CHECK(scaling.window_bytes(syn_ack) == 65483);
    CHECK(scaling.window_bytes(client_ack) == 512u << 7);
    CHECK(scaling.window_bytes(server_ack) == 128u << 9);

    // A new connection on the same ports whose SYN-ACK has no option: raw again.
    ParsedSegment plain_syn_ack = syn_ack;
    plain_syn_ack.window_scale.reset();
    CHECK(scaling.window_bytes(syn) == 65495);
    CHECK(scaling.window_bytes(plain_syn_ack) == 65483);
    CHECK(scaling.window_bytes(client_ack) == 512);
}

TEST_CASE("a capture opened before the port is known, and started after, sees the connection", "[real][capture]") {
    // How a run uses it: the slow pcap_activate before the server listens
    // (so the trace does not begin with 20 ms of nothing), the filter once
    // the port is known.
    auto opened = real::open_capture();
    if (auto* reason = std::get_if<std::string>(&opened)) {
        if (geteuid() != 0) {
            WARN("not run: this test needs root or CAP_NET_RAW, and the capture said: " << *reason);
            return;
        }
        FAIL("capture did not open as root: " << *reason);
    }
    Fd listener(open_listener());
    const std::uint16_t port = local_port(listener.fd);
    auto started = real::start_capture(std::move(std::get<real::OpenedCapture>(opened)), port);
    REQUIRE(std::holds_alternative<std::unique_ptr<real::PacketCapture>>(started));
    auto& capture = std::get<std::unique_ptr<real::PacketCapture>>(started);
    Fd client(connect_to(port));
    const std::uint16_t client_port = local_port(client.fd);
    Fd server(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(server.fd >= 0);
    client.close();
    REQUIRE(receive_exactly(server.fd, 1) == 0);
    server.close();
    const std::vector<real::CapturedSegment> segments = capture->stop();
    REQUIRE_FALSE(segments.empty());
    CHECK(segments.front().src_port == client_port);
    CHECK(segments.front().flags == trace::tcp_syn);
    // An opened capture that is never started closes its handle (ASan and
    // the fd count would see a leak).
    auto unused = real::open_capture();
    CHECK(std::holds_alternative<real::OpenedCapture>(unused));
}

TEST_CASE("capture on loopback sees the handshake, the data and both FINs of a real connection", "[real][capture]") {
    Fd listener(open_listener());
    std::uint16_t port = local_port(listener.fd);
    // Another connection on another port must not appear (the filter).
    Fd other_listener(open_listener());
    std::uint16_t other_port = local_port(other_listener.fd);

    auto started = real::start_capture(port);
    if (auto* reason = std::get_if<std::string>(&started)) {
        if (geteuid() != 0) {
            WARN("not run: this test needs root or CAP_NET_RAW, and the capture said: " << *reason);
            return;
        }
        FAIL("capture did not start as root: " << *reason);
    }
    auto& capture = std::get<std::unique_ptr<real::PacketCapture>>(started);

    trace::Nanos before = real::monotonic_now();
    Fd other_client(connect_to(other_port));
    trace::Nanos connect_began = real::monotonic_now();
    Fd client(connect_to(port));
    trace::Nanos connect_returned = real::monotonic_now();
    std::uint16_t client_port = local_port(client.fd);
    Fd server(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(server.fd >= 0);
    std::string hundred(100, 'x');
    trace::Nanos send_began = real::monotonic_now();
    REQUIRE(send(client.fd, hundred.data(), hundred.size(), MSG_NOSIGNAL) == 100);
    trace::Nanos send_returned = real::monotonic_now();
    REQUIRE(send(other_client.fd, hundred.data(), hundred.size(), MSG_NOSIGNAL) == 100);
    REQUIRE(receive_exactly(server.fd, 100) == 100);
    client.close();                               // FIN client -> server
    REQUIRE(receive_exactly(server.fd, 1) == 0);  // the server reads the end
    server.close();                               // FIN server -> client
    trace::Nanos after = real::monotonic_now();
    std::vector<real::CapturedSegment> segments = capture->stop();
    trace::Nanos stopped = real::monotonic_now();
    CHECK(capture->dropped() == 0);

    INFO("captured " << segments.size() << " segments");
    REQUIRE(segments.size() >= 7);
    auto from_client = [&](const real::CapturedSegment& s) { return s.src_port == client_port && s.dst_port == port; };
    auto from_server = [&](const real::CapturedSegment& s) { return s.src_port == port && s.dst_port == client_port; };
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const real::CapturedSegment& s = segments[i];
        CHECK((from_client(s) || from_server(s)));
        CHECK(s.win > 0);
        if (i > 0) CHECK(s.time >= segments[i - 1].time);
        // Converted to CLOCK_MONOTONIC: inside the test's own time span.
        CHECK(s.time >= before - 1'000'000);
        CHECK(s.time <= stopped);
    }
    CHECK(segments.back().time <= after + 50'000'000);

    const real::CapturedSegment& syn = segments[0];
    REQUIRE(from_client(syn));
    REQUIRE(syn.flags == trace::tcp_syn);
    const real::CapturedSegment& syn_ack = segments[1];
    REQUIRE(from_server(syn_ack));
    REQUIRE(syn_ack.flags == (trace::tcp_syn | trace::tcp_ack));
    CHECK(syn_ack.ack == syn.seq + 1);
    const real::CapturedSegment& ack = segments[2];
    REQUIRE(from_client(ack));
    CHECK(ack.flags == trace::tcp_ack);
    CHECK(ack.len == 0);
    CHECK(ack.seq == syn.seq + 1);
    CHECK(ack.ack == syn_ack.seq + 1);

    auto find = [&](auto predicate) {
        return std::find_if(segments.begin(), segments.end(), predicate);
    };
    auto data = find([&](const real::CapturedSegment& s) { return from_client(s) && s.len == 100; });
    REQUIRE(data != segments.end());
    CHECK(data->seq == syn.seq + 1);
    CHECK((data->flags & trace::tcp_ack) != 0);
    // The kernel stamps a segment inside the call that sent it, so once
    // moved to CLOCK_MONOTONIC its time lies within that call (measured:
    // the SYN 30-70 us into a 60-80 us connect()); the slack allows for the
    // clock offset's error, which is far smaller.
    constexpr trace::Nanos slack = 50'000;
    CHECK(syn.time >= connect_began - slack);
    CHECK(syn.time <= connect_returned + slack);
    CHECK(data->time >= send_began - slack);
    CHECK(data->time <= send_returned + slack);
    auto data_ack = find([&](const real::CapturedSegment& s) { return from_server(s) && s.ack == syn.seq + 101; });
    CHECK(data_ack != segments.end());
    auto client_fin = find([&](const real::CapturedSegment& s) { return from_client(s) && (s.flags & trace::tcp_fin); });
    auto server_fin = find([&](const real::CapturedSegment& s) { return from_server(s) && (s.flags & trace::tcp_fin); });
    REQUIRE(client_fin != segments.end());
    REQUIRE(server_fin != segments.end());
    CHECK(client_fin < server_fin);
    CHECK(client_fin->seq == syn.seq + 101);
    CHECK(server_fin->seq == syn_ack.seq + 1);
    if (window_scaling_enabled()) {
        // Linux announces a scale on lo, so after the handshake the raw
        // 16-bit field alone would be far smaller than the window in bytes.
        CHECK(syn.win <= 65535);
        CHECK(data->win > 65535);
    }
}

TEST_CASE("capture without CAP_NET_RAW says why and what happens next", "[real][capture]") {
    // A child process gives up CAP_NET_RAW (root keeps every other right),
    // so the kernel itself refuses the packet socket, and reports the
    // sentence start_capture() returned through a pipe.
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        std::string message;
        if (!drop_net_raw()) {
            message = "(could not drop CAP_NET_RAW)";
        } else {
            auto started = real::start_capture(8080);
            if (auto* reason = std::get_if<std::string>(&started)) message = *reason;
            else message = "(capture started without CAP_NET_RAW)";
        }
        ssize_t written = write(pipe_fds[1], message.data(), message.size());
        _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    std::string message;
    char buffer[512];
    for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) message.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    INFO(message);
    CHECK(message.rfind("packet capture needs root or CAP_NET_RAW (pcap: ", 0) == 0);
    CHECK(message.size() > std::strlen("packet capture needs root or CAP_NET_RAW (pcap: )"));
    CHECK(message.ends_with("); the run goes on without the wire lane"));
}

TEST_CASE("capture refuses port 0 with a sentence", "[capture]") {
    auto started = real::start_capture(0);
    REQUIRE(std::holds_alternative<std::string>(started));
    CHECK(std::get<std::string>(started).find("port 0") != std::string::npos);
}
