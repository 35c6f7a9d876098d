// Reading line 1 of a trace, the header, through an nlohmann DOM: it is one
// small object per file, and a DOM makes its nested arrays easy to check.
#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "trace/jsonl_text.hpp"

namespace loopscope::trace::jsonl_detail {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Scenario parameters are a few levels deep; anything much deeper is not a
// header, and nlohmann's DOM (printing, comparing) recurses once per level.
constexpr int header_depth_limit = 64;

// The 0-based offset where `line` first nests deeper than the limit, if it
// does. Strings are skipped, so brackets inside them do not count.
std::optional<std::size_t> too_deep(std::string_view line) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > header_depth_limit) return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return std::nullopt;
}

class HeaderReader {
public:
    explicit HeaderReader(std::string_view line) : line_(line) {}

    std::optional<LineError> read(TraceHeader& header) {
        if (const auto at = too_deep(line_))
            return LineError{*at + 1, "header: nested more than " + std::to_string(header_depth_limit) +
                                          " levels deep; a trace header is a shallow object"};
        ordered_json doc;
        try {
            doc = ordered_json::parse(line_.begin(), line_.end());
        } catch (const json::parse_error& e) {
            // A header cut off mid-way is an error, unlike a cut-off last
            // event: without the header nothing can be read.
            if (e.byte > line_.size())
                return LineError{line_.size() + 1, "the header line is incomplete: " + parser_message(e.what())};
            return LineError{std::max<std::size_t>(e.byte, 1), "header: " + parser_message(e.what())};
        } catch (const json::exception& e) {
            // A number too large for any integer or double (error 406).
            return LineError{1, "header: number too large: " + parser_message(e.what())};
        }
        if (!doc.is_object())
            return LineError{1, "the first line must be the trace header, a JSON object"};
        for (const auto& [key, value] : doc.items()) {
            (void)value;
            if (key != "format" && key != "version" && key != "source" && key != "clock" && key != "scenario" &&
                key != "hosts" && key != "connections" && key != "listeners")
                return error(key, "unknown field " + in_quotes(key) + " in the header");
        }
        if (!doc.contains("format")) return LineError{1, "missing field \"format\": this is not a loopscope trace"};
        if (!doc["format"].is_string() || doc["format"].get<std::string>() != TraceHeader::format_name)
            return error("format", "field \"format\": expected \"loopscope-trace\"; this is not a loopscope trace");
        if (!doc.contains("version")) return LineError{1, "missing field \"version\""};
        const auto& version = doc["version"];
        if (!version.is_number_integer() || version.get<std::int64_t>() < 1)
            return error("version", "field \"version\": expected a positive integer");
        if (version.get<std::int64_t>() > TraceHeader::current_version)
            return error("version", "field \"version\": this trace uses format version " +
                                        std::to_string(version.get<std::int64_t>()) +
                                        ", but this loopscope reads version " +
                                        std::to_string(TraceHeader::current_version) +
                                        "; a newer loopscope wrote it");
        header.version = static_cast<int>(version.get<std::int64_t>());
        if (auto e = read_choice(doc, "source", {"sim", "real"}, header.source)) return e;
        if (auto e = read_choice(doc, "clock", {"virtual", "monotonic"}, header.clock)) return e;
        if (auto e = read_scenario(doc, header)) return e;
        if (auto e = read_hosts(doc, header)) return e;
        if (auto e = read_connections(doc, header)) return e;
        return read_listeners(doc, header);
    }

private:
    std::string_view line_;

    LineError error(std::string_view key, std::string message, std::string_view parent = {},
                    std::size_t nth = 0) const {
        std::size_t from = parent.empty() ? 0 : key_column(line_, parent) - 1;
        std::size_t column = key_column(line_, key, from);
        for (std::size_t i = 0; i < nth && column > 1; ++i) column = key_column(line_, key, column);
        return LineError{column, std::move(message)};
    }

