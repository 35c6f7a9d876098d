#include <csignal>

#include "real/client_child.hpp"
#include "ui/cli.hpp"

int main(int argc, char** argv) {
    // `loopscope step x --all | head`: a closed pipe is a failed write (exit
    // 1, as docs/cli.md says), not death by SIGPIPE (141).
    std::signal(SIGPIPE, SIG_IGN);
    // A real run's client process is this program started again.
    if (const auto status = loopscope::real::run_client_child_if_asked(argc, argv)) return *status;
    return loopscope::ui::run_cli(argc, argv);
}
