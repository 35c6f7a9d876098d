#include "real/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <stdexcept>

#include "real/tls_error.hpp"

namespace loopscope::real {

namespace {

// One TLS record's plaintext at most: what one SSL_read can give.
constexpr int plaintext_chunk_bytes = 16384;
// The piece of the wbio handed to TCP per write: a handshake flight or
// four full records.
constexpr int wire_chunk_bytes = 65536;

// Node sends no SNI for an IP address (RFC 6066 §3 allows only host names).
bool is_ip_literal(std::string_view host) {
    if (host.find(':') != std::string_view::npos) return true;
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

// CPU time of this thread: what the handshake's arithmetic costs, not
// time the thread spent preempted.
Nanos thread_cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

void TlsStream::SslFree::operator()(SSL* ssl) const noexcept { SSL_free(ssl); }

TlsStream::TlsStream(Loop& loop, const TlsContext& context, TlsRole role, StreamEvents& events,
                     TlsStreamOptions options)
    : loop_(loop), events_(&events), options_(std::move(options)), trace_(loop.tracer()), role_(role) {
    ssl_.reset(SSL_new(context.get()));
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    if (!ssl_ || rbio_ == nullptr || wbio_ == nullptr) {
        BIO_free(rbio_);
        BIO_free(wbio_);
        throw std::runtime_error("TLS: cannot make a connection: " + take_tls_error().message());
    }
    // An empty memory BIO means "the next TCP chunk has not come yet", not
    // end of file: OpenSSL then asks to be called again (SSL_ERROR_WANT_READ).
    BIO_set_mem_eof_return(rbio_, -1);
    BIO_set_mem_eof_return(wbio_, -1);
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    if (role_ == TlsRole::server) {
        SSL_set_accept_state(ssl_.get());
    } else {
        SSL_set_connect_state(ssl_.get());
        if (!options_.server_name.empty()) SSL_set_tlsext_host_name(ssl_.get(), options_.server_name.c_str());
    }
    // With tracing off (--no-trace) OpenSSL makes no callbacks at all.
    if (loop.tracer().enabled()) {
        SSL_set_msg_callback(ssl_.get(), &TlsStream::message_callback);
        SSL_set_msg_callback_arg(ssl_.get(), this);
    }
}

TlsStream::TlsStream(std::unique_ptr<TcpStream> tcp, const TlsContext& context, TlsRole role, StreamEvents& events,
                     TlsStreamOptions options)
    : TlsStream(tcp->loop(), context, role, events, std::move(options)) {
    attach(std::move(tcp));
}

std::unique_ptr<TlsStream> TlsStream::connect(Loop& loop, const std::string& host, std::uint16_t port,
                                              StreamEvents& events, const TlsClientOptions& options) {
    // A context made here is released when this returns: SSL_new keeps its
    // own reference to it.
    std::optional<TlsContext> own;
    if (options.context == nullptr) own.emplace(TlsContext::client(options.max_version));
    const TlsContext& context = options.context != nullptr ? *options.context : *own;
    TlsStreamOptions stream_options;
    stream_options.server_name = !options.server_name.empty() ? options.server_name
                                 : is_ip_literal(host)        ? std::string()
                                                              : host;
    std::unique_ptr<TlsStream> tls(new TlsStream(loop, context, TlsRole::client, events, std::move(stream_options)));
    // The TcpStream reports to the TlsStream, so it is made second.
    tls->attach(TcpStream::connect(loop, host, port, *tls, options.stream));
    return tls;
}

std::unique_ptr<Duplex> connect_tls(Loop& loop, const std::string& host, std::uint16_t port, StreamEvents& events,
                                    const TlsClientOptions& options) {
    return TlsStream::connect(loop, host, port, events, options);
}

TlsStream::~TlsStream() = default;

void TlsStream::attach(std::unique_ptr<TcpStream> tcp) {
    tcp_ = std::move(tcp);
    if (!tcp_) return;
    tcp_->set_events(*this);
    if (role_ == TlsRole::client && tcp_->connected()) on_connect(*tcp_);
}

void TlsStream::message_callback(int write_p, int, int content_type, const void* buf, std::size_t len, SSL* ssl,
                                 void* arg) {
    auto* self = static_cast<TlsStream*>(arg);
    self->trace_.message(ssl, self->conn(), write_p, content_type, buf, len);
}

// ---- the TcpStream's events ----

void TlsStream::on_connect(Duplex&) {
    // The client's handshake starts now: SSL_do_handshake writes the
    // ClientHello into the wbio and asks for the server's answer.
    hello_at_ = monotonic_now();
    advance();
}

void TlsStream::on_data(Duplex&, std::string_view bytes) {
    if (destroyed_ || failed_) return;
    if (hello_at_ < 0) hello_at_ = monotonic_now();  // a server: the ClientHello's first byte
    // A memory BIO grows to take everything (TCP hands at most 64 KiB).
    if (BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
        return fail(take_tls_error(std::make_error_code(std::errc::not_enough_memory)));
    }
    advance();
}

void TlsStream::on_end(Duplex&) {
    if (failed_) return;
    // A FIN in the middle of the handshake: Node's "Client network socket
    // disconnected before secure TLS connection was established".
    if (!established_) return fail(std::make_error_code(std::errc::connection_reset));
    emit_end();
    end_after_peer();
}

void TlsStream::on_drain(Duplex&) { maybe_drain(); }

void TlsStream::on_error(Duplex&, std::error_code error) {
    if (!failed_) events_->on_error(*this, error);
}

void TlsStream::on_close(Duplex&, bool had_error) {
    // Last statement: the owner may delete this stream (and the TcpStream) now.
    events_->on_close(*this, had_error || failed_);
}

// ---- reading ----

void TlsStream::advance() {
    if (destroyed_ || failed_) return;
    if (!established_ && !handshake()) return;
    read_plaintext();
}

bool TlsStream::handshake() {
    // The server's handshake crypto runs here, on the loop's thread, as in
    // Node: its CPU time is measured for tls.crypto.
    const bool measure = role_ == TlsRole::server && loop_.tracer().enabled();
    const Stamp started = measure ? cycle_stamp() : Stamp{};
    const Nanos cpu_before = measure ? thread_cpu_now() : 0;
    if (measure) trace_.begin_call();
    const int rc = SSL_do_handshake(ssl_.get());
    if (measure) trace_.crypto(ssl_.get(), conn(), started, thread_cpu_now() - cpu_before);
    const int error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), rc);
    // Whatever it wrote goes out first: a flight, or the alert of a failure.
    flush_wire();
    if (rc == 1) {
        on_established();
        return !destroyed_ && !failed_;
    }
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
    fail(take_tls_error());
    return false;
}

void TlsStream::on_established() {
    established_ = true;
    if (X509* peer = SSL_get0_peer_certificate(ssl_.get())) {
        const int der = i2d_X509(peer, nullptr);
        peer_certificate_bytes_ = der > 0 ? static_cast<std::size_t>(der) : 0;
    }
    if (loop_.tracer().enabled()) trace_.established(ssl_.get(), conn(), hello_at_);
    // Plaintext written during the handshake goes first, so it stays ahead
    // of whatever the owner writes from on_connect().
    if (!waiting_plaintext_.empty()) {
        std::string waiting;
        waiting.swap(waiting_plaintext_);
        encrypt(waiting);
        if (failed_) return;
    }
    events_->on_connect(*this);
    if (destroyed_ || failed_) return;
    if (ending_) send_close_notify();
    maybe_drain();
}

void TlsStream::read_plaintext() {
    // The owner's on_data may call resume(), write() or end(): this loop
    // picks up from where it is rather than starting a second one.
    if (in_read_) return;
    in_read_ = true;
    char buffer[plaintext_chunk_bytes];
    while (!paused_ && !destroyed_ && !failed_) {
        const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
        if (n > 0) {
            events_->on_data(*this, std::string_view(buffer, static_cast<std::size_t>(n)));
            continue;
        }
        const int error = SSL_get_error(ssl_.get(), n);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
        flush_wire();
        in_read_ = false;
        // The peer's close_notify: its 'end'. Anything else is a bad record.
        if (error == SSL_ERROR_ZERO_RETURN) {
            emit_end();
            return end_after_peer();
        }
        return fail(take_tls_error());
    }
    // Reading can make OpenSSL write too (a TLS 1.3 KeyUpdate's answer).
    flush_wire();
    in_read_ = false;
}

void TlsStream::end_after_peer() {
    // allowHalfOpen is false for TLS sockets too: once the peer has ended,
    // this end sends its close_notify and FIN unless the owner already did
    // (or destroyed the stream). Otherwise the TcpStream would send a bare FIN.
    if (!ending_ && !destroyed_ && !failed_) end();
}

void TlsStream::emit_end() {
    if (end_emitted_ || destroyed_) return;
    end_emitted_ = true;
    events_->on_end(*this);
}

// ---- writing ----

bool TlsStream::write(std::string_view plaintext) {
    // Node: a write after end() is an error (ERR_STREAM_WRITE_AFTER_END)
    // and writes nothing; so does a write to a destroyed stream.
    if (destroyed_ || ending_ || failed_) return false;
    if (!plaintext.empty()) {
        if (established_) encrypt(plaintext);
        else waiting_plaintext_.append(plaintext);
    }
    const bool below = writable_length() < high_water_mark();
    if (!below) need_drain_ = true;
    return below;
}

void TlsStream::encrypt(std::string_view plaintext) {
    // SSL_write into a memory BIO takes everything, in records of at most
    // 16 KiB of plaintext each.
    std::size_t done = 0;
    while (done < plaintext.size()) {
        const int piece = static_cast<int>(std::min<std::size_t>(plaintext.size() - done, 1u << 30));
        const int n = SSL_write(ssl_.get(), plaintext.data() + done, piece);
        if (n <= 0) {
            flush_wire();
            return fail(take_tls_error());
        }
        done += static_cast<std::size_t>(n);
    }
    flush_wire();
}

void TlsStream::flush_wire() {
    if (loop_.tracer().enabled()) trace_.flush(ssl_.get(), conn());
    char chunk[wire_chunk_bytes];
    while (BIO_ctrl_pending(wbio_) > 0) {
        const int n = BIO_read(wbio_, chunk, sizeof chunk);
        if (n <= 0) break;
        if (tcp_ && !tcp_->closed()) tcp_->write(std::string_view(chunk, static_cast<std::size_t>(n)));
    }
}

std::uint64_t TlsStream::writable_length() const {
    return (tcp_ ? tcp_->writable_length() : 0) + waiting_plaintext_.size();
}

void TlsStream::maybe_drain() {
    // Once established nothing waits in this layer, so "below the mark"
    // means the TcpStream drained (or took the handshake's waiting bytes at once).
    if (!need_drain_ || destroyed_ || failed_ || writable_length() >= high_water_mark()) return;
    need_drain_ = false;
    events_->on_drain(*this);
}

void TlsStream::end() {
    if (ending_ || destroyed_ || failed_) return;
    ending_ = true;
    // Before the handshake is done the close_notify waits for it (on_established).
    if (established_) send_close_notify();
}

void TlsStream::send_close_notify() {
    if (close_notify_sent_ || destroyed_) return;
    close_notify_sent_ = true;
    // SSL_shutdown returns 0 here: ours is sent, the peer's not seen yet.
    // Like Node we do not wait for it; TCP's FIN follows our close_notify.
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    flush_wire();
    if (tcp_) tcp_->end();
}

void TlsStream::destroy(bool reset) {
    if (destroyed_) return;
    destroyed_ = true;
    if (tcp_) tcp_->destroy(reset);
}

void TlsStream::pause() {
    paused_ = true;
    if (tcp_) tcp_->pause();
}

void TlsStream::resume() {
    if (!paused_) return;
    paused_ = false;
    if (tcp_) tcp_->resume();
    // Records already read from TCP wait in OpenSSL: read them on the next
    // iteration (Node too resumes reading asynchronously), unless the read
    // loop is on the stack and simply goes on.
    if (in_read_ || !established_) return;
    if (SSL_pending(ssl_.get()) > 0 || BIO_ctrl_pending(rbio_) > 0) {
        loop_.defer([this, alive = std::weak_ptr<bool>(alive_)] {
            if (alive.lock()) advance();
        });
    }
}

void TlsStream::fail(std::error_code error) {
    if (failed_ || destroyed_) return;
    failed_ = true;
    events_->on_error(*this, error);
    destroy();
}

int TlsStream::version() const { return established_ ? tls_version_number(SSL_version(ssl_.get())) : 0; }

std::string TlsStream::cipher() const {
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
    return cipher != nullptr ? SSL_CIPHER_get_name(cipher) : "";
}

}  // namespace loopscope::real
