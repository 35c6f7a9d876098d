// TLS on the real loop, as Node's tls.TLSSocket: a Duplex on top of a
// TcpStream ("TLS sits on TCP"). OpenSSL never touches the socket: the
// bytes TCP reads go into a memory BIO (the SSL's rbio), SSL_do_handshake
// and SSL_read take them from there, and what OpenSSL writes lands in a
// second memory BIO (the wbio), whose bytes this stream hands to the
// TcpStream. So the socket stays non-blocking under the loop, and every
// TLS byte is an ordinary TCP byte in the trace (loop.read, loop.write).
//
// Semantics like tls.TLSSocket:
// - write() before the handshake is done keeps the plaintext until it is;
//   write() returns false once writable_length() -- the encrypted bytes the
//   TcpStream still queues plus that waiting plaintext -- reaches the high
//   water mark, and on_drain() follows the TcpStream's drain.
// - on_data() gets each SSL_read's plaintext: one TLS record, at most
//   16 KiB (Node's TLSWrap reads in 16 KiB pieces too).
// - on_connect() runs when the handshake is done, on both ends (a client's
//   'secureConnect', a server's 'secureConnection').
// - end() sends close_notify, then FIN once every byte is written; the
//   peer's close_notify (or its FIN) is on_end(), after which this end ends
//   too unless the owner did (allowHalfOpen false, as in Node).
// - a handshake that fails (garbage instead of a ClientHello, a version
//   neither side accepts) sends OpenSSL's alert, then on_error() with the
//   OpenSSL error (real/tls_error.hpp), then the stream closes.
//
// Tracing (real/tls_trace.hpp): tls.handshake and tls.record for what this
// end sends, tls.established when its handshake is done.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <openssl/types.h>

#include "real/duplex.hpp"
#include "real/loop.hpp"
#include "real/tcp_stream.hpp"
#include "real/tls_certificate.hpp"
#include "real/tls_trace.hpp"

namespace loopscope::real {

enum class TlsRole : std::uint8_t { server, client };

struct TlsStreamOptions {
    // Client: the name sent as SNI in the ClientHello ("" sends none).
    std::string server_name;
};

struct TlsClientOptions {
    // The context to share between many clients (connect_tls makes one per
    // call when null). The SSL keeps its own reference to it.
    const TlsContext* context = nullptr;
    std::uint32_t max_version = 13;  // used only when connect_tls makes the context
    // SNI: "" means the host, unless it is an IP address (Node sends none then).
    std::string server_name;
    StreamOptions stream;            // the TCP socket's; its high_water_mark is the TLS stream's too
};

class TlsStream final : public Duplex, public StreamEvents {
public:
    // Wraps `tcp`: a server's accepted stream (the handshake starts when
    // the ClientHello arrives), or a client's, connected or connecting (the
    // ClientHello goes out once it is connected). The stream takes the
    // TcpStream's events over.
    TlsStream(std::unique_ptr<TcpStream> tcp, const TlsContext& context, TlsRole role, StreamEvents& events,
              TlsStreamOptions options = {});
    // A client: connects to host:port and then runs the handshake;
    // on_connect() once it is done, or on_error() and on_close().
    static std::unique_ptr<TlsStream> connect(Loop& loop, const std::string& host, std::uint16_t port,
                                              StreamEvents& events, const TlsClientOptions& options = {});
    ~TlsStream() override;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    // ---- Duplex ----
    bool write(std::string_view plaintext) override;
    void end() override;
    void destroy(bool reset = false) override;
    void pause() override;
    void resume() override;
    std::uint64_t writable_length() const override;
    // The TcpStream's: the encrypted bytes it queues are what fills the mark,
    // so its drain is this stream's drain.
    std::uint64_t high_water_mark() const override {
        return tcp_ ? tcp_->high_water_mark() : default_high_water_mark;
    }
    std::int32_t conn() const override { return tcp_ ? tcp_->conn() : -1; }
    bool closed() const override { return destroyed_ || !tcp_ || tcp_->closed(); }
    void set_events(StreamEvents& events) override { events_ = &events; }

    // ---- what the handshake agreed ----
    bool established() const { return established_; }
    TlsRole role() const { return role_; }
    int version() const;              // 13, 12, or 0 before the handshake is done
    std::string cipher() const;       // e.g. "TLS_AES_256_GCM_SHA384"
    // The DER size of the certificate the peer sent (a client's view of
    // the server's certificate; 0 until the handshake is done, or if none).
    std::size_t peer_certificate_bytes() const { return peer_certificate_bytes_; }
    TcpStream& tcp() { return *tcp_; }

    // ---- StreamEvents of the TcpStream underneath ----
    void on_connect(Duplex&) override;
    void on_data(Duplex&, std::string_view bytes) override;
    void on_end(Duplex&) override;
    void on_drain(Duplex&) override;
    void on_error(Duplex&, std::error_code error) override;
    void on_close(Duplex&, bool had_error) override;

private:
    TlsStream(Loop& loop, const TlsContext& context, TlsRole role, StreamEvents& events, TlsStreamOptions options);
    void attach(std::unique_ptr<TcpStream> tcp);
    static void message_callback(int write_p, int version, int content_type, const void* buf, std::size_t len,
                                 SSL* ssl, void* arg);

    // Runs the handshake while it is not done, then reads plaintext.
    void advance();
    // SSL_do_handshake once; true when the handshake is now done.
    bool handshake();
    void on_established();
    void read_plaintext();
    void encrypt(std::string_view plaintext);
    void send_close_notify();
    // Moves what OpenSSL wrote (records) from the wbio to the TcpStream.
    void flush_wire();
    void emit_end();
    void end_after_peer();
    void maybe_drain();
    void fail(std::error_code error);

    struct SslFree {
        void operator()(SSL* ssl) const noexcept;
    };

    Loop& loop_;
    std::unique_ptr<TcpStream> tcp_;
    std::unique_ptr<SSL, SslFree> ssl_;
    BIO* rbio_ = nullptr;  // owned by ssl_
    BIO* wbio_ = nullptr;  // owned by ssl_
    StreamEvents* events_;
    TlsStreamOptions options_;
    TlsTrace trace_;
    std::string waiting_plaintext_;  // written before the handshake was done
    // Lets a deferred read (resume()) find out the stream is gone.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    Nanos hello_at_ = -1;  // client: ClientHello sent; server: its first byte arrived
    std::size_t peer_certificate_bytes_ = 0;
    TlsRole role_;
    bool established_ = false;
    bool ending_ = false;       // end() called
    bool close_notify_sent_ = false;
    bool end_emitted_ = false;
    bool need_drain_ = false;
    bool paused_ = false;
    bool destroyed_ = false;
    bool failed_ = false;
    bool in_read_ = false;      // read_plaintext() is on the stack
};

// The clients' entry point (http-get over TLS for the https lesson).
std::unique_ptr<Duplex> connect_tls(Loop& loop, const std::string& host, std::uint16_t port, StreamEvents& events,
                                    const TlsClientOptions& options = {});

}  // namespace loopscope::real
