#include "real/tls_server.hpp"

namespace loopscope::real {

TlsServer::TlsServer(Loop& loop, std::uint32_t listener_id, TlsContext context, StreamOptions stream_options,
                     OnSecureConnection on_secure_connection)
    : loop_(loop),
      context_(std::move(context)),
      stream_options_(stream_options),
      on_secure_connection_(std::move(on_secure_connection)),
      listener_(loop, listener_id, [this](SocketFd fd) { accept(fd); }) {}

TlsServer::~TlsServer() { close(); }

std::error_code TlsServer::listen(const std::string& address, std::uint16_t port, std::uint32_t backlog) {
    return listener_.listen(address, port, backlog);
}

void TlsServer::close() {
    listener_.close();
    // destroy() closes from the loop's close phase; on_close() then erases.
    for (auto& [key, stream] : handshaking_) stream->destroy();
}

void TlsServer::accept(SocketFd fd) {
    auto tcp = std::make_unique<TcpStream>(loop_, fd, *this, stream_options_);
    // tls.Server's 'connection' (the TCP socket, before the handshake);
    // 'secureConnection' comes once the handshake is done.
    const std::uint32_t r = loop_.tracer().record(trace::Kind::js_connection, tcp->conn(), {0}, loop_.io_cause());
    const Stamp started = r != no_record ? cycle_stamp() : Stamp{};
    auto tls = std::make_unique<TlsStream>(std::move(tcp), context_, TlsRole::server, *this);
    const Duplex* key = tls.get();
    handshaking_.emplace(key, std::move(tls));
    loop_.tracer().set_duration(r, 0, started);
}

void TlsServer::on_connect(Duplex& stream) {
    // 'secureConnection': the stream moves to the program, which sets its
    // own events before the first plaintext arrives.
    const auto found = handshaking_.find(&stream);
    if (found == handshaking_.end()) return;
    std::unique_ptr<TlsStream> secure = std::move(found->second);
    handshaking_.erase(found);
    ++handshakes_done_;
    on_secure_connection_(std::move(secure));
}

void TlsServer::on_error(Duplex&, std::error_code) {
    // 'tlsClientError': the TlsStream closes itself after this.
    ++handshake_failures_;
}

void TlsServer::on_close(Duplex& stream, bool) {
    // The stream's last call: it may be deleted now.
    handshaking_.erase(&stream);
}

}  // namespace loopscope::real
