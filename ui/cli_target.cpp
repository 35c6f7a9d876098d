#include "ui/cli_target.hpp"

#include <filesystem>

#include "sim/scenario_loader.hpp"
#include "trace/jsonl.hpp"

namespace loopscope::ui {

std::string lesson_ids() {
    std::string ids;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) ids += (ids.empty() ? "" : ", ") + std::string(lesson.id);
    return ids;
}

std::string unknown_target(const std::string& name) {
    // A name that can only be a path gets the file's problem, not the lesson list.
    std::error_code ec;
    const std::filesystem::path path(name);
    const std::string ext = path.extension().string();
    if (std::filesystem::is_directory(path, ec))
        return name + ": is a folder; expected a built-in lesson, a scenario .json or a trace .jsonl";
    if (std::filesystem::exists(path, ec)) return name + ": not a regular file";
    if (name.find('/') != std::string::npos || ext == ".json" || ext == ".jsonl") return name + ": no such file";
    return "\"" + name + "\" is neither a built-in lesson nor a file; the lessons are: " + lesson_ids();
}

std::variant<Target, Failure> resolve_target(const std::string& name) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(name, ec))
        return Target{trace::looks_like_trace_file(name) ? Target::Type::trace : Target::Type::scenario, nullptr, name};
    if (const sim::Lesson* lesson = sim::find_lesson(name)) return Target{Target::Type::lesson, lesson, name};
    return Failure{exit_bad_input, unknown_target(name)};
}

std::variant<sim::Scenario, Failure> load_target_scenario(const Target& target,
                                                          const std::vector<std::string>& overrides) {
    auto loaded = target.type == Target::Type::lesson ? sim::load_lesson(*target.lesson, overrides)
                                                      : sim::load_scenario_file(target.path, overrides);
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) return Failure{exit_bad_input, error->text()};
    return std::get<sim::Scenario>(std::move(loaded));
}


}  // namespace loopscope::ui
