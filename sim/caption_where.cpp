#include "sim/caption_where.hpp"

#include <algorithm>
#include <cstdint>
#include <span>

#include "trace/kinds.hpp"

namespace loopscope::sim {

namespace {

const trace::FieldSpec* field_of(std::string_view kind, std::string_view field) {
    const auto found = trace::kind_from_name(kind);
    if (!found) return nullptr;
    const trace::KindSpec& spec = trace::kind_spec(*found);
    const auto f = std::find_if(spec.fields.begin(), spec.fields.end(),
                                [&](const trace::FieldSpec& s) { return s.name == field; });
    return f == spec.fields.end() ? nullptr : &*f;
}

std::string quoted(std::span<const std::string_view> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += '"' + std::string(names[i]) + '"';
    }
    return out;
}

}  // namespace

std::optional<std::string> unknown_where_field(std::string_view kind, std::string_view field) {
    if (field_of(kind, field) != nullptr) return std::nullopt;
    std::string fields;
    for (const trace::FieldSpec& f : trace::kind_spec(*trace::kind_from_name(kind)).fields)
        fields += (fields.empty() ? "" : ", ") + std::string(f.name);
    return std::string(kind) + " has no field \"" + std::string(field) + "\" (its fields: " + fields + ")";
}

std::optional<std::string> read_where_value(std::string_view kind, CaptionCondition& c,
                                            const nlohmann::ordered_json& value) {
    const trace::FieldSpec& f = *field_of(kind, c.field);
    using trace::FieldType;
    switch (f.type) {
    case FieldType::text:
        if (!value.is_string()) return "expected a string";
        c.text = value.get<std::string>();
        return std::nullopt;
    case FieldType::flag:
        if (!value.is_boolean()) return "expected true or false";
        c.value = value.get<bool>() ? 1 : 0;
        return std::nullopt;
    case FieldType::count:
    case FieldType::bytes:
    case FieldType::nanos:
        // -1 is a value some fields use ("infinite"); a count never exceeds int64.
        if (!value.is_number_integer() || (!value.is_number_unsigned() && value.get<std::int64_t>() < -1) ||
            (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX))
            return "expected an integer";
        c.value = value.get<std::int64_t>();
        return std::nullopt;
    default: {
        const auto v = value.is_string() ? trace::enum_from_name(f.type, value.get<std::string>()) : std::nullopt;
        if (!v) return "expected " + quoted(trace::enum_names(f.type));
        c.value = *v;
        return std::nullopt;
    }
    }
}

nlohmann::ordered_json where_json(const Caption& caption) {
    nlohmann::ordered_json where = nlohmann::ordered_json::object();
    for (const CaptionCondition& c : caption.where) {
        const trace::FieldSpec& f = *field_of(caption.kind, c.field);
        using trace::FieldType;
        switch (f.type) {
        case FieldType::text: where[c.field] = c.text; break;
        case FieldType::flag: where[c.field] = c.value != 0; break;
        case FieldType::count:
        case FieldType::bytes:
        case FieldType::nanos: where[c.field] = c.value; break;
        default: where[c.field] = std::string(trace::enum_names(f.type)[static_cast<std::size_t>(c.value)]); break;
        }
    }
    return where;
}

}  // namespace loopscope::sim
