#include "ui/timeline_tooltip.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include <imgui.h>

#include "trace/explain.hpp"

namespace loopscope::ui {
namespace {

using trace::FieldType;

// Tooltips wrap at about this many characters of the current font.
constexpr float tooltip_width_chars = 34.0f;

void coloured_text(ImU32 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopStyleColor();
}

void wrapped_text(const std::string& text) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * tooltip_width_chars);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
}

std::string time_text(Nanos t) { return trace::format_nanos(t) + " (" + trace::format_count(static_cast<std::uint64_t>(t < 0 ? -t : t)) + " ns)"; }

}  // namespace

std::string field_value_text(const trace::Trace& trace, FieldType type, std::int64_t value) {
    switch (type) {
        case FieldType::count: return value < 0 ? std::to_string(value) : trace::format_count(static_cast<std::uint64_t>(value));
        case FieldType::bytes: return value < 0 ? std::to_string(value) : trace::format_bytes(static_cast<std::uint64_t>(value));
        case FieldType::nanos: return trace::format_nanos(value);
        case FieldType::flag: return value != 0 ? "yes" : "no";
        case FieldType::text: return std::string(trace.text(value));
        case FieldType::tcp_flags: {
            const std::string flags = trace::tcp_flags_text(static_cast<std::uint8_t>(value));
            return flags.empty() ? "none" : flags;
        }
        default: break;
    }
    const auto names = trace::enum_names(type);
    if (value >= 0 && static_cast<std::size_t>(value) < names.size()) return std::string(names[static_cast<std::size_t>(value)]);
    return std::to_string(value);
}

std::string item_label(const trace::Trace& trace, std::uint32_t event) {
    const trace::Event& e = trace[event];
    const trace::KindSpec& spec = trace::kind_spec(e.kind);
    switch (e.kind) {
        case trace::Kind::loop_phase: return field_value_text(trace, FieldType::phase, trace.arg(e, 0));
        case trace::Kind::wire_segment: {
            std::string label = field_value_text(trace, FieldType::tcp_flags, trace.arg(e, 0));
            // Appended piece by piece to avoid GCC 12's false -Wrestrict (bug 105329).
            if (const std::int64_t len = trace.arg(e, 3); len > 0) label.append(" ").append(trace::format_bytes(static_cast<std::uint64_t>(len)));
            if (trace.arg(e, 6) != 0) label += " lost";
            return label;
        }
        case trace::Kind::notifier_wake: return "blocked in wait";
        case trace::Kind::pool_start: return "job " + std::to_string(trace.arg(e, 0));
        default: break;
    }
    // js.data -> "data": the event name a Node programmer knows.
    const std::string_view name = spec.name;
    const auto dot = name.find('.');
    return std::string(dot == std::string_view::npos ? name : name.substr(dot + 1));
}

void event_tooltip(const trace::Trace& trace, std::uint32_t event, const ViewStyle& style) {
    const trace::Event& e = trace[event];
    const trace::KindSpec& spec = trace::kind_spec(e.kind);
    ImGui::BeginTooltip();
    wrapped_text(trace::explain(trace, event));
    ImGui::Separator();
    coloured_text(style.lane_colour(spec.lane), std::string(spec.name));
    if (ImGui::BeginTable("##event fields", 2, ImGuiTableFlags_SizingFixedFit)) {
        auto row = [](const std::string& name, const std::string& value) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextDisabled("%s", name.c_str());
            ImGui::TableSetColumnIndex(1);
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * tooltip_width_chars);
            ImGui::TextUnformatted(value.c_str());
            ImGui::PopTextWrapPos();
        };
        row("step", trace::format_count(event + 1ull) + " of " + trace::format_count(trace.size()));
        row("time", time_text(e.time));
        if (e.conn != trace::no_conn) row("connection", std::to_string(e.conn));
        if (e.host < trace.header.hosts.size()) row("host", trace.header.hosts[e.host].name);
        const auto values = trace.args(e);
        for (std::size_t f = 0; f < spec.fields.size(); ++f)
            row(std::string(spec.fields[f].name), field_value_text(trace, spec.fields[f].type, values[f]));
        ImGui::EndTable();
    }
    ImGui::EndTooltip();
}

