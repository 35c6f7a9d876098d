// The event list's filter. Each kind's verdict (lane, kind set, text) is
// decided once into a small table, so the per-event work is one lookup and
// one connection compare.
#include "ui/event_filter.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace loopscope::ui {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    const auto found = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                                   [](char a, char b) { return lower(a) == lower(b); });
    return found != haystack.end();
}

// The text box is free typing: surrounding spaces are not part of the search.
std::string_view trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

}  // namespace

bool kind_passes(const EventFilter& filter, trace::Kind kind) {
    const trace::KindSpec& spec = trace::kind_spec(kind);
    if ((filter.lanes & lane_bit(spec.lane)) == 0) return false;
    if (filter.kinds.any() && !filter.kinds.test(static_cast<std::size_t>(kind))) return false;
    return contains_ignoring_case(spec.name, trimmed(filter.text));
}

std::vector<std::uint32_t> filter_events(const trace::Trace& trace, const EventFilter& filter) {
    std::array<bool, trace::kind_count> pass{};
    bool every_kind = true;
    for (int k = 0; k < trace::kind_count; ++k) {
        pass[static_cast<std::size_t>(k)] = kind_passes(filter, static_cast<trace::Kind>(k));
        every_kind = every_kind && pass[static_cast<std::size_t>(k)];
    }
    std::vector<std::uint32_t> rows;
    const auto events = trace.events();
    if (every_kind && filter.conn < 0) {
        rows.resize(events.size());
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::uint32_t>(i);
        return rows;
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
        const trace::Event& e = events[i];
        if (pass[static_cast<std::size_t>(e.kind)] && (filter.conn < 0 || e.conn == filter.conn))
            rows.push_back(static_cast<std::uint32_t>(i));
    }
    return rows;
}

std::optional<std::size_t> row_at_or_before(std::span<const std::uint32_t> rows, std::size_t cursor) {
    const auto after = std::upper_bound(rows.begin(), rows.end(), cursor,
                                        [](std::size_t c, std::uint32_t row) { return c < row; });
    if (after == rows.begin()) return std::nullopt;
    return static_cast<std::size_t>(after - rows.begin()) - 1;
}

}  // namespace loopscope::ui
