// Catch2's main, in its own file so the test files compile in parallel.
// The tests that run clients in a child process start this binary again
// (real/client_child.hpp), so main() answers that call before Catch2 runs.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "real/client_child.hpp"

int main(int argc, char** argv) {
    if (const auto status = loopscope::real::run_client_child_if_asked(argc, argv)) return *status;
    return Catch::Session().run(argc, argv);
}
