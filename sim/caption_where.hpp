// A caption's "where" conditions (sim/scenario.hpp, CaptionCondition): field
// values of the caption's event kind, read and written as a trace file
// writes them ("state": "SYN_SENT", "eof": true, "bytes": 0). The scenario
// loader places the messages at the right line and column.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sim/scenario.hpp"

namespace loopscope::sim {

// "kernel.tcp_state has no field "colour" (its fields: state, prev)", or
// nullopt when `kind` (a known kind name) has the field.
std::optional<std::string> unknown_where_field(std::string_view kind, std::string_view field);

// Sets c.value or c.text from `value`, read as the field's type says; the
// expectation ("expected true or false") when it does not fit. The kind
// must have the field (unknown_where_field).
std::optional<std::string> read_where_value(std::string_view kind, CaptionCondition& c,
                                            const nlohmann::ordered_json& value);

// The caption's conditions as the object read_where_value reads.
nlohmann::ordered_json where_json(const Caption& caption);

}  // namespace loopscope::sim
