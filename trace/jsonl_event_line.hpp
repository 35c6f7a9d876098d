// Private to the JSONL reader (jsonl.cpp): EventLine, the SAX handler that
// parses one event line straight into the Trace, without a DOM per event (a
// DOM costs ~900 bytes per event), with a fast path for the writer's own
// canonical lines; and KindLookup, the kind names it resolves.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/jsonl_text.hpp"
#include "trace/trace.hpp"

namespace loopscope::trace::jsonl_detail {

using json = nlohmann::json;
inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------- events ---

// Kind names to kinds, built once per load (kind_from_name is a linear scan).
class KindLookup {
public:
    KindLookup() {
        for (const KindSpec& spec : all_kinds()) {
            by_name_.emplace(spec.name, spec.kind);
            max_fields_ = std::max(max_fields_, spec.fields.size());
        }
    }
    std::optional<Kind> find(std::string_view name) const {
        const auto it = by_name_.find(name);
        if (it == by_name_.end()) return std::nullopt;
        return it->second;
    }
    std::size_t max_fields() const { return max_fields_; }

private:
    std::unordered_map<std::string_view, Kind> by_name_;
    std::size_t max_fields_ = 0;
};

// One JSON value as the SAX parser reported it.
struct Value {
    enum class Type : std::uint8_t { null, boolean, integer, unsigned_integer, floating, string, object, array };
    Type type = Type::null;
    std::int64_t integer = 0;
    std::uint64_t unsigned_integer = 0;
    bool boolean = false;
    std::string text;  // the string, or the number as written (floating)
};

inline std::string describe(const Value& v) {
    switch (v.type) {
        case Value::Type::null: return "null";
        case Value::Type::boolean: return v.boolean ? "true" : "false";
        case Value::Type::integer: return std::to_string(v.integer);
        case Value::Type::unsigned_integer: return std::to_string(v.unsigned_integer);
        case Value::Type::floating: return v.text;
        case Value::Type::string: return "the string " + in_quotes(v.text.size() > 40 ? v.text.substr(0, 40) + "..." : v.text);
        case Value::Type::object: return "an object";
        case Value::Type::array: return "an array";
    }
    return "?";
}

inline bool looks_like_integer(std::string_view token) {
    return token.find_first_of(".eE") == std::string_view::npos;
}

// The keys every event has, before its kind's fields.
enum class Slot : std::int8_t { none = -1, id, t, kind, lane, host, conn, cause, count };
inline constexpr std::string_view slot_names[] = {"id", "t", "kind", "lane", "host", "conn", "cause"};

inline Slot slot_of(std::string_view key) {
    for (int i = 0; i < static_cast<int>(Slot::count); ++i)
        if (slot_names[i] == key) return static_cast<Slot>(i);
    return Slot::none;
}

// Parses one event line. nlohmann calls the methods below in document order;
// any method returning false stops the parse, with the reason in error().
class EventLine {
public:
    EventLine(Trace& trace, const KindLookup& kinds) : trace_(trace), kinds_(kinds), fields_(kinds.max_fields()) {}

    // Parses `line` and appends the event; on failure returns the problem.
    std::optional<LineError> parse(std::string_view line, bool allow_truncation, bool& truncated) {
        reset(line);
        if (parse_canonical()) return finish();
        // Anything the fast path does not recognise, including every error,
        // goes through nlohmann, so there is one source of error messages.
        reset(line);
        const bool ok = json::sax_parse(line.data(), line.data() + line.size(), this);
        if (ok) return finish();
        if (syntax_error_ && allow_truncation && syntax_position_ > line.size()) {
            truncated = true;
            return std::nullopt;
        }
        return error_;
    }

