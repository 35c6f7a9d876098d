// What the [node] tests share: run a tests/node/*.js script with the real
// `node` and parse the one JSON object it prints. Without node on the PATH
// the test says so (Catch2 v2 has no SKIP) and compares nothing.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "node_runner.hpp"

namespace loopscope::test {

// Every script exits by itself within a few seconds; this is the backstop.
inline constexpr std::chrono::milliseconds node_script_timeout{20'000};

inline std::optional<nlohmann::json> node_result(const std::string& script, const std::vector<std::string>& args = {}) {
    const auto node = find_on_path("node");
    if (!node) {
        WARN("`node` is not on the PATH: skipping the comparison with real Node (tests/node/" << script << ")");
        return std::nullopt;
    }
    std::vector<std::string> argv{std::string(LOOPSCOPE_NODE_SCRIPTS) + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    const ScriptRun run = run_script(*node, argv, node_script_timeout);
    INFO(*node << " " << script << " printed:\n" << run.out << "\nstderr:\n" << run.err);
    REQUIRE_FALSE(run.timed_out);
    REQUIRE(run.exit_code == 0);
    auto parsed = nlohmann::json::parse(run.out, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    REQUIRE(parsed.is_object());
    return parsed;
}

}  // namespace loopscope::test
