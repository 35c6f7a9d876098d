// What Linux lets user space see of a socket's kernel state (facts.md,
// "Linux TCP, observable from user space"). Each probe is one syscall;
// where a platform has no such call the probe returns nothing.
#pragma once

#include <cstdint>
#include <optional>

#include "real/poller.hpp"

namespace loopscope::real {

struct TcpInfo {
    std::uint32_t rtt_us = 0;
    std::uint32_t rttvar_us = 0;
    std::uint32_t snd_cwnd = 0;
    std::uint32_t unacked = 0;  // on a LISTEN socket: the accept queue's length
    std::uint32_t sacked = 0;   // on a LISTEN socket: the backlog
    std::uint32_t notsent_bytes = 0;
    std::uint32_t snd_wnd = 0;  // the peer's window (Linux 5.19+; 0 when unknown)
    std::uint8_t state = 0;     // Linux TCP_* state number
};

std::optional<TcpInfo> tcp_info(SocketFd fd);
// FIONREAD / SIOCINQ: unread bytes in the receive queue.
std::optional<std::uint64_t> unread_bytes(SocketFd fd);
// SIOCOUTQ: bytes not yet acknowledged by the peer (sent or unsent).
std::optional<std::uint64_t> unacked_bytes(SocketFd fd);
// SIOCOUTQNSD: bytes not yet sent at all.
std::optional<std::uint64_t> unsent_bytes(SocketFd fd);
// SO_SNDBUF / SO_RCVBUF as the kernel reports them (twice what was set).
std::optional<std::uint64_t> send_buffer_size(SocketFd fd);
std::optional<std::uint64_t> recv_buffer_size(SocketFd fd);

}  // namespace loopscope::real
