// The scenario loader, in four passes over the input:
//   1. text checks that must come before any parser: size, invalid UTF-8,
//      nesting depth (so "[[[[..." a million deep cannot exhaust the stack);
//   2. a SAX pass that reports syntax errors and number overflows with their
//      byte position;
//   3. the DOM (ordered, so the first problem reported is the first in the
//      file), with the --set overrides applied to it;
//   4. validation of every member against the field table (scenario_fields), writing
//      the values into a Scenario that starts out with the defaults.
// Positions for messages come from json_locate, which walks the raw text.
#include "sim/scenario_loader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "sim/caption_where.hpp"
#include "sim/json_locate.hpp"
#include "sim/scenario_fields.hpp"

namespace loopscope::sim {

namespace {

using Json = nlohmann::ordered_json;
using scenario_fields::FieldRef;
using scenario_fields::FieldRule;
using scenario_fields::TextRule;
using scenario_fields::field_rules;
using scenario_fields::find_rule;
using scenario_fields::os_choices;

constexpr std::size_t max_captions = 1000;

constexpr std::string_view sections[] = {"network", "server", "clients"};

bool is_section(std::string_view key) {
    return std::find(std::begin(sections), std::end(sections), key) != std::end(sections);
}

std::string quoted_list(std::span<const std::string_view> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += '"';
        out += names[i];
        out += '"';
    }
    return out;
}

bool is_identifier(const std::string& text) {
    if (text.empty() || text.size() > 64) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
    });
}

// What a rule expects, for messages: "an integer from 1 to 100000".
std::string expectation(const FieldRule& rule, const FieldRef& ref) {
    if (std::holds_alternative<bool*>(ref)) return "true or false";
    if (std::holds_alternative<double*>(ref))
        return "a number from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
    if (std::holds_alternative<Os*>(ref) || !rule.choices.empty()) return "one of " + quoted_list(rule.choices);
    if (std::holds_alternative<std::string*>(ref)) {
        switch (rule.text_rule) {
            case TextRule::identifier: return "a name of 1 to 64 letters, digits, '-', '_' or '.'";
            case TextRule::non_empty: return "a non-empty string";
            case TextRule::any: return "a string";
        }
    }
    return "an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
}

// An integer value within [min, max], whichever way nlohmann stored it.
std::optional<std::int64_t> integer_in(const Json& value, std::int64_t min, std::int64_t max) {
    std::int64_t v = 0;
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        v = static_cast<std::int64_t>(u);
    } else if (value.is_number_integer()) {
        v = value.get<std::int64_t>();
    } else {
        return std::nullopt;
    }
    if (v < min || v > max) return std::nullopt;
    return v;
}

// Stores `value` into the scenario field; false when it has the wrong type
// or is out of range (the caller builds the message from expectation()).
bool store(const FieldRule& rule, const FieldRef& ref, const Json& value) {
    if (auto* flag = std::get_if<bool*>(&ref)) {
        if (!value.is_boolean()) return false;
        **flag = value.get<bool>();
        return true;
    }
    if (auto* real = std::get_if<double*>(&ref)) {
        if (!value.is_number()) return false;
        const double v = value.get<double>();
        if (!(v >= static_cast<double>(rule.min) && v <= static_cast<double>(rule.max))) return false;
        **real = v;
        return true;
    }
    if (auto* os = std::get_if<Os*>(&ref)) {
        if (!value.is_string()) return false;
        const std::string& name = value.get_ref<const std::string&>();
        for (std::size_t i = 0; i < rule.choices.size(); ++i)
            if (rule.choices[i] == name) {
                **os = static_cast<Os>(i);
                return true;
            }
        return false;
    }
    if (auto* text = std::get_if<std::string*>(&ref)) {
        if (!value.is_string()) return false;
        const std::string& s = value.get_ref<const std::string&>();
        if (!rule.choices.empty() && std::find(rule.choices.begin(), rule.choices.end(), s) == rule.choices.end())
            return false;
        if (rule.text_rule == TextRule::non_empty && s.empty()) return false;
        if (rule.text_rule == TextRule::identifier && !is_identifier(s)) return false;
        **text = s;
        return true;
    }
    const auto v = integer_in(value, rule.min, rule.max);
    if (!v) return false;
    if (auto* u64 = std::get_if<std::uint64_t*>(&ref)) **u64 = static_cast<std::uint64_t>(*v);
    else if (auto* u32 = std::get_if<std::uint32_t*>(&ref)) **u32 = static_cast<std::uint32_t>(*v);
    else *std::get<std::int64_t*>(ref) = *v;
    return true;
}