std::string block_label(const TimelineRow& row, std::uint32_t count) {
    std::string noun = "events";
    if (row.only_kind) {
        switch (*row.only_kind) {
            case trace::Kind::wire_segment: noun = "segments"; break;
            case trace::Kind::loop_phase: noun = "phases"; break;
            case trace::Kind::note_caption: noun = "captions"; break;
            default: break;
        }
    }
    return trace::format_count(count) + " " + noun;
}

std::string merged_summary(const trace::Trace& trace, const TimelineRow& row, const TimeAxis& axis, float merge_px,
                           const DrawItem& item, std::vector<std::uint32_t>& listed) {
    // Counting kinds walks the block's items: a block of the whole of a
    // 1M-event trace is only sampled at its start, to keep the frame short.
    constexpr std::size_t scan_limit = 20'000;
    listed.clear();
    std::array<std::size_t, trace::kind_count> per_kind{};
    std::size_t scanned = 0;
    const ItemRange range = block_range(row, item);
    // Inside the block's time range, wide spans were drawn on their own:
    // laying the row out again (the same axis gives the same items) names them.
    std::vector<DrawItem> drawn;
    layout_row(row, axis, merge_px, drawn);
    std::vector<std::uint32_t> alone;
    for (const DrawItem& d : drawn)
        if (d.count == 1 && d.first_item >= range.first && d.first_item < range.last) alone.push_back(d.first_item);
    std::sort(alone.begin(), alone.end());
    for (std::size_t i = range.first; i < range.last && scanned < scan_limit; ++i) {
        if (std::binary_search(alone.begin(), alone.end(), static_cast<std::uint32_t>(i))) continue;
        ++scanned;
        ++per_kind[static_cast<std::size_t>(trace[row.events[i]].kind)];
        if (listed.size() <= merged_list_limit) listed.push_back(row.events[i]);
    }
    const std::size_t total = std::max<std::size_t>(item.count, scanned);
    if (total <= merged_list_limit && listed.size() == total) return block_label(row, static_cast<std::uint32_t>(total));
    listed.clear();
    std::vector<std::pair<std::size_t, int>> kinds;
    for (int k = 0; k < trace::kind_count; ++k)
        if (per_kind[static_cast<std::size_t>(k)] > 0) kinds.emplace_back(per_kind[static_cast<std::size_t>(k)], k);
    std::sort(kinds.begin(), kinds.end(), std::greater<>());
    std::string text = trace::format_count(total) + " events";
    text += scanned < total ? "; the first " + trace::format_count(scanned) + ": " : ": ";
    constexpr std::size_t named = 4;
    for (std::size_t k = 0; k < kinds.size() && k < named; ++k) {
        if (k > 0) text += ", ";
        text += trace::format_count(kinds[k].first) + " " + std::string(trace::kind_spec(static_cast<trace::Kind>(kinds[k].second)).name);
    }
    if (kinds.size() > named) text += ", ...";
    return text;
}

void merged_tooltip(const trace::Trace& trace, const TimelineRow& row, const TimeAxis& axis, float merge_px,
                    const DrawItem& item, const ViewStyle& style) {
    std::vector<std::uint32_t> listed;
    const std::string summary = merged_summary(trace, row, axis, merge_px, item, listed);
    ImGui::BeginTooltip();
    ImGui::PushStyleColor(ImGuiCol_Text, style.text);
    wrapped_text(summary);
    ImGui::PopStyleColor();
    if (listed.empty()) {
        ImGui::TextDisabled("from %s", time_text(item.t_first).c_str());
        ImGui::TextDisabled("to   %s", time_text(item.t_last).c_str());
        ImGui::TextDisabled("Zoom in (mouse wheel) to see them one by one.");
    }
    for (std::uint32_t event : listed) {
        ImGui::Separator();
        coloured_text(style.text_dim, trace::format_nanos(trace[event].time) + "  " + std::string(trace::kind_spec(trace[event].kind).name));
        wrapped_text(trace::explain(trace, event));
    }
    ImGui::EndTooltip();
}

void aggregate_tooltip(std::uint32_t count, Nanos t0, Nanos t1, const ViewStyle& style) {
    ImGui::BeginTooltip();
    coloured_text(style.text, trace::format_count(count) + (count == 1 ? " event" : " events") + " of all connections here");
    ImGui::TextDisabled("%s to %s", trace::format_nanos(t0).c_str(), trace::format_nanos(t1).c_str());
    wrapped_text("Click to open the connection of the nearest event in its own rows.");
    ImGui::EndTooltip();
}

}  // namespace loopscope::ui
