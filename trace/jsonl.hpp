// Reading and writing traces as JSON Lines (docs/trace-format.md).
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>

#include "trace/trace.hpp"

namespace loopscope::trace {

// A located problem in a trace file: "trace.jsonl:1834:17: field "bytes": expected ...".
struct LoadError {
    std::string file;
    std::size_t line = 0;    // 1-based
    std::size_t column = 0;  // 1-based, in bytes
    std::string message;
    std::string text() const;  // file:line:column: message
};

// Progress callback: bytes consumed so far, total bytes.
using LoadProgress = std::function<void(std::size_t done, std::size_t total)>;

// Parses a whole trace. A last line cut off mid-way is not an error: the
// events before it load and Trace::truncated says what was dropped. Any other
// problem returns a LoadError naming file, line, column and field.
std::variant<Trace, LoadError> read_trace_text(std::string_view text, std::string_view file_name,
                                               const LoadProgress& progress = {});
std::variant<Trace, LoadError> read_trace_file(const std::string& path, const LoadProgress& progress = {});

// A file is a trace when its name ends in .jsonl or its first line says it
// is one (a scenario is JSON too, so the extension alone cannot decide).
bool looks_like_trace_file(const std::string& path);

// Writes the header line and one line per event.
void write_trace(std::ostream& out, const Trace& trace);
// Writes to a temporary file beside `path`, then renames it over `path`, so
// a crash never leaves a half-written trace. Throws std::runtime_error naming
// the path on failure (and removes the temporary file).
void write_trace_file(const std::string& path, const Trace& trace);

}  // namespace loopscope::trace