Json field_value(const FieldRef& ref) {
    return std::visit(
        [](auto* p) -> Json {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, Os>) return std::string(os_name(*p));
            else return Json(*p);
        },
        ref);
}

// ---- Parsing. ----

// Reports the first syntax error with its byte position, or the first key
// that appears twice in one object (nlohmann's DOM would silently keep the
// last one, so a teacher's edit could vanish); builds nothing.
class SyntaxCheck final : public nlohmann::json_sax<Json> {
public:
    std::size_t error_offset = 0;
    std::string error_message;
    bool duplicate = false;
    JsonPath duplicate_path;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override {
        value();
        frames_.push_back(Frame{true, {}, 0});
        path_.emplace_back(std::string{});
        return true;
    }
    bool key(string_t& name) override {
        path_.back() = name;
        if (!frames_.back().keys.insert(name).second) {
            duplicate = true;
            duplicate_path = path_;
            return false;
        }
        return true;
    }
    bool end_object() override { return leave(); }
    bool start_array(std::size_t) override {
        value();
        frames_.push_back(Frame{false, {}, 0});
        path_.emplace_back(std::size_t{0});
        return true;
    }
    bool end_array() override { return leave(); }
    bool parse_error(std::size_t position, const std::string& last_token,
                     const nlohmann::detail::exception& ex) override {
        // nlohmann counts the characters read; the token that overflowed
        // starts earlier, other errors are at the last character read.
        const bool overflow = ex.id == 406;
        error_offset = overflow && position >= last_token.size() ? position - last_token.size()
                                                                 : (position > 0 ? position - 1 : 0);
        std::string what = ex.what();
        // Drop "[json.exception.parse_error.101] parse error at line 1, column 9: ".
        if (const auto bracket = what.find("] "); bracket != std::string::npos) what.erase(0, bracket + 2);
        if (what.rfind("parse error", 0) == 0)
            if (const auto colon = what.find(": "); colon != std::string::npos) what.erase(0, colon + 2);
        error_message = overflow ? "number too large: " + what : "invalid JSON: " + what;
        return false;
    }

private:
    struct Frame {
        bool object;
        std::set<std::string> keys;
        std::size_t next_index;
    };
    // An array element's path step is its index, known when it starts.
    bool value() {
        if (!frames_.empty() && !frames_.back().object) path_.back() = frames_.back().next_index++;
        return true;
    }
    bool leave() {
        frames_.pop_back();
        path_.pop_back();
        return true;
    }
    std::vector<Frame> frames_;
    JsonPath path_;
};

std::string dotted(const JsonPath& path) {
    std::string out;
    for (const JsonPathStep& step : path) {
        if (const auto* name = std::get_if<std::string>(&step)) {
            if (!out.empty()) out += '.';
            out += *name;
        } else {
            out += '[';
            out += std::to_string(std::get<std::size_t>(step));
            out += ']';
        }
    }
    return out;
}

