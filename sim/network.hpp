// The wire between the client host and the server host: one link per
// direction, each a FIFO with a bandwidth (serialisation delay), a
// propagation latency and an optional loss rate.
#pragma once

#include <cstdint>
#include <string>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace loopscope::sim {

// IPv4 (20) + TCP (20) header bytes, counted against the bandwidth.
inline constexpr std::uint64_t header_bytes = 40;

enum class Side : std::uint8_t { client, server };
inline Side peer_of(Side side) { return side == Side::client ? Side::server : Side::client; }

// A TCP segment in flight. Sequence numbers are relative, as Wireshark
// shows them: the SYN is 0 and the first data byte is 1.
struct Segment {
    std::int32_t conn = 0;
    Side from = Side::client;
    std::uint8_t flags = 0;
    std::uint64_t seq = 0;
    std::uint64_t ack = 0;
    std::uint64_t window = 0;
    std::string payload;
    std::uint32_t wire_event = 0;  // the wire.segment event that sent it
};

class Link {
public:
    Link(Nanos latency, std::uint64_t bandwidth_bps) : latency_(latency), bandwidth_bps_(bandwidth_bps) {}

    // Puts `bytes` (payload + headers) on the link at `now`; returns the
    // arrival time at the other end. Segments leave in order, one at a time.
    Nanos transmit(Nanos now, std::uint64_t bytes) {
        const Nanos start = now > busy_until_ ? now : busy_until_;
        const Nanos serialisation =
            bandwidth_bps_ == 0 ? 0 : static_cast<Nanos>(bytes * 8ULL * 1'000'000'000ULL / bandwidth_bps_);
        busy_until_ = start + serialisation;
        return busy_until_ + latency_;
    }

private:
    Nanos latency_;
    std::uint64_t bandwidth_bps_;
    Nanos busy_until_ = 0;
};

struct Network {
    explicit Network(const NetworkParams& params)
        : to_server(params.latency_ns, params.bandwidth_bps),
          to_client(params.latency_ns, params.bandwidth_bps),
          mss(params.mss),
          loss(params.loss) {}
    Link& link_from(Side from) { return from == Side::client ? to_server : to_client; }
    Link to_server;
    Link to_client;
    std::uint32_t mss;
    double loss;
};

}  // namespace loopscope::sim
