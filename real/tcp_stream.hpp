// A connected TCP socket with Node's net.Socket semantics, on the real loop.
//
// write() first tries the kernel (as libuv's uv_try_write does inside
// uv_write), keeps whatever the kernel did not take in a user-space queue,
// and returns false once the queue holds highWaterMark bytes or more; when
// the queue has emptied after writability came back, on_drain() runs. Reads
// go into the loop's one 64 KiB buffer, a bounded number of times per
// readiness so one busy socket cannot starve the others.
//
// Every step is recorded: loop.read (bytes, FIONREAD left, EAGAIN, EOF),
// loop.write (bytes offered, accepted, EAGAIN), kernel.send_buffer
// (SIOCOUTQ / SIOCOUTQNSD after a write), js.write / js.drain / js.end /
// js.close, and notifier.register when the interest changes.
//
// Lifetime: the owner holds the stream (std::unique_ptr); the stream tells
// its StreamEvents on_close() from the loop's close phase, after which the
// owner may destroy it. The conn id in the trace is the client's port.
//
// A client-side stream (made by connect()) records the client lane's kinds
// instead (client.connect, client.connected, client.write, client.read,
// client.end, client.close), as the simulator's client programs do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "real/duplex.hpp"
#include "real/loop.hpp"

namespace loopscope::real {

// Node 20's writableHighWaterMark.
inline constexpr std::uint64_t default_high_water_mark = 16384;

struct StreamOptions {
    std::uint64_t high_water_mark = default_high_water_mark;
    std::uint64_t send_buffer = 0;  // SO_SNDBUF to set, 0 = the kernel's default (autotuned)
    std::uint64_t recv_buffer = 0;  // SO_RCVBUF to set, 0 = the kernel's default
    bool no_delay = true;           // TCP_NODELAY, as Node sets by default since v18
    // Record the data prefix of each loop.write (false for bulk senders).
    bool trace_payload_text = true;
    // Reads: at most this many bytes per read() (0: the 64 KiB buffer), at
    // most this many reads per readiness. A slow reader sets both small.
    std::size_t max_read_bytes = 0;
    int reads_per_wakeup = 32;
    // Record each read's callback as js.data. http.Server reads its
    // sockets from C++ (the parser consumes them), so its connections turn
    // this off and record http.parse for each chunk instead, as the
    // simulator does.
    bool trace_data_callback = true;
};

class TcpStream final : public Duplex, public IoHandler {
public:
    // Wraps an accepted, already non-blocking socket.
    TcpStream(Loop& loop, SocketFd fd, StreamEvents& events, StreamOptions options = {});
    // Starts a non-blocking connect to host:port; on_connect() (or on_error) follows.
    static std::unique_ptr<TcpStream> connect(Loop& loop, const std::string& host, std::uint16_t port,
                                              StreamEvents& events, StreamOptions options = {});
    ~TcpStream() override;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    // socket.write(): false means "wait for drain". Bytes are never dropped.
    bool write(std::string_view bytes) override;
    // socket.end(): FIN once every queued byte reached the kernel.
    void end() override;
    // socket.destroy(): close now, drop queued bytes. With `reset`, the
    // kernel sends RST instead of FIN (SO_LINGER 0), as resetAndDestroy().
    void destroy(bool reset = false) override;
    void pause() override;
    void resume() override;

    std::uint64_t writable_length() const override { return queued_bytes_; }
    std::uint64_t high_water_mark() const override { return options_.high_water_mark; }
    bool connected() const { return connected_; }
    bool closed() const override { return closing_; }
    std::int32_t conn() const override { return conn_; }   // the client-side port: the trace's connection key
    std::uint16_t local_port() const { return local_port_; }
    std::uint16_t peer_port() const { return peer_port_; }
    SocketFd fd() const { return fd_; }
    Loop& loop() { return loop_; }
    void set_events(StreamEvents& events) override { events_ = &events; }
    std::uint64_t bytes_read() const { return bytes_read_; }
    std::uint64_t bytes_written() const { return bytes_written_; }

    void on_readable(const Readiness& event) override;
    void on_writable(const Readiness& event) override;

    struct WriteQueue;  // user-space bytes the kernel has not taken yet (tcp_stream.cpp)

private:
    TcpStream(Loop& loop, SocketFd fd, StreamEvents& events, StreamOptions options, bool connecting);
    void flush_queue();
    void update_interest();
    void finish_connect();
    void fail(std::error_code error);
    void close_now(bool had_error);
    void maybe_close();
    void record_send_buffer();
    void read_some();
    void record_tcp_state();
    std::shared_ptr<bool> alive_token();
    std::uint32_t record_write(Stamp started, std::size_t offered, long accepted, bool eagain, std::string_view data);

    Loop& loop_;
    SocketFd fd_;
    StreamEvents* events_;
    StreamOptions options_;
    std::unique_ptr<WriteQueue> queue_;  // allocated on the first partial write only
    std::uint64_t queued_bytes_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t bytes_written_ = 0;
    std::int32_t conn_ = -1;
    std::uint16_t local_port_ = 0;
    std::uint16_t peer_port_ = 0;
    unsigned interest_ = interest_none;
    bool connecting_ = false;
    bool connected_ = false;
    bool paused_ = false;
    bool ending_ = false;      // end() called; FIN after the queue empties
    bool fin_sent_ = false;
    bool eof_ = false;         // the peer's FIN was read
    bool need_drain_ = false;  // write() returned false: emit drain when the queue empties
    bool closing_ = false;
    bool client_side_ = false;
    Nanos connect_started_ = 0;
    std::uint64_t total_sent_ = 0;  // bytes the kernel took
    std::uint8_t tcp_state_ = 0;    // trace::TcpState last recorded (closed)
    std::shared_ptr<bool> alive_;   // made at close: lets the close phase skip a stream already deleted
};

}  // namespace loopscope::real