// The offset of the first bracket nested deeper than the limit, if any.
std::optional<std::size_t> find_too_deep(std::string_view text) {
    std::size_t depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            for (++i; i < text.size() && text[i] != '"'; ++i)
                if (text[i] == '\\') ++i;
        } else if (c == '{' || c == '[') {
            if (++depth > max_scenario_depth) return i;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

// ---- Validation. ----

class Validator {
public:
    Validator(std::string_view text, std::string_view file_name, std::set<std::string> overridden,
              std::vector<std::string> override_texts)
        : text_(text), file_(file_name), overridden_(std::move(overridden)),
          override_texts_(std::move(override_texts)) {}

    std::optional<ScenarioError> validate(const Json& root, Scenario& scenario) {
        if (!root.is_object()) return at_value({}, "a scenario must be a JSON object ({ ... })");
        for (const auto& [key, value] : root.items()) {
            if (key == "captions") {
                if (auto error = captions(value, scenario)) return error;
            } else if (is_section(key)) {
                if (!value.is_object()) return at_value({key}, "field \"" + key + "\": expected an object { ... }");
                for (const auto& [member, member_value] : value.items())
                    if (auto error = scalar(key + "." + member, {key, member}, member_value, scenario)) return error;
            } else if (auto error = scalar(key, {key}, value, scenario)) {
                return error;
            }
        }
        for (const char* required : {"id", "title"})
            if (!root.contains(required))
                return at_value({}, std::string("missing required field \"") + required + "\"");
        return std::nullopt;
    }

private:
    std::optional<ScenarioError> scalar(const std::string& path, const JsonPath& where, const Json& value,
                                        Scenario& scenario) {
        const FieldRule* rule = find_rule(path);
        if (!rule) {
            std::string valid;
            const std::string prefix = where.size() > 1 ? std::get<std::string>(where[0]) + "." : "";
            for (const FieldRule& r : field_rules()) {
                const bool same_section = prefix.empty() ? r.path.find('.') == std::string_view::npos
                                                         : r.path.rfind(prefix, 0) == 0;
                if (!same_section) continue;
                valid += valid.empty() ? "" : ", ";
                valid += r.path.substr(prefix.size());
            }
            if (prefix.empty()) valid += ", captions, network, server, clients";
            return at_key(where, "unknown field \"" + path + "\" (valid here: " + valid + ")");
        }
        const FieldRef ref = rule->field(scenario);
        if (store(*rule, ref, value)) return std::nullopt;
        const std::string expected = "expected " + expectation(*rule, ref);
        if (overridden_.count(path)) return override_error(path, expected);
        return at_value(where, "field \"" + path + "\": " + expected);
    }

    std::optional<ScenarioError> captions(const Json& list, Scenario& scenario) {
        if (!list.is_array()) return at_value({"captions"}, "field \"captions\": expected an array of captions");
        if (list.size() > max_captions)
            return at_value({"captions"}, "field \"captions\": at most " + std::to_string(max_captions) +
                                              " captions are allowed");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Json& item = list[i];
            const std::string name = "captions[" + std::to_string(i) + "]";
            const JsonPath where{std::string("captions"), i};
            if (!item.is_object())
                return at_value(where, "field \"" + name + "\": expected an object {\"kind\": ..., \"text\": ...}");
            Caption caption;
            for (const auto& [key, value] : item.items()) {
                JsonPath at = where;
                at.push_back(key);
                const std::string field = name + "." + key;
                if (key == "kind") {
                    if (!value.is_string() || !trace::kind_from_name(value.get<std::string>()))
                        return at_value(at, "field \"" + field + "\": unknown event kind " + value.dump() +
                                                " (kinds are listed in docs/trace-format.md)");
                    caption.kind = value.get<std::string>();
                } else if (key == "conn") {
                    const auto v = integer_in(value, -1, std::numeric_limits<std::int32_t>::max());
                    if (!v) return at_value(at, "field \"" + field + "\": expected -1 (any) or a connection id");
                    caption.conn = static_cast<std::int32_t>(*v);
                } else if (key == "nth") {
                    const auto v = integer_in(value, 1, 1'000'000'000);
                    if (!v) return at_value(at, "field \"" + field + "\": expected an integer from 1 to 1000000000");
                    caption.nth = static_cast<std::uint32_t>(*v);
                } else if (key == "os") {
                    const bool ok = value.is_string() &&
                                    (value.get<std::string>().empty() ||
                                     std::find(std::begin(os_choices), std::end(os_choices),
                                               value.get<std::string>()) != std::end(os_choices));
                    if (!ok) return at_value(at, "field \"" + field + "\": expected \"\" (any), " + quoted_list(os_choices));
                    caption.os = value.get<std::string>();
                } else if (key == "host") {
                    if (!value.is_string() || (value != "" && value != "server" && value != "client"))
                        return at_value(at, "field \"" + field + "\": expected \"\" (either), \"server\" or \"client\"");
                    caption.host = value.get<std::string>();
                } else if (key == "where") {
                    if (!value.is_object())
                        return at_value(at, "field \"" + field + "\": expected an object of field values, such as "
                                            "{\"state\": \"SYN_SENT\"}");
                    // Only the names now: the kind may come after "where" in the object.
                    for (const auto& [name, wanted] : value.items()) caption.where.push_back(CaptionCondition{name, 0, {}});
                } else if (key == "text") {
                    if (!value.is_string() || value.get<std::string>().empty())
                        return at_value(at, "field \"" + field + "\": expected a non-empty string");
                    caption.text = value.get<std::string>();
                } else {
                    return at_key(at, "unknown field \"" + field + "\" (valid here: kind, conn, nth, os, host, where, text)");
                }
            }
            if (caption.kind.empty()) return at_value(where, "field \"" + name + "\": missing \"kind\"");
            for (CaptionCondition& c : caption.where) {
                const JsonPath at{std::string("captions"), i, std::string("where"), c.field};
                const std::string field = name + ".where." + c.field;
                if (auto problem = unknown_where_field(caption.kind, c.field))
                    return at_key(at, "field \"" + field + "\": " + *problem);
                if (auto problem = read_where_value(caption.kind, c, item["where"][c.field]))
                    return at_value(at, "field \"" + field + "\": " + *problem);
            }
            if (caption.text.empty()) return at_value(where, "field \"" + name + "\": missing \"text\"");
            scenario.captions.push_back(std::move(caption));
        }
        return std::nullopt;
    }

    ScenarioError at_offset(std::size_t offset, std::string message) const {
        const TextPosition p = position_of_offset(text_, offset);
        return {std::string(file_), p.line, p.column, std::move(message)};
    }
    ScenarioError at_value(const JsonPath& path, std::string message) const {
        return at_offset(locate_json(text_, path).value_offset, std::move(message));
    }
    ScenarioError at_key(const JsonPath& path, std::string message) const {
        return at_offset(locate_json(text_, path).key_offset, std::move(message));
    }
    ScenarioError override_error(const std::string& path, const std::string& expected) const {
        // The last --set of a key is the one that counts.
        std::string assignment = path;
        for (const std::string& text : override_texts_)
            if (text.rfind(path + "=", 0) == 0) assignment = text;
        return {"--set", 0, 0, assignment + ": " + expected};
    }

    std::string_view text_;
    std::string_view file_;
    std::set<std::string> overridden_;
    std::vector<std::string> override_texts_;
};

std::string valid_keys_text() {
    std::string out;
    for (const std::string& key : scenario_override_keys()) out += (out.empty() ? "" : ", ") + key;
    return out;
}

// Applies "key=value" overrides to the DOM; records which keys they set.
std::optional<ScenarioError> apply_overrides(Json& root, const std::vector<std::string>& overrides,
                                             std::set<std::string>& overridden) {
    for (const std::string& assignment : overrides) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0)
            return ScenarioError{"--set", 0, 0, assignment + ": expected key=value, e.g. clients.count=10"};
        const std::string key = assignment.substr(0, eq);
        const std::string raw = assignment.substr(eq + 1);
        const FieldRule* rule = find_rule(key);
        if (!rule)
            return ScenarioError{"--set", 0, 0,
                                 assignment + ": unknown key \"" + key + "\"; valid keys: " + valid_keys_text()};
        // Numbers, booleans and quoted strings are JSON; anything else
        // ("linux", "slow-reader") is taken as the string it is. A text field
        // keeps the raw text even when it happens to parse ("--set id=123").
        Json value = Json::parse(raw, nullptr, false);
        Scenario probe;
        const bool wants_text = std::holds_alternative<std::string*>(rule->field(probe)) ||
                                std::holds_alternative<Os*>(rule->field(probe));
        if (value.is_discarded() || (wants_text && !value.is_string())) value = raw;
        const auto dot = key.find('.');
        if (dot == std::string::npos) {
            root[key] = value;
        } else {
            const std::string section = key.substr(0, dot);
            if (!root.contains(section)) root[section] = Json::object();
            // A section that is not an object is reported against the file.
            if (root[section].is_object()) root[section][key.substr(dot + 1)] = value;
        }
        overridden.insert(key);
    }
    return std::nullopt;
}

}  // namespace

