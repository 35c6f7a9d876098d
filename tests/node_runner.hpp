// Runs one of the tests/node/*.js scripts with the real `node` and hands back
// what it printed, so a test can compare Node with the simulator. The script
// is killed if it does not exit in time: a hung comparison fails, it does
// not hang the suite.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace loopscope::test {

// The first executable called `name` in a directory of $PATH.
std::optional<std::string> find_on_path(const std::string& name);

struct ScriptRun {
    std::string out;
    std::string err;
    int exit_code = -1;      // -1 when killed by a signal
    bool timed_out = false;  // we killed it
};

ScriptRun run_script(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout);

}  // namespace loopscope::test
