// Writing traces as JSON Lines (docs/trace-format.md). The event lines are
// the hot path of `loopscope run -o`: integers are printed with to_chars into
// one buffer, and nlohmann is used only to escape strings and to print the
// header, so the output is the same bytes on every run and every build.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/atomic_file.hpp"
#include "trace/jsonl.hpp"

namespace loopscope::trace {
namespace {

using ordered_json = nlohmann::ordered_json;

// Flush the line buffer to the stream in pieces of about this size.
constexpr std::size_t flush_bytes = std::size_t{1} << 20;

// A JSON string literal, quotes included. Invalid UTF-8 (which the reader
// never lets in) is replaced rather than thrown on, so writing cannot fail
// half-way through a trace.
std::string json_string(std::string_view text) {
    return ordered_json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string header_line(const TraceHeader& header) {
    ordered_json params = ordered_json::parse(header.scenario_json, nullptr, false);
    if (params.is_discarded() || !params.is_object())
        throw std::invalid_argument("trace header: scenario_json is not a JSON object: " + header.scenario_json);
    ordered_json out;
    out["format"] = TraceHeader::format_name;
    out["version"] = header.version;
    out["source"] = header.source;
    out["clock"] = header.clock;
    out["scenario"] = {{"id", header.scenario_id}, {"title", header.scenario_title}, {"params", std::move(params)}};
    out["hosts"] = ordered_json::array();
    for (const HostInfo& h : header.hosts) out["hosts"].push_back({{"name", h.name}, {"role", h.role}, {"os", h.os}});
    out["connections"] = ordered_json::array();
    for (const ConnectionInfo& c : header.connections)
        out["connections"].push_back({{"id", c.id},
                                      {"client_host", c.client_host},
                                      {"server_host", c.server_host},
                                      {"client_port", c.client_port},
                                      {"server_port", c.server_port},
                                      {"listener", c.listener}});
    out["listeners"] = ordered_json::array();
    for (const ListenerInfo& l : header.listeners)
        out["listeners"].push_back({{"id", l.id}, {"host", l.host}, {"port", l.port}, {"backlog", l.backlog}});
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The constant pieces of each kind's lines, prepared once per write.
struct KindText {
    std::string kind_and_lane;              // ,"kind":"wire.segment","lane":"wire","host":
    std::vector<std::string> field_prefix;  // ,"flags":
};

class LineWriter {
public:
    explicit LineWriter(const Trace& trace) : trace_(trace) {
        for (const KindSpec& spec : all_kinds()) {
            KindText text;
            text.kind_and_lane =
                ",\"kind\":\"" + std::string(spec.name) + "\",\"lane\":\"" + std::string(lane_name(spec.lane)) + "\",\"host\":";
            for (const FieldSpec& field : spec.fields) text.field_prefix.push_back(",\"" + std::string(field.name) + "\":");
            kinds_.push_back(std::move(text));
        }
    }

    void event(std::string& out, std::size_t index) {
        const Event& e = trace_[index];
        out += "{\"id\":";
        integer(out, trace_.id(index));
        out += ",\"t\":";
        integer(out, e.time);
        const KindText& text = kinds_[static_cast<std::size_t>(e.kind)];
        out += text.kind_and_lane;
        integer(out, e.host);
        if (e.conn != no_conn) {
            out += ",\"conn\":";
            integer(out, e.conn);
        }
        if (e.cause != no_event) {
            out += ",\"cause\":";
            integer(out, trace_.id(e.cause));
        }
        const auto fields = kind_spec(e.kind).fields;
        const auto values = trace_.args(e);
        for (std::size_t i = 0; i < fields.size(); ++i) {
            out += text.field_prefix[i];
            value(out, fields[i].type, values[i]);
        }
        out += "}\n";
    }

private:
    const Trace& trace_;
    std::vector<KindText> kinds_;
    std::vector<std::string> escaped_;  // text fields, escaped once per string

    static void integer(std::string& out, std::int64_t n) {
        char digits[24];
        const auto result = std::to_chars(digits, digits + sizeof digits, n);
        out.append(digits, result.ptr);
    }

    void value(std::string& out, FieldType type, std::int64_t v) {
        switch (type) {
            case FieldType::count:
            case FieldType::bytes:
            case FieldType::nanos: integer(out, v); return;
            case FieldType::flag: out += v != 0 ? "true" : "false"; return;
            case FieldType::text: out += text(v); return;
            case FieldType::tcp_flags:
                out += '"';
                out += tcp_flags_text(static_cast<std::uint8_t>(v));
                out += '"';
                return;
            default: {
                const auto names = enum_names(type);
                out += '"';
                if (v >= 0 && static_cast<std::size_t>(v) < names.size()) out += names[static_cast<std::size_t>(v)];
                out += '"';
                return;
            }
        }
    }

    const std::string& text(std::int64_t index) {
        const auto i = static_cast<std::size_t>(index < 0 ? 0 : index);
        if (i >= escaped_.size()) escaped_.resize(i + 1);
        if (escaped_[i].empty()) escaped_[i] = json_string(trace_.text(index));
        return escaped_[i];
    }
};

}  // namespace

void write_trace(std::ostream& out, const Trace& trace) {
    std::string buffer = header_line(trace.header);
    buffer += '\n';
    buffer.reserve(flush_bytes + 4096);
    LineWriter lines(trace);
    for (std::size_t index = 0; index < trace.size(); ++index) {
        lines.event(buffer, index);
        if (buffer.size() >= flush_bytes) {
            out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            buffer.clear();
        }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
}

void write_trace_file(const std::string& path, const Trace& trace) {
    write_file_atomically(path, [&](std::ostream& out) { write_trace(out, trace); });
}

}  // namespace loopscope::trace