std::string ScenarioError::text() const {
    // An override has no position: "--set clients.count=abc: expected ...".
    if (line == 0) return file + (file == "--set" ? " " : ": ") + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::vector<std::string> scenario_override_keys() {
    std::vector<std::string> keys;
    for (const FieldRule& rule : field_rules()) keys.emplace_back(rule.path);
    return keys;
}

std::string scenario_to_json(const Scenario& scenario) {
    Scenario copy = scenario;  // the field table hands out mutable references
    Json out = Json::object();
    for (const FieldRule& rule : field_rules()) {
        const Json value = field_value(rule.field(copy));
        const auto dot = rule.path.find('.');
        if (dot == std::string_view::npos) {
            out[std::string(rule.path)] = value;
        } else {
            out[std::string(rule.path.substr(0, dot))][std::string(rule.path.substr(dot + 1))] = value;
        }
        if (rule.path == "lesson") {
            Json list = Json::array();
            for (const Caption& c : scenario.captions) {
                Json caption{{"kind", c.kind}, {"conn", c.conn}, {"nth", c.nth}, {"os", c.os}};
                // Only when set: a trace header of a lesson without anchors reads as before.
                if (!c.host.empty()) caption["host"] = c.host;
                if (!c.where.empty()) caption["where"] = where_json(c);
                caption["text"] = c.text;
                list.push_back(std::move(caption));
            }
            out["captions"] = std::move(list);
        }
    }
    return out.dump();
}

std::variant<Scenario, ScenarioError> load_scenario_text(std::string_view text, std::string_view file_name,
                                                         const std::vector<std::string>& overrides) {
    const auto fail = [&](std::size_t offset, std::string message) {
        const TextPosition p = position_of_offset(text, offset);
        return ScenarioError{std::string(file_name), p.line, p.column, std::move(message)};
    };
    if (text.size() > max_scenario_bytes)
        return fail(0, "file too large for a scenario (" + std::to_string(text.size()) + " bytes; the limit is " +
                           std::to_string(max_scenario_bytes) + ")");
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return fail(0, "empty file: a scenario is a JSON object like {\"id\": \"my-lesson\", \"title\": \"...\"}");
    if (const auto bad = find_invalid_utf8(text)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<std::uint8_t>(text[*bad])));
        return fail(*bad, std::string("invalid UTF-8: byte ") + hex + " does not start a valid character");
    }
    if (const auto deep = find_too_deep(text))
        return fail(*deep, "nested more than " + std::to_string(max_scenario_depth) + " levels deep");
    SyntaxCheck check;
    if (!Json::sax_parse(text, &check)) {
        if (check.duplicate)
            return fail(locate_json(text, check.duplicate_path).key_offset,
                        "field \"" + dotted(check.duplicate_path) + "\" appears twice; keep one of them");
        return fail(check.error_offset, check.error_message);
    }

    Json root;
    try {
        root = Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // The SAX pass accepted the text, so this should not happen.
        return fail(0, std::string("invalid JSON: ") + e.what());
    }
    std::set<std::string> overridden;
    if (root.is_object())
        if (auto error = apply_overrides(root, overrides, overridden)) return *error;

    Scenario scenario;
    Validator validator(text, file_name, std::move(overridden), overrides);
    if (auto error = validator.validate(root, scenario)) return *error;
    scenario.source_json = scenario_to_json(scenario);
    scenario.given_json = root.dump();
    return scenario;
}

std::variant<Scenario, ScenarioError> load_scenario_file(const std::string& path,
                                                         const std::vector<std::string>& overrides) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ScenarioError{path, 0, 0, "cannot open the file"};
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_scenario_bytes) break;
    }
    if (in.bad()) return ScenarioError{path, 0, 0, "cannot read the file"};
    return load_scenario_text(text, path, overrides);
}

}  // namespace loopscope::sim
