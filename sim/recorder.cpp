#include "sim/recorder.hpp"

#include "trace/stream_text.hpp"

#include <algorithm>

namespace loopscope::sim {

Recorder::Recorder(const Scenario& scenario) : captions_by_kind_(trace::kind_count) {
    // Growing a vector of a million events copies it again and again;
    // reserve about what a lesson's clients produce (about 60 events each).
    const std::size_t expected = 4096 + static_cast<std::size_t>(scenario.clients.count) * 64;
    const std::size_t events = std::min<std::size_t>(expected, 1u << 24);
    trace_.reserve(events, events * 5);
    std::uint32_t step = 0;
    for (const Caption& caption : scenario.captions) {
        const auto kind = trace::kind_from_name(caption.kind);
        if (!kind) continue;  // the loader rejects unknown kinds; be safe anyway
        if (!caption.os.empty() && caption.os != os_name(scenario.os)) continue;
        PendingCaption pending{caption.conn, caption.nth == 0 ? 1u : caption.nth, 0,
                               trace_.intern(caption.text), ++step};
        if (caption.host == "server") pending.host = server_host;
        if (caption.host == "client") pending.host = client_host;
        const trace::KindSpec& spec = trace::kind_spec(*kind);
        for (const CaptionCondition& c : caption.where) {
            for (std::size_t f = 0; f < spec.fields.size(); ++f) {
                if (spec.fields[f].name != c.field) continue;
                const bool text = spec.fields[f].type == trace::FieldType::text;
                pending.where.push_back(Condition{f, text ? trace_.intern(c.text) : c.value});
            }
        }
        captions_by_kind_[static_cast<int>(*kind)].push_back(pending);
    }
}

std::int64_t Recorder::payload_text(std::string_view bytes) {
    return trace_.intern(trace::printable_prefix(bytes));
}

std::uint32_t Recorder::emit(Nanos time, trace::Kind kind, std::uint8_t host, std::int32_t conn,
                             std::uint32_t cause, std::span<const std::int64_t> fields) {
    auto& captions = captions_by_kind_[static_cast<int>(kind)];
    for (PendingCaption& caption : captions) {
        if (caption.shown) continue;
        if (caption.conn >= 0 && caption.conn != conn) continue;
        if (caption.host >= 0 && caption.host != host) continue;
        const bool matches = std::all_of(caption.where.begin(), caption.where.end(), [&](const Condition& c) {
            return c.field < fields.size() && fields[c.field] == c.value;
        });
        if (!matches) continue;
        if (++caption.seen != caption.nth) continue;
        caption.shown = true;
        trace_.append(time, trace::Kind::note_caption, host, conn, trace::no_event,
                      {caption.text, caption.step});
    }
    return trace_.append(time, kind, host, conn, cause, fields);
}

std::vector<std::uint32_t> Recorder::unshown_caption_steps() const {
    std::vector<std::uint32_t> steps;
    for (const auto& captions : captions_by_kind_)
        for (const PendingCaption& caption : captions)
            if (!caption.shown) steps.push_back(caption.step);
    std::sort(steps.begin(), steps.end());
    return steps;
}

}  // namespace loopscope::sim
