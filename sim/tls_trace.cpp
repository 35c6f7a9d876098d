#include "sim/tls_trace.hpp"

namespace loopscope::sim {

using trace::Kind;

std::uint32_t record_tls_crypto(Recorder& recorder, const TlsTraceContext& c, const TlsNote& note) {
    return recorder.emit(c.now, Kind::tls_crypto, c.host, c.conn, c.cause,
                         {recorder.trace().intern(note.name), note.cost});
}

std::uint32_t record_tls_notes(Recorder& recorder, const TlsTraceContext& c, std::span<const TlsNote> notes) {
    std::uint32_t last = c.cause;
    std::uint32_t message = c.cause;  // a message's records name it as their cause
    for (const TlsNote& n : notes) {
        switch (n.what) {
            case TlsNote::What::message:
                message = last = recorder.emit(c.now, Kind::tls_handshake, c.host, c.conn, c.cause,
                                               {recorder.trace().intern(n.name), static_cast<std::int64_t>(n.bytes),
                                                c.version});
                break;
            case TlsNote::What::record:
                last = recorder.emit(c.now, Kind::tls_record, c.host, c.conn, message,
                                     {recorder.trace().intern(n.name), static_cast<std::int64_t>(n.bytes),
                                      static_cast<std::int64_t>(n.wire)});
                break;
            case TlsNote::What::established:
                last = recorder.emit(c.now, Kind::tls_established, c.host, c.conn, last,
                                     {c.version, c.round_trips, c.now - c.hello_at});
                break;
            case TlsNote::What::crypto:
            case TlsNote::What::alert:
                // Crypto is recorded where its CPU is charged; a received
                // close_notify shows as the peer's tls.record.
                break;
        }
    }
    return last;
}

}  // namespace loopscope::sim
