#include "sim/tls_client.hpp"

#include <algorithm>
#include <map>

#include "sim/tls_session.hpp"
#include "sim/tls_trace.hpp"

namespace loopscope::sim {

namespace {

class TlsClientProgram;

// The socket the wrapped program sees: plaintext in, plaintext out; the
// rest goes straight to the client host.
class SecureClientApi final : public ClientApi {
public:
    SecureClientApi(TlsClientProgram& tls, ClientApi& host) : tls_(tls), host_(host) {}
    const Scenario& scenario() const override { return host_.scenario(); }
    std::int32_t connect(Nanos now, std::uint32_t client) override;
    std::uint64_t send_room(std::int32_t conn) const override;
    ClientWrite write(Nanos now, std::int32_t conn, std::string_view bytes, std::uint64_t asked) override;
    std::string read(Nanos now, std::int32_t conn, std::uint64_t max) override;
    void end(Nanos now, std::int32_t conn, std::uint32_t cause) override;
    void close(Nanos now, std::int32_t conn) override { host_.close(now, conn); }
    void set_timer(Nanos now, std::int32_t conn, Nanos delay, std::uint64_t tag) override {
        host_.set_timer(now, conn, delay, tag);
    }
    void set_client_timer(Nanos now, std::uint32_t client, Nanos delay, std::uint64_t tag) override {
        host_.set_client_timer(now, client, delay, tag);
    }
    std::uint32_t client_of(std::int32_t conn) const override { return host_.client_of(conn); }
    std::uint64_t sent(std::int32_t conn) const override;
    std::uint64_t received(std::int32_t conn) const override;
    bool ended(std::int32_t conn) const override { return host_.ended(conn); }
    bool eof(std::int32_t conn) const override { return host_.eof(conn); }
    bool closed(std::int32_t conn) const override { return host_.closed(conn); }
    std::uint32_t last_cause(std::int32_t conn) const override { return host_.last_cause(conn); }

private:
    TlsClientProgram& tls_;
    ClientApi& host_;
};

class TlsClientProgram final : public ClientProgram {
public:
    TlsClientProgram(std::unique_ptr<ClientProgram> inner, const TlsConfig& config, Recorder& recorder)
        : inner_(std::move(inner)), config_(config), recorder_(recorder) {}

    void start(ClientApi& host, Nanos now, std::uint32_t client) override {
        SecureClientApi api(*this, host);
        inner_->start(api, now, client);
    }

    void on_connected(ClientApi& host, Nanos now, std::int32_t conn) override {
        Connection& c = at(conn);
        c.hello_at = now;
        c.session.start();
        send(host, now, conn);
    }

    void on_wake(ClientApi& host, Nanos now, std::int32_t conn) override {
        Connection& c = at(conn);
        const bool was_secure = c.session.established();
        for (std::string bytes = host.read(now, conn, ~std::uint64_t{0}); !bytes.empty();
             bytes = host.read(now, conn, ~std::uint64_t{0}))
            c.session.receive(bytes);
        c.inbox += c.session.take_plaintext();
        send(host, now, conn);
        if (c.session.failed()) return host.close(now, conn);
        if (!c.session.established()) return;
        SecureClientApi api(*this, host);
        if (!was_secure) inner_->on_connected(api, now, conn);
        inner_->on_wake(api, now, conn);
    }

    void on_timer(ClientApi& host, Nanos now, std::int32_t conn, std::uint64_t tag) override {
        SecureClientApi api(*this, host);
        inner_->on_timer(api, now, conn, tag);
    }

    void on_client_timer(ClientApi& host, Nanos now, std::uint32_t client, std::uint64_t tag) override {
        SecureClientApi api(*this, host);
        inner_->on_client_timer(api, now, client, tag);
    }

    // ---- what SecureClientApi asks of the TLS layer ----

    void opened(std::int32_t conn) {
        connections_.erase(conn);
        connections_.emplace(conn, Connection(config_));
    }

    std::uint64_t room(const ClientApi& host, std::int32_t conn) {
        const Connection& c = at(conn);
        if (!c.session.established() || !c.outbox.empty()) return 0;
        // The plaintext that fits once each 16 KiB record has its overhead.
        const std::uint64_t free = host.send_room(conn);
        const std::uint64_t overhead = record_header_bytes + protection_overhead(config_.version);
        const std::uint64_t records = (free + max_record_plaintext + overhead - 1) / (max_record_plaintext + overhead);
        return free > records * overhead ? free - records * overhead : 0;
    }

