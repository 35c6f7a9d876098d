// Optional packet capture for real runs (--capture): libpcap on the
// loopback interface, filtered to the run's server port, so the real SYN,
// SYN-ACK, ACK, data and FIN segments can be put on the trace's wire lane.
// Capturing needs root or CAP_NET_RAW; without it open() says why and the
// run goes on without the wire lane.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "trace/kinds.hpp"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace loopscope::real {

using trace::Nanos;

// One TCP segment as captured. Sequence numbers are absolute, as on the
// wire; the trace builder makes them relative per direction.
struct CapturedSegment {
    Nanos time = 0;  // CLOCK_MONOTONIC ns (converted from the capture's timestamp)
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t flags = 0;  // trace::TcpFlag bits
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint32_t len = 0;   // TCP payload bytes
    std::uint32_t win = 0;   // advertised window, scaled by the window-scale option seen in the SYNs
};

class PacketCapture {
public:
    virtual ~PacketCapture() = default;
    // Stops capturing and returns every segment seen, in time order.
    virtual std::vector<CapturedSegment> stop() = 0;
    // Packets the kernel dropped because the capture buffer was full, plus
    // segments past the capture's own limit (about 4 million per run).
    virtual std::uint64_t dropped() const = 0;
};

// The loopback interface opened for capture, not yet filtered or read.
// Opening costs 15-20 ms (pcap_activate maps the kernel's ring buffer): a
// run opens it before its server listens and starts it once the port is
// known, so its trace does not begin with 20 ms in which nothing happens.
class OpenedCapture {
public:
    OpenedCapture(OpenedCapture&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
    OpenedCapture& operator=(OpenedCapture&&) = delete;
    ~OpenedCapture();

private:
    explicit OpenedCapture(::pcap* handle) noexcept : handle_(handle) {}
    friend std::variant<OpenedCapture, std::string> open_capture();
    friend std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(OpenedCapture opened,
                                                                                   std::uint16_t port);
    ::pcap* handle_;
};

// On failure each returns the reason as one sentence ("packet capture needs
// root or CAP_NET_RAW: ...").
std::variant<OpenedCapture, std::string> open_capture();
// Starts capturing TCP segments to or from `port` in a background thread.
std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(OpenedCapture opened, std::uint16_t port);
// Both at once.
std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(std::uint16_t port);

}  // namespace loopscope::real