    // ---- nlohmann SAX interface ----
    bool null() { return value(Value{}); }
    bool boolean(bool b) {
        scratch_.type = Value::Type::boolean;
        scratch_.boolean = b;
        return value(scratch_);
    }
    bool number_integer(json::number_integer_t n) {
        scratch_.type = Value::Type::integer;
        scratch_.integer = n;
        return value(scratch_);
    }
    bool number_unsigned(json::number_unsigned_t n) {
        scratch_.type = Value::Type::unsigned_integer;
        scratch_.unsigned_integer = n;
        return value(scratch_);
    }
    bool number_float(json::number_float_t, const std::string& token) {
        scratch_.type = Value::Type::floating;
        scratch_.text = token;
        return value(scratch_);
    }
    bool string(std::string& s) {
        scratch_.type = Value::Type::string;
        scratch_.text.swap(s);
        return value(scratch_);
    }
    bool binary(json::binary_t&) { return fail(1, "binary values are not JSON"); }
    bool start_object(std::size_t) {
        if (depth_++ == 0) return true;
        return nested(Value::Type::object);
    }
    bool start_array(std::size_t) {
        if (depth_++ == 0) return fail(1, "an event line must be a JSON object, not an array");
        return nested(Value::Type::array);
    }
    bool end_object() {
        --depth_;
        return true;
    }
    bool end_array() {
        --depth_;
        return true;
    }
    bool key(std::string& k) {
        key_.swap(k);
        in_value_ = true;
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
        syntax_error_ = true;
        syntax_position_ = position;
        std::string message = parser_message(e.what());
        if (in_value_ && !key_.empty()) message = "field " + in_quotes(key_) + ": " + message;
        error_ = LineError{std::clamp<std::size_t>(position, 1, line_.size() + 1), std::move(message)};
        return false;
    }

private:
    Trace& trace_;
    const KindLookup& kinds_;
    std::string_view line_;
    const char* line_end_ = nullptr;
    int depth_ = 0;
    bool in_value_ = false;
    std::string key_;
    Value scratch_;
    std::optional<LineError> error_;
    bool syntax_error_ = false;
    std::size_t syntax_position_ = 0;

    std::array<std::int64_t, static_cast<int>(Slot::count)> slots_{};
    std::uint32_t slots_seen_ = 0;
    std::optional<Kind> kind_;
    std::optional<Lane> lane_;
    std::vector<std::int64_t> fields_;
    std::uint64_t fields_seen_ = 0;
    // Fields that came before "kind" (hand-written files): kept until the
    // kind says what they mean.
    std::vector<std::pair<std::string, Value>> early_;

    // The previous event, for the ordering rules.
    bool have_previous_ = false;
    std::uint32_t previous_id_ = 0;
    Nanos previous_time_ = 0;

    void reset(std::string_view line) {
        line_ = line;
        depth_ = 0;
        in_value_ = false;
        key_.clear();
        error_.reset();
        syntax_error_ = false;
        slots_seen_ = 0;
        kind_.reset();
        lane_.reset();
        fields_seen_ = 0;
        early_.clear();
    }

    bool fail(std::size_t column, std::string message) {
        error_ = LineError{column, std::move(message)};
        return false;
    }
    bool fail_key(std::string_view key, std::string message) { return fail(key_column(line_, key), std::move(message)); }

    // A nested object or array is refused at once, so a line like
    // {"text":[[[[...]]]]} costs nothing however deep it goes.
    bool nested(Value::Type type) {
        if (depth_ == 2 && !key_.empty())
            return fail_key(key_, "field " + in_quotes(key_) + ": expected a plain value, got " +
                                      (type == Value::Type::object ? "an object" : "an array") +
                                      " (event lines are flat objects)");
        return fail(1, "event lines are flat objects: nested objects and arrays are not allowed");
    }

    bool value(const Value& v) {
        if (depth_ == 0) return fail(1, "an event line must be a JSON object, got " + describe(v));
        in_value_ = false;
        const Slot slot = slot_of(key_);
        if (slot != Slot::none) return read_slot(slot, v);
        if (!kind_) {
            early_.emplace_back(key_, v);
            return true;
        }
        return read_field(key_, v);
    }

