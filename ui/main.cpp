#include "real/client_child.hpp"
#include "ui/cli.hpp"

int main(int argc, char** argv) {
    // A real run's client process is this program started again.
    if (const auto status = loopscope::real::run_client_child_if_asked(argc, argv)) return *status;
    return loopscope::ui::run_cli(argc, argv);
}
