#include "real/probes.hpp"

#include <cstddef>

#if defined(__linux__)
#include <linux/sockios.h>
#include <netinet/in.h>
// linux/tcp.h, not glibc's netinet/tcp.h: only the kernel's header has the
// newer tcp_info fields (tcpi_notsent_bytes, tcpi_snd_wnd).
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#endif

namespace loopscope::real {

#if defined(__linux__)

std::optional<TcpInfo> tcp_info(SocketFd fd) {
    struct tcp_info raw{};
    socklen_t size = sizeof raw;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &raw, &size) < 0) return std::nullopt;
    TcpInfo info;
    info.rtt_us = raw.tcpi_rtt;
    info.rttvar_us = raw.tcpi_rttvar;
    info.snd_cwnd = raw.tcpi_snd_cwnd;
    info.unacked = raw.tcpi_unacked;
    info.sacked = raw.tcpi_sacked;
    info.notsent_bytes = raw.tcpi_notsent_bytes;
    info.state = raw.tcpi_state;
    // An older kernel fills less of the struct; its missing fields stay 0.
    info.snd_wnd = size >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof raw.tcpi_snd_wnd ? raw.tcpi_snd_wnd : 0;
    return info;
}

namespace {
std::optional<std::uint64_t> ioctl_count(SocketFd fd, unsigned long request) {
    int value = 0;
    if (ioctl(fd, request, &value) < 0) return std::nullopt;
    return static_cast<std::uint64_t>(value);
}
std::optional<std::uint64_t> sockopt_size(SocketFd fd, int option) {
    int value = 0;
    socklen_t size = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, option, &value, &size) < 0) return std::nullopt;
    return static_cast<std::uint64_t>(value);
}
}  // namespace

std::optional<std::uint64_t> unread_bytes(SocketFd fd) { return ioctl_count(fd, SIOCINQ); }
std::optional<std::uint64_t> unacked_bytes(SocketFd fd) { return ioctl_count(fd, SIOCOUTQ); }
std::optional<std::uint64_t> unsent_bytes(SocketFd fd) { return ioctl_count(fd, SIOCOUTQNSD); }
std::optional<std::uint64_t> send_buffer_size(SocketFd fd) { return sockopt_size(fd, SO_SNDBUF); }
std::optional<std::uint64_t> recv_buffer_size(SocketFd fd) { return sockopt_size(fd, SO_RCVBUF); }

#else

std::optional<TcpInfo> tcp_info(SocketFd) { return std::nullopt; }
std::optional<std::uint64_t> unread_bytes(SocketFd) { return std::nullopt; }
std::optional<std::uint64_t> unacked_bytes(SocketFd) { return std::nullopt; }
std::optional<std::uint64_t> unsent_bytes(SocketFd) { return std::nullopt; }
std::optional<std::uint64_t> send_buffer_size(SocketFd) { return std::nullopt; }
std::optional<std::uint64_t> recv_buffer_size(SocketFd) { return std::nullopt; }

#endif

}  // namespace loopscope::real
