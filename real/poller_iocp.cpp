// The Windows backend: an I/O completion port behind the readiness-shaped
// Poller interface, the way libuv serves TCP on Windows.
//
// IOCP reports operations that have finished, not sockets that are ready.
// libuv bridges the two for reads by posting a zero-byte overlapped WSARecv:
// it completes when data (or a FIN, or an error) has arrived, without taking
// any bytes, and the loop then reads with ordinary non-blocking recv(). This
// poller does the same, and so keeps level-triggered semantics: a socket
// with readable interest gets a fresh zero-byte read at the start of every
// wait() after its last one completed, and if the loop left bytes unread it
// completes at once and the socket is reported again.
//
// - Listeners (readable interest): AcceptEx into a socket created in
//   advance. There is no zero-byte accept, and WSAEventSelect would not be
//   IOCP at all, so the poller really accepts, keeps the accepted sockets
//   (up to max_accepted_waiting per listener) and reports the listener
//   readable while any is waiting; the loop takes them with
//   iocp_take_accepted() (real/poller_iocp.hpp) instead of accept().
// - Writable interest: a zero-byte overlapped WSASend, which completes at
//   once on a connected socket. So "writable" here means "connected and no
//   overlapped write pending", not "the send buffer has room": a loop that
//   met WSAEWOULDBLOCK and asks for writability is told at once and tries
//   again. libuv avoids this by making every write overlapped; a readiness
//   interface cannot say when the buffer drains. This is the documented
//   limitation of this backend.
// - A socket whose non-blocking connect() is still in progress cannot post
//   either (WSAENOTCONN). The poller checks it on every round of wait(),
//   sleeping at most 1 ms between checks, and reports it writable once
//   connected, or writable with error once SO_ERROR says it failed. (libuv
//   uses ConnectEx; a poller is not told about connects.)
// - Readiness::eof is never set and bytes is always 0: a zero-byte read's
//   completion cannot tell data from a FIN. The loop finds out with recv().
//
// Every overlapped operation lives inside its socket's record, so the
// OVERLAPPED pointer a completion returns leads back to it. A record whose
// socket was removed while operations were pending is kept (cancelled with
// CancelIoEx) until their completions have been dequeued, since the kernel
// still writes into those OVERLAPPEDs.
//
// Built and run on Linux by tools/iocp-check (mingw-w64 + wine); not part
// of the Linux build, where this file compiles to nothing.
#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "real/poller.hpp"
#include "real/poller_iocp.hpp"

namespace loopscope::real {
namespace {

// Accepted sockets a listener keeps for the loop before it stops posting
// AcceptEx (libuv keeps up to 32 accepts in flight).
constexpr std::size_t max_accepted_waiting = 32;
// How long one round of wait() sleeps while a connect() is in progress.
constexpr DWORD connect_check_ms = 1;
// How long the destructor waits for cancelled operations to complete.
constexpr auto drain_on_close = std::chrono::seconds(2);
// AcceptEx wants room for both addresses, each 16 bytes more than its size.
constexpr DWORD accept_address_bytes = sizeof(sockaddr_storage) + 16;

std::error_code wsa_error(int code) { return {code, std::system_category()}; }
std::error_code last_wsa_error() { return wsa_error(WSAGetLastError()); }

enum class OpKind { zero_read, zero_write, accept };

struct WatchedSocket;

struct Operation {
    OVERLAPPED overlapped{};  // first: a completion's OVERLAPPED* is this Operation's address
    WatchedSocket* owner = nullptr;
    OpKind kind = OpKind::zero_read;
    bool pending = false;
};

struct WatchedSocket {
    SocketFd fd = 0;
    std::uint64_t token = 0;
    unsigned interest = interest_none;
    bool listener = false;
    int family = AF_INET;
    Operation read;   // the zero-byte WSARecv, or AcceptEx on a listener
    Operation write;  // the zero-byte WSASend
    SOCKET accept_socket = INVALID_SOCKET;
    std::array<char, 2 * accept_address_bytes> accept_addresses{};
    std::deque<SOCKET> accepted;  // accepted, not yet taken by the loop
    bool queued_for_arming = false;
    bool retired = false;
    // Where this socket's event sits in the current wait()'s output.
    std::uint64_t reported_round = 0;
    std::size_t reported_slot = 0;
};

class IocpPoller final : public Poller {
public:
    IocpPoller() {
        WSADATA data{};
        int started = WSAStartup(MAKEWORD(2, 2), &data);
        if (started != 0) throw std::system_error(wsa_error(started), "WSAStartup");
        port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
        if (port_ == nullptr) {
            DWORD error = GetLastError();
            WSACleanup();
            throw std::system_error(static_cast<int>(error), std::system_category(), "CreateIoCompletionPort");
        }
    }