    bool read_slot(Slot slot, const Value& v) {
        const auto bit = 1u << static_cast<int>(slot);
        const std::string_view name = slot_names[static_cast<int>(slot)];
        if (slots_seen_ & bit) return fail_key(name, "field " + in_quotes(name) + " appears twice");
        slots_seen_ |= bit;
        switch (slot) {
            case Slot::kind: {
                if (v.type != Value::Type::string) return fail_key(name, "field \"kind\": expected a string, got " + describe(v));
                kind_ = kinds_.find(v.text);
                if (!kind_) return fail_key(name, "field \"kind\": unknown kind " + in_quotes(v.text));
                return replay_early_fields();
            }
            case Slot::lane: {
                if (v.type != Value::Type::string) return fail_key(name, "field \"lane\": expected a string, got " + describe(v));
                lane_ = lane_from_name(v.text);
                if (!lane_) return fail_key(name, "field \"lane\": unknown lane " + in_quotes(v.text));
                return true;
            }
            case Slot::t: return read_integer(name, v, 0, int64_max, "a non-negative integer (nanoseconds)", slots_[1]);
            case Slot::id:
                return read_integer(name, v, 0, no_event - 1, "a non-negative integer below 4294967295", slots_[0]);
            case Slot::host: return read_integer(name, v, 0, 255, "a host index from 0 to 255", slots_[4]);
            case Slot::conn:
                return read_integer(name, v, 0, std::numeric_limits<std::int32_t>::max(), "a non-negative integer",
                                    slots_[5]);
            case Slot::cause:
                return read_integer(name, v, 0, no_event - 1, "the id of an earlier event", slots_[6]);
            default: return true;
        }
    }

    bool replay_early_fields() {
        for (auto& [key, v] : early_) {
            if (!read_field(key, v)) return false;
        }
        early_.clear();
        return true;
    }

    bool read_integer(std::string_view name, const Value& v, std::int64_t min, std::int64_t max,
                      std::string_view expected, std::int64_t& out) {
        std::int64_t n = 0;
        if (v.type == Value::Type::integer) {
            n = v.integer;
        } else if (v.type == Value::Type::unsigned_integer && v.unsigned_integer <= static_cast<std::uint64_t>(int64_max)) {
            n = static_cast<std::int64_t>(v.unsigned_integer);
        } else if (v.type == Value::Type::unsigned_integer ||
                   (v.type == Value::Type::floating && looks_like_integer(v.text))) {
            return fail_key(name, "field " + in_quotes(name) + ": the number " + describe(v) +
                                      " is too large (integers must fit in 64 bits)");
        } else {
            return fail_key(name, "field " + in_quotes(name) + ": expected " + std::string(expected) + ", got " + describe(v));
        }
        if (n < min || n > max) {
            if (n > max && max == int64_max)
                return fail_key(name, "field " + in_quotes(name) + ": the number " + describe(v) + " is too large");
            return fail_key(name, "field " + in_quotes(name) + ": expected " + std::string(expected) + ", got " + describe(v));
        }
        out = n;
        return true;
    }

    bool read_field(std::string_view key, const Value& v) {
        const int index = field_index(*kind_, key);
        if (index < 0)
            return fail_key(key, "unknown field " + in_quotes(key) + " for kind " + std::string(kind_spec(*kind_).name));
        return store_field(index, v);
    }

    bool store_field(int index, const Value& v) {
        const KindSpec& spec = kind_spec(*kind_);
        const std::string_view key = spec.fields[static_cast<std::size_t>(index)].name;
        const auto bit = std::uint64_t{1} << index;
        if (fields_seen_ & bit) return fail_key(key, "field " + in_quotes(key) + " appears twice");
        fields_seen_ |= bit;
        std::int64_t& out = fields_[static_cast<std::size_t>(index)];
        const FieldType type = spec.fields[static_cast<std::size_t>(index)].type;
        switch (type) {
            case FieldType::count:
            case FieldType::bytes:
                return read_integer(key, v, 0, int64_max, "a non-negative integer", out);
            case FieldType::nanos:
                return read_integer(key, v, -1, int64_max, "an integer number of nanoseconds (-1 = forever)", out);
            case FieldType::flag:
                if (v.type != Value::Type::boolean)
                    return fail_key(key, "field " + in_quotes(key) + ": expected true or false, got " + describe(v));
                out = v.boolean ? 1 : 0;
                return true;
            case FieldType::text:
                if (v.type != Value::Type::string)
                    return fail_key(key, "field " + in_quotes(key) + ": expected a string, got " + describe(v));
                out = trace_.intern(v.text);
                return true;
            case FieldType::tcp_flags: {
                const auto flags = v.type == Value::Type::string ? tcp_flags_from_text(v.text) : std::nullopt;
                if (!flags)
                    return fail_key(key, "field " + in_quotes(key) +
                                             ": expected TCP flags such as \"SYN|ACK\" or \"-\", got " + describe(v));
                out = *flags;
                return true;
            }
            default: {
                const auto n = v.type == Value::Type::string ? enum_from_name(type, v.text) : std::nullopt;
                if (!n) {
                    std::string names;
                    for (const auto name : enum_names(type)) names += (names.empty() ? "" : ", ") + in_quotes(name);
                    return fail_key(key, "field " + in_quotes(key) + ": expected one of " + names + ", got " + describe(v));
                }
                out = *n;
                return true;
            }
        }
    }

