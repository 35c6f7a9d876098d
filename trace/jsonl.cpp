// Reading traces from JSON Lines (docs/trace-format.md).
//
// Here: read_trace_text, splitting lines, reserving memory, truncation of
// a cut-off last line. One event line is parsed by EventLine
// (jsonl_event_line.hpp), the header (line 1) in jsonl_header.cpp; files
// are mapped into memory in jsonl_file.cpp, and the writer lives in
// jsonl_write.cpp.
#include "trace/jsonl.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/jsonl_event_line.hpp"
#include "trace/jsonl_text.hpp"

namespace loopscope::trace {

std::string LoadError::text() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

using namespace jsonl_detail;

constexpr std::size_t progress_step = std::size_t{1} << 20;

// How many events and fields the lines hold, found by looking for "kind"
// only: reserving exactly is what keeps a loaded event near its 32 bytes +
// 8 per field, instead of up to twice that after a vector regrows.
struct Capacity {
    std::size_t events = 0;
    std::size_t fields = 0;
};

Capacity estimate_capacity(std::string_view body, const KindLookup& kinds) {
    Capacity capacity;
    constexpr std::string_view kind_key = "\"kind\":\"";
    std::size_t begin = 0;
    while (begin < body.size()) {
        const auto newline = body.find('\n', begin);
        const auto end = newline == std::string_view::npos ? body.size() : newline;
        const std::string_view line = body.substr(begin, end - begin);
        ++capacity.events;
        if (const auto at = line.find(kind_key); at != std::string_view::npos) {
            const auto name_begin = at + kind_key.size();
            const auto name_end = line.find('"', name_begin);
            if (name_end != std::string_view::npos) {
                if (const auto kind = kinds.find(line.substr(name_begin, name_end - name_begin)))
                    capacity.fields += kind_spec(*kind).fields.size();
            }
        }
        begin = end + 1;
    }
    return capacity;
}

std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

std::variant<Trace, LoadError> read_trace_text(std::string_view text, std::string_view file_name,
                                               const LoadProgress& progress) {
    const std::string file(file_name);
    if (text.empty()) return LoadError{file, 1, 1, "the file is empty; expected a loopscope-trace header line"};
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark from an editor

    Trace trace;
    const auto header_end = text.find('\n');
    const std::string_view header_line =
        without_cr(text.substr(0, header_end == std::string_view::npos ? text.size() : header_end));
    if (auto e = read_header(header_line, trace.header)) return LoadError{file, 1, e->column, e->message};

    const std::string_view body =
        header_end == std::string_view::npos ? std::string_view{} : text.substr(header_end + 1);
    const KindLookup kinds;
    const Capacity capacity = estimate_capacity(body, kinds);
    if (capacity.events > 0)
        trace.reserve(capacity.events, capacity.fields);

    EventLine parser(trace, kinds);
    std::size_t line_number = 1;
    std::size_t begin = 0;
    std::size_t next_progress = progress_step;
    std::size_t first_empty_line = 0;  // an empty line is allowed only if nothing follows it
    const std::size_t offset = static_cast<std::size_t>(body.data() - text.data());
    while (begin < body.size()) {
        ++line_number;
        const auto newline = body.find('\n', begin);
        const bool last = newline == std::string_view::npos;
        const auto end = last ? body.size() : newline;
        const std::string_view line = without_cr(body.substr(begin, end - begin));
        begin = end + 1;
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            if (first_empty_line == 0) first_empty_line = line_number;
            continue;
        }
        if (first_empty_line != 0)
            return LoadError{file, first_empty_line, 1,
                             "empty line inside the trace (empty lines are allowed only at the end)"};
        bool truncated = false;
        if (auto e = parser.parse(line, last, truncated)) return LoadError{file, line_number, e->column, e->message};
        if (truncated) {
            trace.truncated = true;
            trace.truncation_note = file + ":" + std::to_string(line_number) + ": last line is incomplete (" +
                                    std::to_string(line.size()) + " bytes); loaded " + std::to_string(trace.size()) +
                                    " events before it";
        }
        if (progress && offset + begin >= next_progress) {
            progress(std::min(offset + begin, text.size()), text.size());
            next_progress = offset + begin + progress_step;
        }
    }
    if (progress) progress(text.size(), text.size());
    return trace;
}

}  // namespace loopscope::trace
