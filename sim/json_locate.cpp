#include "sim/json_locate.hpp"

#include <cstdint>

namespace loopscope::sim {

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t pos) {
    while (pos < text.size() && is_json_space(text[pos])) ++pos;
    return pos;
}

// `pos` is at an opening quote; returns the offset just after the closing
// quote. Escapes are skipped, not decoded: the scanner only needs extents.
std::size_t skip_string(std::string_view text, std::size_t pos) {
    ++pos;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '\\') {
            pos += 2;
            continue;
        }
        ++pos;
        if (c == '"') break;
    }
    return pos < text.size() ? pos : text.size();
}

// Skips one value of any kind. Containers are skipped by counting brackets
// in a loop, never by recursion, so a deeply nested value costs no stack.
std::size_t skip_value(std::string_view text, std::size_t pos) {
    pos = skip_space(text, pos);
    if (pos >= text.size()) return pos;
    const char first = text[pos];
    if (first == '"') return skip_string(text, pos);
    if (first == '{' || first == '[') {
        std::size_t depth = 0;
        while (pos < text.size()) {
            const char c = text[pos];
            if (c == '"') {
                pos = skip_string(text, pos);
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if (c == '}' || c == ']') {
                --depth;
                if (depth == 0) return pos + 1;
            }
            ++pos;
        }
        return pos;
    }
    // A number, true, false or null: runs until a delimiter.
    while (pos < text.size() && !is_json_space(text[pos]) && text[pos] != ',' && text[pos] != '}' &&
           text[pos] != ']')
        ++pos;
    return pos;
}

// Decodes the simple escapes of a key so "\"" or "\\" in a key still matches.
// \u escapes are kept as written; no scenario key needs them.
std::string raw_key(std::string_view text, std::size_t open_quote, std::size_t end) {
    std::string key;
    for (std::size_t i = open_quote + 1; i + 1 < end; ++i) {
        if (text[i] == '\\' && i + 2 < end) {
            ++i;
            switch (text[i]) {
                case 'n': key += '\n'; break;
                case 't': key += '\t'; break;
                case 'r': key += '\r'; break;
                case 'b': key += '\b'; break;
                case 'f': key += '\f'; break;
                case 'u': key += "\\u"; break;
                default: key += text[i]; break;
            }
            continue;
        }
        key += text[i];
    }
    return key;
}

// Finds member `key` in the object whose '{' is at `pos`.
std::optional<JsonLocation> find_member(std::string_view text, std::size_t pos, const std::string& key) {
    std::optional<JsonLocation> found;
    pos = skip_space(text, pos + 1);
    while (pos < text.size() && text[pos] == '"') {
        const std::size_t key_start = pos;
        const std::size_t key_end = skip_string(text, pos);
        pos = skip_space(text, key_end);
        if (pos < text.size() && text[pos] == ':') ++pos;
        const std::size_t value_start = skip_space(text, pos);
        if (raw_key(text, key_start, key_end) == key) found = JsonLocation{key_start, value_start};
        pos = skip_space(text, skip_value(text, value_start));
        if (pos < text.size() && text[pos] == ',') pos = skip_space(text, pos + 1);
        else break;
    }
    return found;
}

// Finds element `index` of the array whose '[' is at `pos`.
std::optional<JsonLocation> find_element(std::string_view text, std::size_t pos, std::size_t index) {
    pos = skip_space(text, pos + 1);
    for (std::size_t i = 0; pos < text.size() && text[pos] != ']'; ++i) {
        if (i == index) return JsonLocation{pos, pos};
        pos = skip_space(text, skip_value(text, pos));
        if (pos < text.size() && text[pos] == ',') pos = skip_space(text, pos + 1);
        else break;
    }
    return std::nullopt;
}

}  // namespace

TextPosition position_of_offset(std::string_view text, std::size_t offset) {
    TextPosition at;
    const std::size_t end = offset < text.size() ? offset : text.size();
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++at.line;
            at.column = 1;
        } else {
            ++at.column;
        }
    }
    return at;
}

JsonLocation locate_json(std::string_view text, const JsonPath& path) {
    const std::size_t root = skip_space(text, 0);
    JsonLocation here{root, root};
    for (const JsonPathStep& step : path) {
        const std::size_t pos = here.value_offset;
        if (pos >= text.size()) break;
        std::optional<JsonLocation> next;
        if (const auto* key = std::get_if<std::string>(&step)) {
            if (text[pos] == '{') next = find_member(text, pos, *key);
        } else if (text[pos] == '[') {
            next = find_element(text, pos, std::get<std::size_t>(step));
        }
        if (!next) break;
        here = *next;
    }
    return here;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    std::size_t i = 0;
    while (i < text.size()) {
        const std::uint8_t b = byte(i);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code = 0;
        if ((b & 0xE0) == 0xC0) {
            length = 2;
            code = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            length = 3;
            code = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            length = 4;
            code = b & 0x07;
        } else {
            return i;  // a continuation byte with no lead, or 0xF8..0xFF
        }
        if (i + length > text.size()) return i;
        for (std::size_t k = 1; k < length; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80) return i;
            code = (code << 6) | (byte(i + k) & 0x3F);
        }
        const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
    }
    return std::nullopt;
}

}  // namespace loopscope::sim
