// The scenario format's field table: one row per scalar field, with where
// its value lives in a Scenario, its range or choices, and its text rule.
// The loader (scenario_loader.cpp) validates every member against it; the
// order of the rows is the order of docs/scenario-format.md and of the
// trace header's copy of the scenario.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario.hpp"

namespace loopscope::sim::scenario_fields {

using FieldRef = std::variant<std::string*, std::uint64_t*, std::uint32_t*, std::int64_t*, double*, bool*, Os*>;

enum class TextRule : std::uint8_t { any, non_empty, identifier };

// The operating systems a scenario (and a caption) may name.
inline constexpr std::string_view os_choices[] = {"linux", "macos", "windows"};

struct FieldRule {
    std::string_view path;            // dotted: "clients.count"
    FieldRef (*field)(Scenario&);     // where the value lives
    std::int64_t min = 0;             // integer and real fields
    std::int64_t max = 0;
    std::span<const std::string_view> choices = {};  // text fields with a fixed set
    TextRule text_rule = TextRule::any;
};

const std::vector<FieldRule>& field_rules();
const FieldRule* find_rule(std::string_view path);

}  // namespace loopscope::sim::scenario_fields
