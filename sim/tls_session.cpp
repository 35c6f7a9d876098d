#include "sim/tls_session.hpp"

namespace loopscope::sim {

namespace {

using H = HandshakeType;

// close_notify: level warning (1), description close_notify (0).
constexpr char close_notify_alert[] = {1, 0};

std::string_view signature_name(Signature s) {
    return s == Signature::ecdsa_p256 ? "ECDSA P-256 signature" : "RSA-2048 signature";
}

}  // namespace

TlsSession::TlsSession(TlsRole role, const TlsConfig& config) : role_(role), config_(config) {
    if (role_ == TlsRole::server) expect(State::wait_client_hello, {H::client_hello});
}

void TlsSession::expect(State state, std::initializer_list<HandshakeType> messages) {
    state_ = state;
    expected_.assign(messages);
    next_expected_ = 0;
}

void TlsSession::start() {
    if (role_ != TlsRole::client || state_ != State::start) return;
    send_handshake(H::client_hello);
    if (config_.version == 12)
        expect(State::wait_server_flight, {H::server_hello, H::certificate, H::server_key_exchange, H::server_hello_done});
    else
        expect(State::wait_server_flight,
               {H::server_hello, H::encrypted_extensions, H::certificate, H::certificate_verify, H::finished});
}

void TlsSession::receive(std::string_view bytes) {
    if (state_ == State::failed) return;
    reader_.feed(bytes);
    Record record;
    while (state_ != State::failed && reader_.next(record)) on_record(record);
    if (reader_.error()) fail();
}

void TlsSession::on_record(Record& record) {
    if (record.type == ContentType::change_cipher_spec) {
        // TLS 1.3 ignores it (middlebox compatibility, RFC 8446 §D.4); in
        // TLS 1.2 it switches the peer's records to protected.
        if (config_.version == 12) receive_protection_.emplace(12);
        return;
    }
    if (receive_protection_ && (config_.version == 12 || record.type == ContentType::application_data)) {
        if (!receive_protection_->open(record)) return fail();
    }
    switch (record.type) {
        case ContentType::handshake: {
            handshake_.feed(record.body);
            HandshakeMessage message;
            while (state_ != State::failed && handshake_.next(message)) on_message(message);
            break;
        }
        case ContentType::application_data:
            if (state_ != State::established) return fail();
            plaintext_.append(record.body);
            break;
        case ContentType::alert:
            notes_.push_back({TlsNote::What::alert, "close_notify", record.body.size()});
            peer_closed_ = true;
            break;
        default: fail();
    }
}

void TlsSession::on_message(const HandshakeMessage& message) {
    if (next_expected_ >= expected_.size() || expected_[next_expected_] != message.type) return fail();
    ++next_expected_;
    const bool flight_done = next_expected_ == expected_.size();
    if (role_ == TlsRole::server) {
        if (message.type == H::client_hello) return server_flight();
        if (message.type == H::client_key_exchange) crypto("X25519 shared secret", config_.x25519_ns);
        if (!flight_done) return;
        if (config_.version == 12) {
            send_change_cipher_spec();
            send_protection_.emplace(12);
            send_handshake(H::finished);
        }
        return finish_handshake();
    }
    // Client: the server's keys arrive in ServerHello (1.3); from there on
    // its records are protected.
    if (message.type == H::server_hello && config_.version != 12) receive_protection_.emplace(13);
    if (!flight_done) return;
    if (state_ == State::wait_server_finished) return finish_handshake();
    client_flight();
}

// The server's answer to ClientHello: its key share and signature are
// computed now, on the thread that runs the handshake.
void TlsSession::server_flight() {
    crypto("X25519 key share", config_.x25519_ns);
    if (config_.version == 12) {
        crypto(signature_name(config_.signature), config_.sign_ns);
        for (H type : {H::server_hello, H::certificate, H::server_key_exchange, H::server_hello_done})
            send_handshake(type);
        expect(State::wait_client_flight, {H::client_key_exchange, H::finished});
        return;
    }
    crypto("X25519 shared secret", config_.x25519_ns);
    crypto(signature_name(config_.signature), config_.sign_ns);
    send_handshake(H::server_hello);
    send_change_cipher_spec();
    send_protection_.emplace(13);
    receive_protection_.emplace(13);
    for (H type : {H::encrypted_extensions, H::certificate, H::certificate_verify, H::finished}) send_handshake(type);
    expect(State::wait_client_flight, {H::finished});
}

// The client has the server's whole flight: its last flight follows.
void TlsSession::client_flight() {
    if (config_.version == 12) {
        send_handshake(H::client_key_exchange);
        send_change_cipher_spec();
        send_protection_.emplace(12);
        send_handshake(H::finished);
        expect(State::wait_server_finished, {H::finished});
        return;
    }
    send_change_cipher_spec();
    send_protection_.emplace(13);
    send_handshake(H::finished);
    finish_handshake();
}

void TlsSession::finish_handshake() {
    state_ = State::established;
    expected_.clear();
    notes_.push_back({TlsNote::What::established, "established"});
}

void TlsSession::send_handshake(HandshakeType type) {
    const std::string message = handshake_message(type, config_);
    notes_.push_back({TlsNote::What::message, handshake_name(type), message.size()});
    send(ContentType::handshake, message);
}

void TlsSession::send_change_cipher_spec() { send(ContentType::change_cipher_spec, std::string_view("\x01", 1)); }

void TlsSession::send(ContentType type, std::string_view plaintext) {
    // The record's own type (a ClientHello's says TLS 1.0 for old servers).
    const bool hello = type == ContentType::handshake && role_ == TlsRole::client && !send_protection_ &&
                       static_cast<std::uint8_t>(plaintext[0]) == static_cast<std::uint8_t>(H::client_hello);
    for (std::size_t at = 0; at < plaintext.size(); at += max_record_plaintext) {
        const std::string_view part = plaintext.substr(at, max_record_plaintext);
        std::string record;
        if (send_protection_ && type != ContentType::change_cipher_spec) {
            record = send_protection_->seal(type, part);
        } else {
            record = std::move(frame_plain(type, hello ? legacy_version_tls10 : legacy_version_tls12, part).front());
        }
        notes_.push_back({TlsNote::What::record, content_type_name(type), part.size(), record.size()});
        wire_.append(record);
    }
}

void TlsSession::write(std::string_view plaintext) {
    if (state_ != State::established) return;
    send(ContentType::application_data, plaintext);
}

void TlsSession::close_notify() {
    if (state_ != State::established) return;
    send(ContentType::alert, std::string_view(close_notify_alert, sizeof close_notify_alert));
}

void TlsSession::crypto(std::string_view what, Nanos cost) {
    // Only the server's computations are charged: it runs them on Node's
    // main thread. The client programs have no CPU model.
    if (role_ == TlsRole::server) notes_.push_back({TlsNote::What::crypto, what, 0, 0, cost});
}

void TlsSession::fail() {
    state_ = State::failed;
    expected_.clear();
}

}  // namespace loopscope::sim
