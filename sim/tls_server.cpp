#include "sim/tls_server.hpp"

#include "sim/tls_trace.hpp"

namespace loopscope::sim {

namespace {

// Tags of the continuations this layer asks for; the inner program's own
// burn_cpu_then tags (without this bit) are passed through to it.
constexpr std::uint64_t tls_continuation = std::uint64_t{1} << 63;

}  // namespace

// The socket the inner program sees (a tls.TLSSocket): writes and end()
// go through TLS, everything else straight to Node.
class TlsServerProgram::SecureSocket final : public NodeApi {
public:
    SecureSocket(TlsServerProgram& tls, NodeApi& node) : tls_(tls), node_(node) {}
    bool write(std::int32_t conn, std::string bytes) override { return tls_.secure_write(node_, conn, bytes); }
    void end(std::int32_t conn) override { tls_.secure_end(node_, conn); }
    void destroy(std::int32_t conn) override { node_.destroy(conn); }
    void pause(std::int32_t conn) override { node_.pause(conn); }
    void resume(std::int32_t conn) override { node_.resume(conn); }
    void set_timeout(Nanos delay, std::uint64_t tag) override { node_.set_timeout(delay, tag); }
    void set_immediate(std::uint64_t tag) override { node_.set_immediate(tag); }
    void next_tick(std::uint64_t tag) override { node_.next_tick(tag); }
    void queue_microtask(std::uint64_t tag) override { node_.queue_microtask(tag); }
    void submit_work(Nanos work, std::int32_t conn, std::uint64_t tag) override { node_.submit_work(work, conn, tag); }
    void burn_cpu(Nanos cpu) override { node_.burn_cpu(cpu); }
    void burn_cpu_then(Nanos cpu, std::int32_t conn, std::uint64_t tag) override {
        node_.burn_cpu_then(cpu, conn, tag & ~tls_continuation);
    }
    Nanos now() const override { return node_.now(); }
    std::uint32_t running_event() const override { return node_.running_event(); }
    std::uint64_t writable_length(std::int32_t conn) const override { return node_.writable_length(conn); }
    // cork() keeps the protected records together, as TLSSocket's cork does.
    void cork(std::int32_t conn) override { node_.cork(conn); }
    void uncork(std::int32_t conn) override { node_.uncork(conn); }
    void clear_timeout(std::uint64_t tag) override { node_.clear_timeout(tag); }
    std::uint32_t record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields) override {
        return node_.record(kind, conn, fields);
    }
    std::int64_t text(std::string_view text) override { return node_.text(text); }
    void set_cause(std::uint32_t event) override { node_.set_cause(event); }
    const Scenario& scenario() const override { return node_.scenario(); }

private:
    TlsServerProgram& tls_;
    NodeApi& node_;
};

TlsServerProgram::TlsServerProgram(std::unique_ptr<ServerProgram> inner, const TlsConfig& config, Recorder& recorder)
    : inner_(std::move(inner)), config_(config), recorder_(recorder) {}

TlsServerProgram::Connection* TlsServerProgram::find(std::int32_t conn) {
    const auto found = connections_.find(conn);
    return found == connections_.end() ? nullptr : &found->second;
}

void TlsServerProgram::on_connection(NodeApi&, std::int32_t conn) {
    // 'connection' of the TCP server: TLS starts; the inner program waits
    // for 'secureConnection'.
    connections_.erase(conn);
    connections_.emplace(conn, Connection(config_));
}

void TlsServerProgram::on_data(NodeApi& node, std::int32_t conn, const std::string& chunk) {
    Connection* c = find(conn);
    if (!c) return;
    if (c->hello_at < 0) c->hello_at = node.now();
    c->session.receive(chunk);
    // OpenSSL computes before it writes: charge the crypto now and send
    // the flight once that CPU time has passed.
    Nanos cpu = 0;
    const TlsTraceContext context{node.now(), server_host, conn, node.running_event(), config_.version,
                                  c->session.round_trips(), c->hello_at};
    for (TlsNote& note : c->session.take_notes()) {
        if (note.what == TlsNote::What::crypto) {
            record_tls_crypto(recorder_, context, note);
            cpu += note.cost;
        } else {
            c->pending.push_back(note);
        }
    }
    if (cpu > 0) node.burn_cpu_then(cpu, conn, tls_continuation);
    else flush(node, conn);
}