    ~IocpPoller() override {
        while (!sockets_.empty()) retire(sockets_.begin());
        // Cancelled operations still complete into their records: wait for
        // them (briefly) before the records are freed.
        auto give_up = std::chrono::steady_clock::now() + drain_on_close;
        std::vector<OVERLAPPED_ENTRY> entries(64);
        while (!retired_.empty() && std::chrono::steady_clock::now() < give_up) {
            ULONG removed = 0;
            if (!GetQueuedCompletionStatusEx(port_, entries.data(), static_cast<ULONG>(entries.size()), &removed, 50,
                                             FALSE)) {
                continue;
            }
            for (ULONG i = 0; i < removed; ++i) complete(entries[i]);
        }
        // Records whose operations never completed are leaked on purpose:
        // freeing them would let the kernel write into freed memory.
        for (auto& record : retired_) static_cast<void>(record.release());
        CloseHandle(port_);
        WSACleanup();
    }

    std::string_view name() const override { return "iocp"; }
    trace::NotifierApi api() const override { return trace::NotifierApi::iocp; }

    std::error_code add(SocketFd fd, unsigned interest, std::uint64_t token) override {
        if (sockets_.count(fd) != 0) return std::make_error_code(std::errc::file_exists);
        SOCKET socket = static_cast<SOCKET>(fd);
        BOOL accepting = FALSE;
        int length = sizeof(accepting);
        if (getsockopt(socket, SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<char*>(&accepting), &length) != 0) {
            return last_wsa_error();
        }
        sockaddr_storage local{};
        int local_length = sizeof(local);
        if (getsockname(socket, reinterpret_cast<sockaddr*>(&local), &local_length) != 0) return last_wsa_error();
        // A socket stays associated with its port until it is closed; adding
        // it again after remove() finds it already associated (with this
        // port), which Windows reports as ERROR_INVALID_PARAMETER.
        if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(socket), port_, static_cast<ULONG_PTR>(fd), 0) == nullptr &&
            GetLastError() != ERROR_INVALID_PARAMETER) {
            return {static_cast<int>(GetLastError()), std::system_category()};
        }
        if (accepting && !accept_ex_) {
            std::error_code error = load_accept_ex(socket);
            if (error) return error;
        }
        auto record = std::make_unique<WatchedSocket>();
        record->fd = fd;
        record->token = token;
        record->interest = interest;
        record->listener = accepting != FALSE;
        record->family = local.ss_family;
        record->read.owner = record->write.owner = record.get();
        record->read.kind = record->listener ? OpKind::accept : OpKind::zero_read;
        record->write.kind = OpKind::zero_write;
        WatchedSocket& watched = *record;
        sockets_.emplace(fd, std::move(record));
        queue_for_arming(watched);
        return {};
    }

