#include "ui/timeline_tooltip.hpp"

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
            if (const std::int64_t len = trace.arg(e, 3); len > 0) label += " " + trace::format_bytes(static_cast<std::uint64_t>(len));
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

void merged_tooltip(const DrawItem& item, const ViewStyle& style) {
    ImGui::BeginTooltip();
    coloured_text(style.text, trace::format_count(item.count) + " events (zoom in to see them)");
    ImGui::TextDisabled("from %s", time_text(item.t_first).c_str());
    ImGui::TextDisabled("to   %s", time_text(item.t_last).c_str());
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
