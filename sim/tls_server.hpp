// https.createServer / tls.Server: a ServerProgram that wraps the lesson's
// program in TLS. Each connection's 'data' goes to its server TlsSession
// (Node's TLSWrap, OpenSSL on the main thread); the handshake's flights are
// written back with the NodeApi after their CPU time; once the handshake is
// done ('secureConnection') the inner program's on_connection runs, it gets
// the decrypted bytes as its on_data, and what it writes is framed into
// protected records.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "sim/node_runtime.hpp"
#include "sim/recorder.hpp"
#include "sim/tls_session.hpp"

namespace loopscope::sim {

class TlsServerProgram final : public ServerProgram {
public:
    TlsServerProgram(std::unique_ptr<ServerProgram> inner, const TlsConfig& config, Recorder& recorder);

    void on_listening(NodeApi& node) override;
    void on_connection(NodeApi& node, std::int32_t conn) override;
    void on_data(NodeApi& node, std::int32_t conn, const std::string& chunk) override;
    void on_end(NodeApi& node, std::int32_t conn) override;
    void on_drain(NodeApi& node, std::int32_t conn) override;
    void on_close(NodeApi& node, std::int32_t conn, bool had_error) override;
    void on_error(NodeApi& node, std::int32_t conn, trace::ErrorCode code) override;
    void on_timer(NodeApi& node, std::uint64_t tag) override;
    void on_immediate(NodeApi& node, std::uint64_t tag) override;
    void on_tick(NodeApi& node, std::uint64_t tag) override;
    void on_microtask(NodeApi& node, std::uint64_t tag) override;
    void on_work_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) override;
    void on_cpu_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) override;

    // What the inner program's socket calls become (SecureSocket forwards
    // them here).
    bool secure_write(NodeApi& node, std::int32_t conn, std::string_view plaintext);
    void secure_end(NodeApi& node, std::int32_t conn);

private:
    class SecureSocket;
    struct Connection {
        explicit Connection(const TlsConfig& config) : session(TlsRole::server, config) {}
        TlsSession session;
        std::vector<TlsNote> pending;  // notes waiting for the handshake's CPU time to pass
        Nanos hello_at = -1;
        bool secure = false;  // 'secureConnection' has run
    };

    Connection* find(std::int32_t conn);
    // Sends what the session has to say, and runs the inner program's
    // callbacks for a finished handshake and for decrypted data.
    void flush(NodeApi& node, std::int32_t conn);

    std::unique_ptr<ServerProgram> inner_;
    TlsConfig config_;
    Recorder& recorder_;
    std::map<std::int32_t, Connection> connections_;
};

}  // namespace loopscope::sim
