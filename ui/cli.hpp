// The loopscope command line (CLI11): list, run, step, check, and the viewer
// entry points added by later issues.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace loopscope::ui {

// Exit codes used by every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;    // runtime failure
inline constexpr int exit_bad_input = 2;  // bad usage or bad input

// For -o, --output and --trace: an empty name ("-o \"\"") is an error, not
// a request to write nothing.
inline std::string file_name_given(const std::string& name) {
    return name.empty() ? "expected a file name" : std::string();
}

int run_cli(int argc, char** argv);
// The same, with explicit streams, for tests. args excludes the program name.
int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace loopscope::ui