    std::error_code modify(SocketFd fd, unsigned interest, std::uint64_t token) override {
        auto found = sockets_.find(fd);
        if (found == sockets_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        found->second->interest = interest;
        found->second->token = token;
        // An operation already pending stays pending; its completion is
        // simply not reported if the interest is gone by then.
        queue_for_arming(*found->second);
        return {};
    }

    std::error_code remove(SocketFd fd) override {
        auto found = sockets_.find(fd);
        if (found == sockets_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
        retire(found);
        return {};
    }

    std::size_t wait(std::span<Readiness> out, Nanos timeout, std::error_code& error) override {
        error.clear();
        if (out.empty()) return 0;
        ++round_;
        out_ = out;
        reported_ = 0;
        using Clock = std::chrono::steady_clock;
        const Clock::time_point start = Clock::now();
        for (;;) {
            bool connect_in_progress = arm_queued();
            DWORD wait_ms = 0;
            if (reported_ == 0) {
                Nanos elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
                wait_ms = timeout < 0 ? INFINITE : milliseconds_rounded_up(std::max<Nanos>(0, timeout - elapsed));
                if (connect_in_progress) wait_ms = std::min(wait_ms, connect_check_ms);
            }
            std::size_t room = out.size() - reported_;
            if (room > 0) {
                entries_.resize(room);
                ULONG removed = 0;
                if (!GetQueuedCompletionStatusEx(port_, entries_.data(), static_cast<ULONG>(room), &removed, wait_ms,
                                                 FALSE)) {
                    DWORD failure = GetLastError();
                    if (failure != WAIT_TIMEOUT) {
                        error = {static_cast<int>(failure), std::system_category()};
                        return reported_;
                    }
                    removed = 0;
                }
                for (ULONG i = 0; i < removed; ++i) complete(entries_[i]);
            }
            if (reported_ > 0 || timeout == 0) return reported_;
            // Windows may end a wait up to a clock tick early (libuv loops
            // for the same reason), and completions for removed sockets or
            // lost interest report nothing: wait out the rest.
            Nanos elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
            if (timeout > 0 && elapsed >= timeout) return 0;
        }
    }

    std::size_t watched() const override { return sockets_.size(); }

    std::optional<SocketFd> take_accepted(SocketFd listener) {
        auto found = sockets_.find(listener);
        if (found == sockets_.end() || found->second->accepted.empty()) return std::nullopt;
        WatchedSocket& watched = *found->second;
        SOCKET socket = watched.accepted.front();
        watched.accepted.pop_front();
        queue_for_arming(watched);  // room for another AcceptEx
        return static_cast<SocketFd>(socket);
    }

private:
    static DWORD milliseconds_rounded_up(Nanos nanos) {
        Nanos ms = (nanos + 999'999) / 1'000'000;
        return static_cast<DWORD>(std::min<Nanos>(ms, INFINITE - 1));
    }

    std::error_code load_accept_ex(SOCKET listener) {
        GUID guid = WSAID_ACCEPTEX;
        DWORD bytes = 0;
        if (WSAIoctl(listener, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof(guid), &accept_ex_,
                     sizeof(accept_ex_), &bytes, nullptr, nullptr) != 0) {
            accept_ex_ = nullptr;
            return last_wsa_error();
        }
        return {};
    }

    void queue_for_arming(WatchedSocket& watched) {
        if (watched.queued_for_arming) return;
        watched.queued_for_arming = true;
        to_arm_.push_back(watched.fd);
    }

    // Merges one socket's readiness into this wait()'s output: a read and a
    // write completion of one socket come back as one Readiness.
    void report(WatchedSocket& watched, bool readable, bool writable, bool failed) {
        if (watched.reported_round != round_) {
            if (reported_ == out_.size()) {
                queue_for_arming(watched);  // no room: report it next time
                return;
            }
            watched.reported_round = round_;
            watched.reported_slot = reported_++;
            out_[watched.reported_slot] = Readiness{};
            out_[watched.reported_slot].token = watched.token;
        }
        Readiness& event = out_[watched.reported_slot];
        event.readable = event.readable || readable;
        event.writable = event.writable || writable;
        event.error = event.error || failed;
    }

    // Posts the operations that queued sockets are missing. Returns true
    // when a connect() is still in progress on one of them.
    bool arm_queued() {
        std::vector<SocketFd> queued;
        queued.swap(to_arm_);
        bool connect_in_progress = false;
        for (SocketFd fd : queued) {
            auto found = sockets_.find(fd);
            if (found == sockets_.end()) continue;  // removed since it was queued
            WatchedSocket& watched = *found->second;
            watched.queued_for_arming = false;
            if (watched.listener) {
                arm_listener(watched);
                continue;
            }
            if ((watched.interest & interest_readable) != 0 && !watched.read.pending) {
                connect_in_progress |= post(watched, watched.read);
            }
            if ((watched.interest & interest_writable) != 0 && !watched.write.pending) {
                connect_in_progress |= post(watched, watched.write);
            }
        }
        return connect_in_progress;
    }

    void arm_listener(WatchedSocket& watched) {
        if ((watched.interest & interest_readable) == 0) return;
        if (!watched.read.pending && watched.accepted.size() < max_accepted_waiting) post_accept(watched);
        if (!watched.accepted.empty()) {
            // Level-triggered: readable for as long as a connection waits.
            report(watched, true, false, false);
            queue_for_arming(watched);
        }
    }

    // A zero-byte WSARecv or WSASend. Returns true if the socket is not
    // connected yet (the operation is retried on the next round).
    bool post(WatchedSocket& watched, Operation& operation) {
        WSABUF nothing{0, &zero_byte_};
        DWORD flags = 0;
        operation.overlapped = OVERLAPPED{};
        SOCKET socket = static_cast<SOCKET>(watched.fd);
        int result = operation.kind == OpKind::zero_read
                         ? WSARecv(socket, &nothing, 1, nullptr, &flags, &operation.overlapped, nullptr)
                         : WSASend(socket, &nothing, 1, nullptr, 0, &operation.overlapped, nullptr);
        // Success and WSA_IO_PENDING both queue a completion on the port.
        if (result == 0 || WSAGetLastError() == WSA_IO_PENDING) {
            operation.pending = true;
            return false;
        }
        int failure = WSAGetLastError();
        queue_for_arming(watched);  // level-triggered: try again next wait
        if (failure == WSAENOTCONN) {
            int socket_error = 0;
            int length = sizeof(socket_error);
            getsockopt(socket, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&socket_error), &length);
            if (socket_error == 0) return true;  // connect() still in progress
        }
        // The operation could not start: the socket has an error, which the
        // loop's recv() or send() will name.
        report(watched, operation.kind == OpKind::zero_read, operation.kind == OpKind::zero_write, true);
        return false;
    }

    void post_accept(WatchedSocket& watched) {
        if (watched.accept_socket == INVALID_SOCKET) {
            watched.accept_socket = WSASocketW(watched.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
            if (watched.accept_socket == INVALID_SOCKET) {
                report(watched, true, false, true);
                return;
            }
        }
        watched.read.overlapped = OVERLAPPED{};
        DWORD bytes = 0;
        BOOL done = accept_ex_(static_cast<SOCKET>(watched.fd), watched.accept_socket, watched.accept_addresses.data(), 0,
                               accept_address_bytes, accept_address_bytes, &bytes, &watched.read.overlapped);
        if (done || WSAGetLastError() == ERROR_IO_PENDING) {
            watched.read.pending = true;
            return;
        }
        report(watched, true, false, true);
        queue_for_arming(watched);
    }

    void complete(const OVERLAPPED_ENTRY& entry) {
        auto* operation = reinterpret_cast<Operation*>(entry.lpOverlapped);
        if (operation == nullptr) return;  // not ours (nothing else posts to this port)
        operation->pending = false;
        WatchedSocket& watched = *operation->owner;
        if (watched.retired) {
            finish_retired(watched);
            return;
        }
        DWORD bytes = 0;
        DWORD flags = 0;
        bool succeeded = WSAGetOverlappedResult(static_cast<SOCKET>(watched.fd), &operation->overlapped, &bytes, FALSE,
                                                &flags) != FALSE;
        bool failed = !succeeded && WSAGetLastError() != WSA_OPERATION_ABORTED;
        queue_for_arming(watched);  // re-arm at the next wait, after the loop has read
        switch (operation->kind) {
        case OpKind::accept:
            if (succeeded) {
                SOCKET listener = static_cast<SOCKET>(watched.fd);
                setsockopt(watched.accept_socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                           reinterpret_cast<const char*>(&listener), sizeof(listener));
                watched.accepted.push_back(watched.accept_socket);
            } else {
                // The client gave up before the accept finished: it is
                // gone, the listener is fine, and the next AcceptEx gets a
                // fresh socket.
                closesocket(watched.accept_socket);
            }
            watched.accept_socket = INVALID_SOCKET;
            if ((watched.interest & interest_readable) != 0 && !watched.accepted.empty()) report(watched, true, false, false);
            break;
        case OpKind::zero_read:
            if ((watched.interest & interest_readable) != 0) report(watched, true, false, failed);
            break;
        case OpKind::zero_write:
            if ((watched.interest & interest_writable) != 0) report(watched, false, true, failed);
            break;
        }
    }

    void retire(std::unordered_map<SocketFd, std::unique_ptr<WatchedSocket>>::iterator found) {
        std::unique_ptr<WatchedSocket> record = std::move(found->second);
        sockets_.erase(found);
        for (SOCKET socket : record->accepted) closesocket(socket);
        record->accepted.clear();
        record->retired = true;
        HANDLE handle = reinterpret_cast<HANDLE>(static_cast<SOCKET>(record->fd));
        if (record->read.pending) CancelIoEx(handle, &record->read.overlapped);
        if (record->write.pending) CancelIoEx(handle, &record->write.overlapped);
        WatchedSocket& watched = *record;
        retired_.push_back(std::move(record));
        finish_retired(watched);
    }

    // Frees a removed socket's record once nothing is pending on it.
    void finish_retired(WatchedSocket& watched) {
        if (watched.read.pending || watched.write.pending) return;
        if (watched.accept_socket != INVALID_SOCKET) closesocket(watched.accept_socket);
        auto same = [&](const std::unique_ptr<WatchedSocket>& record) { return record.get() == &watched; };
        retired_.erase(std::remove_if(retired_.begin(), retired_.end(), same), retired_.end());
    }

    HANDLE port_ = nullptr;
    LPFN_ACCEPTEX accept_ex_ = nullptr;
    std::unordered_map<SocketFd, std::unique_ptr<WatchedSocket>> sockets_;
    std::vector<std::unique_ptr<WatchedSocket>> retired_;
    std::vector<SocketFd> to_arm_;
    std::vector<OVERLAPPED_ENTRY> entries_;
    // The zero-length buffer of every zero-byte operation (never written).
    char zero_byte_ = 0;
    // The current wait()'s output, and how many events it holds.
    std::span<Readiness> out_;
    std::size_t reported_ = 0;
    std::uint64_t round_ = 0;
};

}  // namespace

std::unique_ptr<Poller> make_iocp_poller() { return std::make_unique<IocpPoller>(); }

std::optional<SocketFd> iocp_take_accepted(Poller& poller, SocketFd listener) {
    auto* iocp = dynamic_cast<IocpPoller*>(&poller);
    if (iocp == nullptr) return std::nullopt;
    return iocp->take_accepted(listener);
}

}  // namespace loopscope::real

#endif  // _WIN32
