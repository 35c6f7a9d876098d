// The stepper's formatting helpers and the progress line.
#include <catch2/catch.hpp>

#include <sstream>

#include "ui/progress.hpp"
#include "ui/stepper.hpp"

using namespace loopscope;

TEST_CASE("step times are integer milliseconds with three decimals, seconds from 10 s", "[cli][step]") {
    CHECK(ui::format_step_time(0) == "0.000 ms");
    CHECK(ui::format_step_time(1'050'000) == "1.050 ms");
    CHECK(ui::format_step_time(1'050'999) == "1.050 ms");
    CHECK(ui::format_step_time(9'999'999'999) == "9999.999 ms");
    CHECK(ui::format_step_time(61'001'329'424) == "61.001 s");
    CHECK(ui::format_step_time(-2'000'000) == "-2.000 ms");
}

TEST_CASE("buffer bars show empty, partial and full buffers honestly", "[cli][step]") {
    CHECK(ui::buffer_bar(0, 16384) == "[..........]");
    CHECK(ui::buffer_bar(1, 16384) == "[#.........]");        // not empty: at least one cell
    CHECK(ui::buffer_bar(8192, 16384) == "[#####.....]");
    CHECK(ui::buffer_bar(16383, 16384) == "[#########.]");    // not full: one cell stays free
    CHECK(ui::buffer_bar(16384, 16384) == "[##########]");
    CHECK(ui::buffer_bar(65536, 16384) == "[##########]");    // user space may exceed the mark
    CHECK(ui::buffer_bar(5, 0) == "[..........]");
    CHECK(ui::buffer_bar(1, 4, 4) == "[#...]");
}

TEST_CASE("lesson text wraps at the width and keeps code lines as written", "[cli][step]") {
    const std::string text = "one two three four five six\n\n    const x = require(\"net\");   // code\nseven";
    const std::string wrapped = ui::wrap_text(text, 14, "> ");
    CHECK(wrapped == "> one two\n> three four\n> five six\n\n>     const x = require(\"net\");   // code\n> seven\n");
}

TEST_CASE("the progress line stays quiet for a second, then redraws in place", "[cli]") {
    using namespace std::chrono;
    steady_clock::time_point now{};
    std::ostringstream err;
    ui::ProgressLine progress(err, "simulating t", [&] { return now; });
    progress.update(1'000'000'000, 10'000'000'000);
    now += milliseconds(999);
    progress.update(2'000'000'000, 10'000'000'000);
    CHECK(err.str().empty());
    CHECK_FALSE(progress.shown());

    now += milliseconds(1);
    progress.update(5'000'000'000, 10'000'000'000);
    CHECK(err.str().rfind("\rsimulating t: 50% (", 0) == 0);
    const std::size_t after_first = err.str().size();
    now += milliseconds(100);  // too soon to redraw
    progress.update(6'000'000'000, 10'000'000'000);
    CHECK(err.str().size() == after_first);
    now += milliseconds(100);
    progress.update(7'000'000'000, 10'000'000'000);
    CHECK(err.str().find("\rsimulating t: 70% (", after_first) == after_first);
    progress.finish();
    CHECK(err.str().back() == '\n');

    std::ostringstream quiet;
    ui::ProgressLine fast(quiet, "fast", [&] { return now; });
    fast.update(1, 2);
    fast.finish();
    CHECK(quiet.str().empty());
}