    // ---- the fast path ----
    // write_trace's own lines (keys in table order, no spaces, plain ASCII
    // strings) are recognised here without the general JSON lexer, which
    // alone cannot reach the 1M events/s goal. Values still go through
    // read_slot / store_field, so the checks are the same; any surprise
    // returns false and the line is parsed again by nlohmann.
    bool literal(const char*& p, std::string_view text) const {
        if (static_cast<std::size_t>(line_end_ - p) < text.size() || std::memcmp(p, text.data(), text.size()) != 0)
            return false;
        p += text.size();
        return true;
    }

    // A key written as ,"name":
    bool field_key(const char*& p, std::string_view name) const {
        if (line_end_ - p < static_cast<std::ptrdiff_t>(name.size() + 4) || p[0] != ',' || p[1] != '"' ||
            std::memcmp(p + 2, name.data(), name.size()) != 0 || p[2 + name.size()] != '"' || p[3 + name.size()] != ':')
            return false;
        p += name.size() + 4;
        return true;
    }

    // An integer of at most 18 digits (so it cannot overflow), as JSON
    // writes it: no leading zeros, no fraction, no exponent.
    bool integer(const char*& p) {
        bool negative = false;
        if (p < line_end_ && *p == '-') {
            negative = true;
            ++p;
        }
        const char* digits = p;
        std::int64_t n = 0;
        // Stop after 18 digits; a 19th digit (still in the line) sends the
        // number to nlohmann, which reports or accepts it properly.
        while (p < line_end_ && *p >= '0' && *p <= '9' && p - digits < 18) n = n * 10 + (*p++ - '0');
        const auto count = p - digits;
        if (count == 0 || (count > 1 && *digits == '0')) return false;
        if (p < line_end_ && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9'))) return false;
        scratch_.type = Value::Type::integer;
        scratch_.integer = negative ? -n : n;
        return true;
    }

    bool plain_string(const char*& p) {
        if (p >= line_end_ || *p != '"') return false;
        const char* begin = ++p;
        while (p < line_end_ && *p != '"') {
            const auto c = static_cast<unsigned char>(*p);
            if (c == '\\' || c < 0x20 || c >= 0x80) return false;
            ++p;
        }
        if (p >= line_end_) return false;
        scratch_.type = Value::Type::string;
        scratch_.text.assign(begin, p);
        ++p;
        return true;
    }

    bool boolean(const char*& p) {
        scratch_.type = Value::Type::boolean;
        if (literal(p, "true")) {
            scratch_.boolean = true;
            return true;
        }
        scratch_.boolean = false;
        return literal(p, "false");
    }

    bool parse_canonical() {
        const char* p = line_.data();
        line_end_ = p + line_.size();
        if (!literal(p, "{\"id\":") || !integer(p) || !read_slot(Slot::id, scratch_)) return false;
        if (!literal(p, ",\"t\":") || !integer(p) || !read_slot(Slot::t, scratch_)) return false;
        if (!literal(p, ",\"kind\":") || !plain_string(p) || !read_slot(Slot::kind, scratch_)) return false;
        if (!literal(p, ",\"lane\":") || !plain_string(p) || !read_slot(Slot::lane, scratch_)) return false;
        if (!literal(p, ",\"host\":") || !integer(p) || !read_slot(Slot::host, scratch_)) return false;
        if (literal(p, ",\"conn\":") && (!integer(p) || !read_slot(Slot::conn, scratch_))) return false;
        if (literal(p, ",\"cause\":") && (!integer(p) || !read_slot(Slot::cause, scratch_))) return false;
        const auto fields = kind_spec(*kind_).fields;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (!field_key(p, fields[i].name)) return false;
            const FieldType type = fields[i].type;
            const bool scanned = type == FieldType::count || type == FieldType::bytes || type == FieldType::nanos
                                     ? integer(p)
                                 : type == FieldType::flag ? boolean(p)
                                                           : plain_string(p);
            if (!scanned || !store_field(static_cast<int>(i), scratch_)) return false;
        }
        return literal(p, "}") && p == line_end_;
    }

