// Finding where a value sits in raw JSON text. nlohmann/json's DOM keeps no
// source positions, so error messages about a field ("lesson.json:12:17:
// field "clients.count": ...") walk the original text again: this scanner
// skips strings and nested containers without recursion, so it is safe on
// any input the parser has already accepted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace loopscope::sim {

// 1-based line and column (columns count bytes, as compilers do).
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};

// The line and column of a byte offset; an offset past the end maps to the
// position just after the last byte.
TextPosition position_of_offset(std::string_view text, std::size_t offset);

// One step of a path into a JSON document: an object key or an array index.
using JsonPathStep = std::variant<std::string, std::size_t>;
using JsonPath = std::vector<JsonPathStep>;

// Where the last step of `path` is found: the offset of its key (for an
// object member; for an array element, the element itself) and of its value.
struct JsonLocation {
    std::size_t key_offset = 0;
    std::size_t value_offset = 0;
};

// Walks `text` (which must be JSON that parsed) along `path`. When a step is
// missing, returns the location of the deepest step that exists, so an
// error about a missing field points at the object that lacks it. With
// duplicate keys the last one wins, as in nlohmann/json's parser.
JsonLocation locate_json(std::string_view text, const JsonPath& path);

// The offset of the first byte that is not valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF count as invalid), if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

}  // namespace loopscope::sim
