// Loading scenario files (docs/scenario-format.md): JSON text, plus --set
// overrides, into a validated sim::Scenario. Every problem comes back as a
// ScenarioError that names the file, line, column and field, never as an
// exception or a crash, whatever the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario.hpp"

namespace loopscope::sim {

struct ScenarioError {
    std::string file;         // the file name, or "--set" for an override
    std::size_t line = 0;     // 1-based; 0 when there is no position (overrides)
    std::size_t column = 0;   // 1-based, in bytes
    std::string message;
    // "lesson.json:12:17: field "clients.count": expected an integer from 1 to 100000",
    // or for an override "--set clients.count=abc: expected an integer from 1 to 100000".
    std::string text() const;
};

// Limits the loader enforces before and while parsing.
inline constexpr std::size_t max_scenario_depth = 64;
inline constexpr std::size_t max_scenario_bytes = 16u << 20;

// Parses and validates a scenario. `file_name` is only used in messages.
// Each override is "dotted.key=value" (see scenario_override_keys()); the
// value is read as JSON when it parses as JSON, else taken as a string.
// Overrides are applied before validation, so they obey the same rules.
std::variant<Scenario, ScenarioError> load_scenario_text(std::string_view text, std::string_view file_name,
                                                         const std::vector<std::string>& overrides = {});
std::variant<Scenario, ScenarioError> load_scenario_file(const std::string& path,
                                                         const std::vector<std::string>& overrides = {});

// Every key --set accepts, in the order of the scenario format.
std::vector<std::string> scenario_override_keys();

// The scenario with every field written out, as compact JSON with a fixed
// key order: the same scenario always gives the same bytes.
std::string scenario_to_json(const Scenario& scenario);

}  // namespace loopscope::sim
