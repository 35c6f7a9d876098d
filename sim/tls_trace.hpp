// Turns a TLS session's notes into tls.* events, the same way for the
// server's Node program and the client's socket program.
#pragma once

#include <cstdint>
#include <span>

#include "sim/recorder.hpp"
#include "sim/tls_session.hpp"

namespace loopscope::sim {

struct TlsTraceContext {
    Nanos now;
    std::uint8_t host;
    std::int32_t conn;
    std::uint32_t cause;
    int version;
    int round_trips;
    Nanos hello_at;  // when this end sent (client) or received (server) the ClientHello
};

// Records every note but the crypto ones (the server records those itself,
// when it charges their CPU time). Returns the last event recorded, or
// `context.cause` when there was none: the cause of the write that follows.
std::uint32_t record_tls_notes(Recorder& recorder, const TlsTraceContext& context, std::span<const TlsNote> notes);

// Records one tls.crypto event.
std::uint32_t record_tls_crypto(Recorder& recorder, const TlsTraceContext& context, const TlsNote& note);

}  // namespace loopscope::sim
