// What a command line argument names (a built-in lesson, a scenario file or
// a trace file) and loading its scenario: shared by the commands in
// ui/cli.cpp and the real-mode commands in ui/cli_real.cpp.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "sim/lessons.hpp"
#include "sim/scenario.hpp"
#include "ui/cli.hpp"

namespace loopscope::ui {

// A command's failure: the message for the error stream and the exit code.
struct Failure {
    int code = exit_bad_input;
    std::string message;
};

struct Target {
    enum class Type { lesson, scenario, trace } type = Type::lesson;
    const sim::Lesson* lesson = nullptr;
    std::string path;
};

std::string lesson_ids();
std::variant<Target, Failure> resolve_target(const std::string& name);
// Why `name` names nothing to open: "x.json: no such file" for what can only
// be a path, else the list of built-in lessons.
std::string unknown_target(const std::string& name);
std::variant<sim::Scenario, Failure> load_target_scenario(const Target& target, const std::vector<std::string>& overrides);

}  // namespace loopscope::ui
