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

// Starts capturing TCP segments to or from `port` on the loopback interface
// in a background thread. On failure returns the reason as one sentence
// ("packet capture needs root or CAP_NET_RAW: ...").
std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(std::uint16_t port);

}  // namespace loopscope::real
