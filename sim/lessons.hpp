// The built-in lessons: scenarios/*.json compiled into the program (see
// sim/CMakeLists.txt), in the chapter order of scenarios/lessons.txt.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario_loader.hpp"

namespace loopscope::sim {

struct Lesson {
    std::string_view id;         // "tcp-echo"
    std::string_view file_name;  // "tcp-echo.json", used in error messages
    std::string_view text;       // the scenario file's JSON
};

// The lesson `loopscope` opens when given no arguments: the chapter's
// first story, one request end to end. This is the one place to change.
inline constexpr std::string_view default_lesson_id = "request-flow";

// Every built-in lesson, in chapter order.
std::span<const Lesson> builtin_lessons();

// The lesson with this id, or nullptr.
const Lesson* find_lesson(std::string_view id);

// Loads a built-in lesson's scenario, with --set overrides.
std::variant<Scenario, ScenarioError> load_lesson(const Lesson& lesson,
                                                  const std::vector<std::string>& overrides = {});

}  // namespace loopscope::sim