    ClientWrite write(ClientApi& host, Nanos now, std::int32_t conn, std::string_view plaintext) {
        Connection& c = at(conn);
        if (!c.session.established() || host.ended(conn) || plaintext.empty()) return {};
        c.session.write(plaintext);
        c.sent += plaintext.size();
        return {plaintext.size(), send(host, now, conn)};
    }

    std::string read(std::int32_t conn, std::uint64_t max) {
        Connection& c = at(conn);
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(max, c.inbox.size()));
        std::string out = c.inbox.substr(0, n);
        c.inbox.erase(0, n);
        c.received += out.size();
        return out;
    }

    void end(ClientApi& host, Nanos now, std::int32_t conn, std::uint32_t cause) {
        Connection& c = at(conn);
        if (c.ending) return;  // programs may say end() again; the host ignores repeats too
        c.session.close_notify();
        c.end_cause = cause;
        c.ending = true;
        send(host, now, conn);
    }

    std::uint64_t sent(std::int32_t conn) { return at(conn).sent; }
    std::uint64_t received(std::int32_t conn) { return at(conn).received; }

private:
    struct Connection {
        explicit Connection(const TlsConfig& config) : session(TlsRole::client, config) {}
        TlsSession session;
        std::string outbox;  // protected bytes the send buffer has not taken yet
        std::string inbox;   // decrypted bytes the program has not read yet
        std::uint64_t sent = 0;
        std::uint64_t received = 0;
        Nanos hello_at = 0;
        bool ending = false;  // end() called: FIN once the outbox is empty
        std::uint32_t end_cause = trace::no_event;
    };

    Connection& at(std::int32_t conn) {
        auto found = connections_.find(conn);
        if (found == connections_.end()) found = connections_.emplace(conn, Connection(config_)).first;
        return found->second;
    }

    // Records the session's notes and hands its bytes to the socket, as
    // many as the send buffer takes; returns the last client.write event.
    std::uint32_t send(ClientApi& host, Nanos now, std::int32_t conn) {
        Connection& c = at(conn);
        const TlsTraceContext context{now, client_host, conn, host.last_cause(conn), config_.version,
                                      c.session.round_trips(), c.hello_at};
        record_tls_notes(recorder_, context, c.session.take_notes());
        c.outbox += c.session.take_wire();
        std::uint32_t event = trace::no_event;
        if (!c.outbox.empty() && !host.ended(conn)) {
            const ClientWrite w = host.write(now, conn, c.outbox, c.outbox.size());
            c.outbox.erase(0, static_cast<std::size_t>(w.accepted));
            event = w.event;
        }
        if (c.ending && c.outbox.empty()) host.end(now, conn, c.end_cause);
        return event;
    }

    std::unique_ptr<ClientProgram> inner_;
    TlsConfig config_;
    Recorder& recorder_;
    std::map<std::int32_t, Connection> connections_;
};

std::int32_t SecureClientApi::connect(Nanos now, std::uint32_t client) {
    const std::int32_t conn = host_.connect(now, client);
    tls_.opened(conn);
    return conn;
}
std::uint64_t SecureClientApi::send_room(std::int32_t conn) const { return tls_.room(host_, conn); }
ClientWrite SecureClientApi::write(Nanos now, std::int32_t conn, std::string_view bytes, std::uint64_t) {
    return tls_.write(host_, now, conn, bytes);
}
std::string SecureClientApi::read(Nanos, std::int32_t conn, std::uint64_t max) { return tls_.read(conn, max); }
void SecureClientApi::end(Nanos now, std::int32_t conn, std::uint32_t cause) { tls_.end(host_, now, conn, cause); }
std::uint64_t SecureClientApi::sent(std::int32_t conn) const { return tls_.sent(conn); }
std::uint64_t SecureClientApi::received(std::int32_t conn) const { return tls_.received(conn); }

}  // namespace

std::unique_ptr<ClientProgram> with_tls(const Scenario& scenario, std::unique_ptr<ClientProgram> program,
                                        Recorder& recorder) {
    if (!scenario.server.tls) return program;
    return std::make_unique<TlsClientProgram>(std::move(program), tls_config(scenario.server), recorder);
}

}  // namespace loopscope::sim
