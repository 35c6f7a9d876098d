// Private to the JSONL reader (jsonl.cpp, jsonl_header.cpp): locating a
// problem inside one line and wording it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "trace/trace.hpp"

namespace loopscope::trace::jsonl_detail {

// A problem found inside one line; the caller adds file and line number.
struct LineError {
    std::size_t column = 1;  // 1-based, in bytes
    std::string message;
};

inline std::string in_quotes(std::string_view s) {
    std::string text(1, '"');
    text.append(s);
    text += '"';
    return text;
}

// The 1-based column of `"key"` in the line, searching from byte `from`; 1
// when the key cannot be found (e.g. it was written with escapes).
inline std::size_t key_column(std::string_view line, std::string_view key, std::size_t from = 0) {
    const auto at = line.find(in_quotes(key), from);
    return at == std::string_view::npos ? 1 : at + 1;
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse
// error at line 1, column 5: "; our location says that already.
inline std::string parser_message(const std::string& what) {
    if (what.find("ill-formed UTF-8") != std::string::npos) return "invalid UTF-8 in a string";
    std::string_view text = what;
    if (const auto column = text.find("column "); column != std::string_view::npos) {
        if (const auto colon = text.find(": ", column); colon != std::string_view::npos) text.remove_prefix(colon + 2);
    }
    return "invalid JSON: " + std::string(text);
}

// Parses line 1 into `header`; the line must not contain its newline.
std::optional<LineError> read_header(std::string_view line, TraceHeader& header);

}  // namespace loopscope::trace::jsonl_detail
