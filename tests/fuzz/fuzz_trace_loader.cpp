// libFuzzer target for the trace loader: any bytes must give either a trace
// or a located LoadError, never a crash, a hang or a sanitizer report. When
// the input loads, every event is explained and the state is folded with a
// Cursor (both ways), since a loaded trace is what the viewer trusts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "trace/explain.hpp"
#include "trace/jsonl.hpp"
#include "trace/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace loopscope::trace;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto result = read_trace_text(text, "fuzz.jsonl");
    if (const auto* error = std::get_if<LoadError>(&result)) {
        // Errors always point inside the input.
        if (error->line == 0 || error->column == 0) __builtin_trap();
        return 0;
    }
    const Trace& trace = std::get<Trace>(result);
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const std::string sentence = explain(trace, i);
        // An unfilled placeholder would leave a '{'; text fields (captions)
        // may contain braces of their own, so they are not checked.
        bool has_text = false;
        for (const FieldSpec& field : kind_spec(trace[i].kind).fields) has_text = has_text || field.type == FieldType::text;
        if (!has_text && sentence.find('{') != std::string::npos) __builtin_trap();
    }
    const Cursor cursor(trace, 3);
    if (!trace.empty()) {
        const WorldState last = cursor.state_at(trace.size() - 1);
        const WorldState first = cursor.state_at(0);
        if (last.applied != trace.size() || first.applied != 1) __builtin_trap();
    }
    return 0;
}
