// The real-mode commands: `loopscope real` runs a lesson on real sockets
// and writes the same trace format as `run`; `loopscope serve` runs one
// real server until Ctrl-C, for curl, a browser, nc or Node in class.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace loopscope::ui {

struct RealArgs {
    std::string target;
    std::string output;
    bool summary = false;
    std::string backend = "native";
    bool capture = false;
    bool no_trace = false;
    std::vector<std::string> overrides;
    std::string listen = "127.0.0.1";
    int port = 0;
    std::string time_limit;  // "5s", "800ms": a unit is required
};

struct ServeArgs {
    std::string program;
    int port = 3000;
    std::string trace;
    std::string listen = "127.0.0.1";
    std::string backend = "native";
};

void add_real_commands(CLI::App& app, RealArgs& real, ServeArgs& serve);
int command_real(const RealArgs& args, std::ostream& out, std::ostream& err);
int command_serve(const ServeArgs& args, std::ostream& out, std::ostream& err);

}  // namespace loopscope::ui
