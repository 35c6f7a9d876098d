// The [node] tests' runner: a script that hangs is killed at its deadline,
// and what a script prints and its exit code come back intact.
#include <catch2/catch.hpp>
#include <chrono>

#include "node_runner.hpp"

using namespace loopscope;
using namespace std::chrono_literals;

TEST_CASE("a script that does not exit is killed at its deadline", "[node][runner]") {
    const auto sh = test::find_on_path("sh");
    REQUIRE(sh);
    const auto started = std::chrono::steady_clock::now();
    const auto run = test::run_script(*sh, {"-c", "echo started; exec sleep 30"}, 300ms);
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(run.timed_out);
    CHECK(run.exit_code == -1);  // killed by SIGKILL
    CHECK(run.out == "started\n");
    CHECK(took < 10s);
}

TEST_CASE("a script's output, errors and exit code come back", "[node][runner]") {
    const auto sh = test::find_on_path("sh");
    REQUIRE(sh);
    const auto run = test::run_script(*sh, {"-c", "printf '{\"a\":1}'; echo oops >&2; exit 3"}, 10s);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 3);
    CHECK(run.out == "{\"a\":1}");
    CHECK(run.err == "oops\n");
    CHECK_FALSE(test::find_on_path("loopscope-no-such-program"));
}