    std::optional<LineError> read_choice(const ordered_json& doc, const char* key,
                                         std::initializer_list<std::string_view> allowed, std::string& out) {
        if (!doc.contains(key)) return std::nullopt;
        const auto& value = doc[key];
        if (value.is_string()) {
            const auto& text = value.get_ref<const std::string&>();
            if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) {
                out = text;
                return std::nullopt;
            }
        }
        std::string names;
        for (const auto name : allowed) names += (names.empty() ? "" : " or ") + in_quotes(name);
        return error(key, "field " + in_quotes(key) + ": expected " + names);
    }

    std::optional<LineError> read_scenario(const ordered_json& doc, TraceHeader& header) {
        if (!doc.contains("scenario")) return std::nullopt;
        const auto& scenario = doc["scenario"];
        if (!scenario.is_object()) return error("scenario", "field \"scenario\": expected an object");
        for (const auto& [key, value] : scenario.items()) {
            if (key == "id" || key == "title") {
                if (!value.is_string())
                    return error(key, "field \"scenario." + key + "\": expected a string", "scenario");
                (key == "id" ? header.scenario_id : header.scenario_title) = value.get<std::string>();
            } else if (key == "params") {
                if (!value.is_object())
                    return error(key, "field \"scenario.params\": expected an object", "scenario");
                header.scenario_json = value.dump();
            } else {
                return error(key, "unknown field \"scenario." + key + "\" in the header", "scenario");
            }
        }
        return std::nullopt;
    }

    // Reads an integer member in [min, max] of element `index` of `array`.
    std::optional<LineError> read_int(const ordered_json& object, const char* array, std::size_t index,
                                      const char* key, std::int64_t min, std::int64_t max, std::int64_t& out) {
        const std::string name = std::string(array) + "[" + std::to_string(index) + "]." + key;
        if (!object.contains(key)) return error(array, "missing field " + in_quotes(name));
        const auto& value = object[key];
        if (!value.is_number_integer() || (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) ||
            value.get<std::int64_t>() < min || value.get<std::int64_t>() > max)
            return error(key, "field " + in_quotes(name) + ": expected an integer from " + std::to_string(min) + " to " +
                                  std::to_string(max), array, index);
        out = value.get<std::int64_t>();
        return std::nullopt;
    }

    std::optional<LineError> check_members(const ordered_json& object, const char* array, std::size_t index,
                                           std::initializer_list<std::string_view> known) {
        const std::string where = std::string(array) + "[" + std::to_string(index) + "]";
        if (!object.is_object()) return error(array, "field " + in_quotes(where) + ": expected an object");
        for (const auto& [key, value] : object.items()) {
            (void)value;
            if (std::find(known.begin(), known.end(), key) == known.end())
                return error(key, "unknown field " + in_quotes(where + "." + key) + " in the header", array);
        }
        return std::nullopt;
    }

    std::optional<LineError> read_hosts(const ordered_json& doc, TraceHeader& header) {
        if (!doc.contains("hosts")) return std::nullopt;
        const auto& hosts = doc["hosts"];
        if (!hosts.is_array()) return error("hosts", "field \"hosts\": expected an array");
        if (hosts.size() > 256) return error("hosts", "field \"hosts\": at most 256 hosts are supported");
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            if (auto e = check_members(hosts[i], "hosts", i, {"name", "role", "os"})) return e;
            HostInfo host;
            for (const char* key : {"name", "role", "os"}) {
                const std::string name = "hosts[" + std::to_string(i) + "]." + key;
                if (!hosts[i].contains(key)) return error("hosts", "missing field " + in_quotes(name));
                if (!hosts[i][key].is_string()) return error(key, "field " + in_quotes(name) + ": expected a string", "hosts", i);
            }
            host.name = hosts[i]["name"].get<std::string>();
            host.role = hosts[i]["role"].get<std::string>();
            host.os = hosts[i]["os"].get<std::string>();
            if (host.role != "server" && host.role != "client")
                return error("role", "field \"hosts[" + std::to_string(i) + "].role\": expected \"server\" or \"client\"",
                             "hosts", i);
            header.hosts.push_back(std::move(host));
        }
        return std::nullopt;
    }

    std::optional<LineError> read_connections(const ordered_json& doc, TraceHeader& header) {
        if (!doc.contains("connections")) return std::nullopt;
        const auto& connections = doc["connections"];
        if (!connections.is_array()) return error("connections", "field \"connections\": expected an array");
        const auto last_host = static_cast<std::int64_t>(header.hosts.size()) - 1;
        for (std::size_t i = 0; i < connections.size(); ++i) {
            const auto& c = connections[i];
            if (auto e = check_members(c, "connections", i,
                                       {"id", "client_host", "server_host", "client_port", "server_port", "listener"}))
                return e;
            std::int64_t v[6] = {};
            const char* keys[6] = {"id", "client_host", "server_host", "client_port", "server_port", "listener"};
            const std::int64_t max[6] = {std::numeric_limits<std::int32_t>::max(), last_host, last_host, 65535, 65535,
                                         std::numeric_limits<std::uint32_t>::max()};
            for (int k = 0; k < 6; ++k)
                if (auto e = read_int(c, "connections", i, keys[k], 0, max[k], v[k])) return e;
            header.connections.push_back({static_cast<std::int32_t>(v[0]), static_cast<std::uint8_t>(v[1]),
                                          static_cast<std::uint8_t>(v[2]), static_cast<std::uint32_t>(v[3]),
                                          static_cast<std::uint32_t>(v[4]), static_cast<std::uint32_t>(v[5])});
        }
        return std::nullopt;
    }

    std::optional<LineError> read_listeners(const ordered_json& doc, TraceHeader& header) {
        if (!doc.contains("listeners")) return std::nullopt;
        const auto& listeners = doc["listeners"];
        if (!listeners.is_array()) return error("listeners", "field \"listeners\": expected an array");
        const auto last_host = static_cast<std::int64_t>(header.hosts.size()) - 1;
        for (std::size_t i = 0; i < listeners.size(); ++i) {
            const auto& l = listeners[i];
            if (auto e = check_members(l, "listeners", i, {"id", "host", "port", "backlog"})) return e;
            std::int64_t v[4] = {};
            const char* keys[4] = {"id", "host", "port", "backlog"};
            const std::int64_t max[4] = {std::numeric_limits<std::uint32_t>::max(), last_host, 65535,
                                         std::numeric_limits<std::uint32_t>::max()};
            for (int k = 0; k < 4; ++k)
                if (auto e = read_int(l, "listeners", i, keys[k], 0, max[k], v[k])) return e;
            header.listeners.push_back({static_cast<std::uint32_t>(v[0]), static_cast<std::uint8_t>(v[1]),
                                        static_cast<std::uint32_t>(v[2]), static_cast<std::uint32_t>(v[3])});
        }
        return std::nullopt;
    }
};

}  // namespace

std::optional<LineError> read_header(std::string_view line, TraceHeader& header) {
    return HeaderReader(line).read(header);
}

}  // namespace loopscope::trace::jsonl_detail