    bool seen(Slot slot) const { return (slots_seen_ >> static_cast<int>(slot)) & 1u; }

    // The whole object has been read: check what needs more than one key.
    std::optional<LineError> finish() {
        const std::size_t end = line_.empty() ? 1 : line_.size();
        for (const Slot required : {Slot::id, Slot::t, Slot::kind, Slot::lane, Slot::host}) {
            if (!seen(required))
                return LineError{end, "missing field " + in_quotes(slot_names[static_cast<int>(required)])};
        }
        const KindSpec& spec = kind_spec(*kind_);
        if (*lane_ != spec.lane)
            return LineError{key_column(line_, "lane"), "field \"lane\": kind " + std::string(spec.name) +
                                                            " belongs to lane " + in_quotes(lane_name(spec.lane)) +
                                                            ", not " + in_quotes(lane_name(*lane_))};
        for (std::size_t i = 0; i < spec.fields.size(); ++i) {
            if (!((fields_seen_ >> i) & 1u))
                return LineError{end, "missing field " + in_quotes(spec.fields[i].name) + " (kind " +
                                          std::string(spec.name) + ")"};
        }
        const auto id = static_cast<std::uint32_t>(slots_[0]);
        const Nanos time = slots_[1];
        if (have_previous_ && id <= previous_id_)
            return LineError{key_column(line_, "id"), "field \"id\": ids must increase; " + std::to_string(id) +
                                                          " follows " + std::to_string(previous_id_)};
        if (have_previous_ && time < previous_time_)
            return LineError{key_column(line_, "t"), "field \"t\": time goes backwards (" + std::to_string(time) +
                                                         " ns after an event at " + std::to_string(previous_time_) +
                                                         " ns)"};
        const auto host = static_cast<std::size_t>(slots_[4]);
        if (host >= trace_.header.hosts.size())
            return LineError{key_column(line_, "host"), "field \"host\": host " + std::to_string(host) +
                                                            " does not exist (the header lists " +
                                                            std::to_string(trace_.header.hosts.size()) + " hosts)"};
        std::uint32_t cause = no_event;
        if (seen(Slot::cause)) {
            const auto cause_id = static_cast<std::uint32_t>(slots_[6]);
            if (cause_id >= id)
                return LineError{key_column(line_, "cause"), "field \"cause\": event " + std::to_string(cause_id) +
                                                                 " is not earlier than this event (id " +
                                                                 std::to_string(id) + ")"};
            const auto index = trace_.index_of_id(cause_id);
            if (!index)
                return LineError{key_column(line_, "cause"), "field \"cause\": there is no event with id " +
                                                                 std::to_string(cause_id)};
            cause = *index;
        }
        const std::int32_t conn = seen(Slot::conn) ? static_cast<std::int32_t>(slots_[5]) : no_conn;
        trace_.append(time, *kind_, static_cast<std::uint8_t>(host), conn, cause,
                      std::span<const std::int64_t>(fields_.data(), spec.fields.size()));
        trace_.set_last_id(id);
        have_previous_ = true;
        previous_id_ = id;
        previous_time_ = time;
        return std::nullopt;
    }
};

}  // namespace loopscope::trace::jsonl_detail
