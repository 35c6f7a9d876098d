// The byte stream a program talks to: Node's stream.Duplex as net.Socket
// and tls.TLSSocket both are. TcpStream (real/tcp_stream.hpp) is the
// socket itself; the TLS layer (real/tls_stream.hpp) is a Duplex on top of
// a TcpStream, so an HTTP connection runs unchanged over either: "TLS sits
// on TCP".
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace loopscope::real {

class Duplex;

// The callbacks of one stream, like the events of a net.Socket. Any of them
// may call write(), end() or destroy() on the stream.
class StreamEvents {
public:
    virtual ~StreamEvents() = default;
    virtual void on_connect(Duplex&) {}                     // client side: connected (TLS: handshake done)
    virtual void on_data(Duplex&, std::string_view) {}      // 'data': at most 64 KiB
    virtual void on_end(Duplex&) {}                         // 'end': the peer sent FIN
    virtual void on_drain(Duplex&) {}                       // 'drain'
    virtual void on_error(Duplex&, std::error_code) {}      // 'error' (then close)
    virtual void on_close(Duplex&, bool /*had_error*/) {}   // 'close': the owner may delete the stream now
};

class Duplex {
public:
    virtual ~Duplex() = default;
    // write(): false means "wait for drain". Bytes are never dropped.
    virtual bool write(std::string_view bytes) = 0;
    // end(): FIN (TLS: close_notify, then FIN) once every queued byte is written.
    virtual void end() = 0;
    // destroy(): close now, drop queued bytes; `reset` sends RST instead of FIN.
    virtual void destroy(bool reset = false) = 0;
    virtual void pause() = 0;
    virtual void resume() = 0;
    virtual std::uint64_t writable_length() const = 0;
    virtual std::uint64_t high_water_mark() const = 0;
    // The trace's connection key (the client-side port).
    virtual std::int32_t conn() const = 0;
    virtual bool closed() const = 0;
    virtual void set_events(StreamEvents& events) = 0;
};

}  // namespace loopscope::real
