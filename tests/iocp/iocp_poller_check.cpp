// The IOCP poller's check (real/poller_iocp.cpp), run by tools/iocp-check:
// cross-compiled with mingw-w64 and run under wine, outside the Catch2
// suite (which is Linux-only). Plain main(): one PASS or FAIL line per
// check, exit status 1 if any failed.
//
// Everything happens on 127.0.0.1 with a free port: a listener, a client
// that connects, the listener reported readable through AcceptEx, 13 bytes
// reported through the zero-byte read's completion, timeouts, writability,
// the FIN, a non-blocking connect and a refused one.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "real/poller.hpp"
#include "real/poller_iocp.hpp"

using namespace loopscope;
using real::Readiness;
using Clock = std::chrono::steady_clock;

namespace {

int failures = 0;

void check(bool passed, const std::string& what) {
    std::printf("%s %s\n", passed ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout);
    if (!passed) ++failures;
}

trace::Nanos ms(int count) { return static_cast<trace::Nanos>(count) * 1'000'000; }

trace::Nanos since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

sockaddr_in loopback(unsigned short port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

unsigned short port_of(SOCKET socket) {
    sockaddr_in address{};
    int length = sizeof(address);
    getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

SOCKET tcp_socket() { return WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED); }

void set_non_blocking(SOCKET socket) {
    u_long on = 1;
    ioctlsocket(socket, FIONBIO, &on);
}

// Waits up to `limit` for an event with `token`; other events are skipped.
std::optional<Readiness> wait_for(real::Poller& poller, std::uint64_t token, trace::Nanos limit) {
    Clock::time_point start = Clock::now();
    std::array<Readiness, 16> events{};
    while (since(start) < limit) {
        std::error_code error;
        std::size_t count = poller.wait(events, limit - since(start), error);
        if (error) {
            check(false, "wait() failed: " + error.message());
            return std::nullopt;
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (events[i].token == token) return events[i];
        }
    }
    return std::nullopt;
}

// A wait that should find nothing: returns how many events came and how long it took.
std::pair<std::size_t, trace::Nanos> quiet_wait(real::Poller& poller, trace::Nanos timeout) {
    std::array<Readiness, 16> events{};
    std::error_code error;
    Clock::time_point start = Clock::now();
    std::size_t count = poller.wait(events, timeout, error);
    return {error ? 999 : count, since(start)};
}

std::string millis(trace::Nanos nanos) { return std::to_string(nanos / 1000) + " us"; }

}  // namespace

int main() {
    WSADATA data{};
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
        std::printf("FAIL WSAStartup\n");
        return 1;
    }
    std::unique_ptr<real::Poller> poller = real::make_iocp_poller();
    check(poller->name() == "iocp", "the poller names itself iocp");
    check(poller->api() == trace::NotifierApi::iocp, "api() is NotifierApi::iocp");

    // ---- the listener, reported readable through AcceptEx ----
    SOCKET listener = tcp_socket();
    sockaddr_in any_port = loopback(0);
    check(bind(listener, reinterpret_cast<sockaddr*>(&any_port), sizeof(any_port)) == 0, "bind 127.0.0.1:0");
    check(listen(listener, 16) == 0, "listen");
    unsigned short port = port_of(listener);
    check(port != 0, "the listener has port " + std::to_string(port));
    check(!poller->add(static_cast<real::SocketFd>(listener), real::interest_readable, 1), "add the listener");
    check(poller->watched() == 1, "one socket watched");

    auto [idle_events, idle_time] = quiet_wait(*poller, ms(20));
    check(idle_events == 0, "no connection yet: wait(20 ms) returns 0 events");
    check(idle_time >= ms(20), "and it waited at least 20 ms (" + millis(idle_time) + ")");