void TlsServerProgram::on_cpu_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) {
    if (tag & tls_continuation) return flush(node, conn);
    SecureSocket api(*this, node);
    inner_->on_cpu_done(api, conn, tag);
}

void TlsServerProgram::flush(NodeApi& node, std::int32_t conn) {
    Connection* c = find(conn);
    if (!c) return;
    for (TlsNote& note : c->session.take_notes()) c->pending.push_back(note);
    const TlsTraceContext context{node.now(), server_host, conn, node.running_event(), config_.version,
                                  c->session.round_trips(), c->hello_at};
    record_tls_notes(recorder_, context, c->pending);
    c->pending.clear();
    const std::string wire = c->session.take_wire();
    if (!wire.empty()) node.write(conn, wire);
    if (c->session.failed()) {
        // Node emits 'tlsClientError' and destroys the socket.
        node.destroy(conn);
        return;
    }
    SecureSocket api(*this, node);
    if (c->session.established() && !c->secure) {
        c->secure = true;
        inner_->on_connection(api, conn);
    }
    c = find(conn);  // the inner program may have closed it
    if (!c) return;
    const std::string plaintext = c->session.take_plaintext();
    if (c->secure && !plaintext.empty()) inner_->on_data(api, conn, plaintext);
}

bool TlsServerProgram::secure_write(NodeApi& node, std::int32_t conn, std::string_view plaintext) {
    Connection* c = find(conn);
    if (!c || !c->session.established()) return false;
    c->session.write(plaintext);
    const TlsTraceContext context{node.now(), server_host, conn, node.running_event(), config_.version,
                                  c->session.round_trips(), c->hello_at};
    record_tls_notes(recorder_, context, c->session.take_notes());
    return node.write(conn, c->session.take_wire());
}

void TlsServerProgram::secure_end(NodeApi& node, std::int32_t conn) {
    if (Connection* c = find(conn); c && c->session.established()) {
        // SSL_shutdown: close_notify goes before the FIN.
        c->session.close_notify();
        const TlsTraceContext context{node.now(), server_host, conn, node.running_event(), config_.version,
                                      c->session.round_trips(), c->hello_at};
        record_tls_notes(recorder_, context, c->session.take_notes());
        node.write(conn, c->session.take_wire());
    }
    node.end(conn);
}

void TlsServerProgram::on_end(NodeApi& node, std::int32_t conn) {
    if (Connection* c = find(conn); c && c->secure) {
        SecureSocket api(*this, node);
        inner_->on_end(api, conn);
    }
}

void TlsServerProgram::on_drain(NodeApi& node, std::int32_t conn) {
    if (Connection* c = find(conn); c && c->secure) {
        SecureSocket api(*this, node);
        inner_->on_drain(api, conn);
    }
}

void TlsServerProgram::on_close(NodeApi& node, std::int32_t conn, bool had_error) {
    Connection* c = find(conn);
    const bool secure = c && c->secure;
    connections_.erase(conn);
    if (secure) {
        SecureSocket api(*this, node);
        inner_->on_close(api, conn, had_error);
    }
}

void TlsServerProgram::on_error(NodeApi& node, std::int32_t conn, trace::ErrorCode code) {
    if (Connection* c = find(conn); c && c->secure) {
        SecureSocket api(*this, node);
        inner_->on_error(api, conn, code);
    }
}

void TlsServerProgram::on_listening(NodeApi& node) {
    SecureSocket api(*this, node);
    inner_->on_listening(api);
}

void TlsServerProgram::on_timer(NodeApi& node, std::uint64_t tag) {
    SecureSocket api(*this, node);
    inner_->on_timer(api, tag);
}

void TlsServerProgram::on_immediate(NodeApi& node, std::uint64_t tag) {
    SecureSocket api(*this, node);
    inner_->on_immediate(api, tag);
}

void TlsServerProgram::on_tick(NodeApi& node, std::uint64_t tag) {
    SecureSocket api(*this, node);
    inner_->on_tick(api, tag);
}

void TlsServerProgram::on_microtask(NodeApi& node, std::uint64_t tag) {
    SecureSocket api(*this, node);
    inner_->on_microtask(api, tag);
}

void TlsServerProgram::on_work_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) {
    SecureSocket api(*this, node);
    inner_->on_work_done(api, conn, tag);
}

}  // namespace loopscope::sim
