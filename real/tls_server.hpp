// tls.Server's socket side on the real loop: a TcpListener whose accepted
// sockets become server TlsStreams. While a stream's handshake runs it
// belongs to this server; when it is done ('secureConnection') the stream
// is handed to the program that serves it (the HTTP server for https, or
// an echo), which from then on owns it. A handshake that fails (Node's
// 'tlsClientError') is counted and its connection closed; it never reaches
// the program.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>

#include "real/tcp_listener.hpp"
#include "real/tcp_stream.hpp"
#include "real/tls_certificate.hpp"
#include "real/tls_stream.hpp"

namespace loopscope::real {

class TlsServer final : public StreamEvents {
public:
    // Gets each stream whose handshake is done; it must take the stream's
    // events over (set_events) before returning.
    using OnSecureConnection = std::function<void(std::unique_ptr<TlsStream>)>;

    TlsServer(Loop& loop, std::uint32_t listener_id, TlsContext context, StreamOptions stream_options,
              OnSecureConnection on_secure_connection);
    ~TlsServer() override;
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;

    std::error_code listen(const std::string& address, std::uint16_t port, std::uint32_t backlog = default_backlog);
    // Stops listening and destroys the handshakes still running.
    void close();

    std::uint16_t port() const { return listener_.port(); }
    std::uint32_t backlog() const { return listener_.backlog(); }
    const TlsContext& context() const { return context_; }
    // Connections whose handshake is still running.
    std::size_t handshaking() const { return handshaking_.size(); }
    std::uint64_t handshakes_done() const { return handshakes_done_; }
    std::uint64_t handshake_failures() const { return handshake_failures_; }

    // ---- the events of streams still in their handshake ----
    void on_connect(Duplex& stream) override;
    void on_error(Duplex& stream, std::error_code error) override;
    void on_close(Duplex& stream, bool had_error) override;

private:
    void accept(SocketFd fd);

    Loop& loop_;
    TlsContext context_;
    StreamOptions stream_options_;
    OnSecureConnection on_secure_connection_;
    TcpListener listener_;
    std::unordered_map<const Duplex*, std::unique_ptr<TlsStream>> handshaking_;
    std::uint64_t handshakes_done_ = 0;
    std::uint64_t handshake_failures_ = 0;
};

}  // namespace loopscope::real