    SOCKET client = tcp_socket();
    sockaddr_in server_address = loopback(port);
    check(connect(client, reinterpret_cast<sockaddr*>(&server_address), sizeof(server_address)) == 0,
          "the client connects");
    std::optional<Readiness> accept_ready = wait_for(*poller, 1, ms(2000));
    check(accept_ready && accept_ready->readable && !accept_ready->error,
          "the poller reports the listener readable (AcceptEx completed)");
    std::optional<real::SocketFd> accepted = real::iocp_take_accepted(*poller, static_cast<real::SocketFd>(listener));
    check(accepted.has_value(), "iocp_take_accepted hands out the accepted socket");
    check(!real::iocp_take_accepted(*poller, static_cast<real::SocketFd>(listener)), "and only one: one client connected");
    if (!accepted) return 1;
    SOCKET server = static_cast<SOCKET>(*accepted);
    sockaddr_in peer{};
    int peer_length = sizeof(peer);
    check(getpeername(server, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0 &&
              ntohs(peer.sin_port) == port_of(client),
          "the accepted socket's peer is the client (SO_UPDATE_ACCEPT_CONTEXT)");
    set_non_blocking(server);

    // ---- 13 bytes, reported through the zero-byte read ----
    check(!poller->add(*accepted, real::interest_readable, 2), "add the accepted socket");
    auto [empty_events, empty_time] = quiet_wait(*poller, ms(20));
    check(empty_events == 0 && empty_time >= ms(20),
          "nothing sent yet: 0 events after " + millis(empty_time) + " (the zero-byte read stays pending)");
    const char message[] = "hello, world\n";
    check(send(client, message, 13, 0) == 13, "the client sends 13 bytes");
    std::optional<Readiness> data_ready = wait_for(*poller, 2, ms(2000));
    check(data_ready && data_ready->readable && !data_ready->error,
          "the accepted socket is reported readable (the zero-byte read completed)");
    check(data_ready && data_ready->bytes == 0 && !data_ready->eof, "with no byte count and no eof (IOCP cannot tell)");
    char buffer[64] = {};
    int got = recv(server, buffer, sizeof(buffer), 0);
    check(got == 13 && std::memcmp(buffer, message, 13) == 0, "recv gets the 13 bytes (got " + std::to_string(got) + ")");

    auto [after_read, after_read_time] = quiet_wait(*poller, ms(20));
    check(after_read == 0 && after_read_time >= ms(20),
          "everything read: the re-armed zero-byte read reports nothing for " + millis(after_read_time));

    // Level-triggered: bytes left unread are reported again.
    check(send(client, message, 13, 0) == 13, "the client sends 13 more bytes");
    check(wait_for(*poller, 2, ms(2000)).has_value(), "reported readable");
    got = recv(server, buffer, 5, 0);
    std::optional<Readiness> again = wait_for(*poller, 2, ms(200));
    check(got == 5 && again && again->readable, "after reading 5 of 13 bytes the socket is reported readable again");
    got = recv(server, buffer, sizeof(buffer), 0);
    check(got == 8, "the other 8 bytes are there");

    // ---- writability: a zero-byte WSASend completes at once ----
    check(!poller->modify(*accepted, real::interest_readable | real::interest_writable, 2), "modify: readable + writable");
    std::optional<Readiness> writable = wait_for(*poller, 2, ms(2000));
    check(writable && writable->writable && !writable->readable, "the connected socket is reported writable only");
    check(!poller->modify(*accepted, real::interest_none, 2), "modify: no interest");
    auto [silent, silent_time] = quiet_wait(*poller, ms(20));
    check(silent == 0 && silent_time >= ms(20), "interest_none: nothing reported for " + millis(silent_time));
    check(!poller->modify(*accepted, real::interest_readable, 2), "modify: readable again");

    // ---- the FIN ----
    check(shutdown(client, SD_SEND) == 0, "the client shuts down its sending side (FIN)");
    std::optional<Readiness> fin = wait_for(*poller, 2, ms(2000));
    check(fin && fin->readable, "the FIN is reported readable");
    check(recv(server, buffer, sizeof(buffer), 0) == 0, "recv returns 0: the end of the stream");

    check(!poller->remove(*accepted), "remove the accepted socket with its zero-byte read pending");
    check(poller->watched() == 1, "one socket watched");
    closesocket(server);
    closesocket(client);
    auto [after_remove, after_remove_time] = quiet_wait(*poller, ms(20));
    check(after_remove == 0, "the cancelled read of a removed socket is not reported (" + millis(after_remove_time) + ")");

    // ---- a non-blocking connect, reported writable once connected ----
    SOCKET connecting = tcp_socket();
    set_non_blocking(connecting);
    int started = connect(connecting, reinterpret_cast<sockaddr*>(&server_address), sizeof(server_address));
    check(started == 0 || WSAGetLastError() == WSAEWOULDBLOCK, "a non-blocking connect starts");
    check(!poller->add(static_cast<real::SocketFd>(connecting), real::interest_writable, 3), "add it for writability");
    std::optional<Readiness> connected = wait_for(*poller, 3, ms(2000));
    check(connected && connected->writable && !connected->error, "it is reported writable once connected");
    std::optional<real::SocketFd> second;
    Clock::time_point accept_start = Clock::now();
    while (!second && since(accept_start) < ms(2000)) {
        wait_for(*poller, 1, ms(100));
        second = real::iocp_take_accepted(*poller, static_cast<real::SocketFd>(listener));
    }
    check(second.has_value(), "the listener accepted that connection too");
    check(!poller->remove(static_cast<real::SocketFd>(connecting)), "remove it");
    closesocket(connecting);
    if (second) closesocket(static_cast<SOCKET>(*second));

    // ---- a refused connect: writable with error ----
    SOCKET unused = tcp_socket();
    check(bind(unused, reinterpret_cast<sockaddr*>(&any_port), sizeof(any_port)) == 0, "find a free port");
    sockaddr_in nobody = loopback(port_of(unused));
    closesocket(unused);
    SOCKET refused = tcp_socket();
    set_non_blocking(refused);
    connect(refused, reinterpret_cast<sockaddr*>(&nobody), sizeof(nobody));
    check(!poller->add(static_cast<real::SocketFd>(refused), real::interest_writable, 4), "add a connect to a closed port");
    std::optional<Readiness> failed = wait_for(*poller, 4, ms(5000));
    check(failed && failed->writable && failed->error, "it is reported writable with error");
    check(!poller->remove(static_cast<real::SocketFd>(refused)), "remove it");
    closesocket(refused);

    // ---- several connections at once: one AcceptEx after another ----
    std::array<SOCKET, 3> crowd{};
    for (SOCKET& member : crowd) {
        member = tcp_socket();
        connect(member, reinterpret_cast<sockaddr*>(&server_address), sizeof(server_address));
    }
    int taken = 0;
    int reported = 0;
    Clock::time_point crowd_start = Clock::now();
    while (taken < 3 && since(crowd_start) < ms(3000)) {
        if (!wait_for(*poller, 1, ms(500))) continue;
        ++reported;
        // Take one per report: the listener must be reported again while
        // connections are still waiting (level-triggered).
        if (std::optional<real::SocketFd> one = real::iocp_take_accepted(*poller, static_cast<real::SocketFd>(listener))) {
            closesocket(static_cast<SOCKET>(*one));
            ++taken;
        }
    }
    check(taken == 3, "three clients connect at once: all three accepted, one per wait (" + std::to_string(reported) +
                          " reports)");
    for (SOCKET member : crowd) closesocket(member);
    auto [crowd_after, crowd_after_time] = quiet_wait(*poller, ms(20));
    check(crowd_after == 0, "then the listener is quiet (" + millis(crowd_after_time) + ")");

    // ---- bad input ----
    check(poller->add(static_cast<real::SocketFd>(listener), real::interest_readable, 9) == std::errc::file_exists,
          "adding a socket twice is refused");
    check(poller->remove(12345) == std::errc::no_such_file_or_directory, "removing an unknown socket is refused");

    // The listener goes with an AcceptEx pending: the destructor waits for its cancellation.
    check(!poller->remove(static_cast<real::SocketFd>(listener)), "remove the listener with AcceptEx pending");
    check(poller->watched() == 0, "nothing watched");
    closesocket(listener);
    poller.reset();  // a hang here would be the destructor waiting on an operation that never completes

    WSACleanup();
    std::printf("%s: %d check(s) failed\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
