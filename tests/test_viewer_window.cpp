// The real window, under a virtual X server: these [xvfb] tests run as one
// CTest test through xvfb-run (tests/CMakeLists.txt). Each opens the viewer
// through the binary, as a user or a docs script would, and looks at the
// PNG it wrote.
#include <catch2/catch.hpp>

#include <stb/stb_image.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "sim/lessons.hpp"

using namespace loopscope;
namespace fs = std::filesystem;

namespace {

struct Image {
    int width = 0, height = 0;
    std::vector<unsigned char> rgba;
};

Image load_png(const fs::path& path) {
    Image image;
    int channels = 0;
    unsigned char* data = stbi_load(path.string().c_str(), &image.width, &image.height, &channels, 4);
    REQUIRE(data != nullptr);
    image.rgba.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 4);
    stbi_image_free(data);
    return image;
}

std::size_t distinct_colours(const Image& image) {
    std::set<std::uint32_t> colours;
    for (std::size_t i = 0; i + 3 < image.rgba.size(); i += 4)
        colours.insert(static_cast<std::uint32_t>(image.rgba[i]) << 16 | static_cast<std::uint32_t>(image.rgba[i + 1]) << 8 |
                       image.rgba[i + 2]);
    return colours.size();
}

std::size_t differing_pixels(const Image& a, const Image& b) {
    REQUIRE(a.rgba.size() == b.rgba.size());
    std::size_t n = 0;
    for (std::size_t i = 0; i + 3 < a.rgba.size(); i += 4)
        n += a.rgba[i] != b.rgba[i] || a.rgba[i + 1] != b.rgba[i + 1] || a.rgba[i + 2] != b.rgba[i + 2];
    return n;
}

struct Run {
    int code = -1;
    std::string output;
};

Run run(const std::string& arguments) {
    const std::string command = std::string("timeout 120 ") + LOOPSCOPE_BINARY + " " + arguments + " </dev/null 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    Run result;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

struct ScratchDir {
    fs::path path = fs::temp_directory_path() / ("loopscope-view-" + std::to_string(::getpid()));
    ScratchDir() { fs::create_directories(path); }
    ~ScratchDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("every lesson opens in a window and its screenshots show what changed", "[xvfb]") {
    REQUIRE(std::getenv("DISPLAY") != nullptr);
    ScratchDir dir;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        const std::string id(lesson.id);
        CAPTURE(id);
        std::vector<Image> shots;
        for (const char* at : {"first", "middle", "last"}) {
            CAPTURE(at);
            const fs::path png = dir.path / (id + "-" + at + ".png");
            const Run r = run("view " + id + " --screenshot " + png.string() + " --at " + at + " --size 1280x720");
            REQUIRE(r.code == 0);
            REQUIRE(fs::exists(png));
            shots.push_back(load_png(png));
            CHECK(shots.back().width == 1280);
            CHECK(shots.back().height == 720);
            // Text, lanes, gauges: a blank or half-drawn window has a handful.
            CHECK(distinct_colours(shots.back()) > 200);
        }
        // The cursor, the explanation and the inspector move with the step.
        CHECK(differing_pixels(shots[0], shots[1]) > 2000);
        CHECK(differing_pixels(shots[1], shots[2]) > 2000);
    }
}

TEST_CASE("presenter mode, --at-time and compare mode render", "[xvfb]") {
    ScratchDir dir;
    const fs::path normal = dir.path / "normal.png", presenter = dir.path / "presenter.png", compare = dir.path / "compare.png";
    REQUIRE(run("view tcp-echo --screenshot " + normal.string() + " --at-time 1200us").code == 0);
    REQUIRE(run("view tcp-echo --screenshot " + presenter.string() + " --at-time 1200us --presenter --scale 2").code == 0);
    REQUIRE(run("view tcp-echo --compare os-notifiers --screenshot " + compare.string() + " --at middle").code == 0);
    const Image a = load_png(normal), b = load_png(presenter), c = load_png(compare);
    // The presenter theme is light: most of the window is bright.
    auto mean_brightness = [](const Image& image) {
        double sum = 0;
        for (std::size_t i = 0; i + 3 < image.rgba.size(); i += 4) sum += image.rgba[i] + image.rgba[i + 1] + image.rgba[i + 2];
        return sum / (static_cast<double>(image.rgba.size()) / 4.0 * 3.0);
    };
    CHECK(mean_brightness(b) > 150.0);
    CHECK(mean_brightness(a) < 100.0);
    CHECK(distinct_colours(c) > 200);
    CHECK(differing_pixels(a, c) > 10000);
}

TEST_CASE("a screenshot with a bad step or target fails clearly and writes nothing", "[xvfb]") {
    ScratchDir dir;
    const fs::path png = dir.path / "x.png";
    const Run bad_step = run("view tcp-echo --screenshot " + png.string() + " --at 999999999");
    CHECK(bad_step.code == 2);
    CHECK(bad_step.output.find("--at 999999999") != std::string::npos);
    const Run bad_target = run("view no-such-lesson --screenshot " + png.string());
    CHECK(bad_target.code == 2);
    CHECK(bad_target.output.find("neither a built-in lesson nor a file") != std::string::npos);
    const Run bad_size = run("view tcp-echo --screenshot " + png.string() + " --size 12x");
    CHECK(bad_size.code == 2);
    // A scenario that fails only once the viewer loads it (on its worker
    // thread): the error still names file, line and field.
    const fs::path scenario = dir.path / "bad.json";
    { std::ofstream(scenario) << "{\"id\": \"x\",\n \"clients\": {\"count\": \"abc\"}}\n"; }
    const Run bad_compare = run("view tcp-echo --compare " + scenario.string() + " --screenshot " + png.string());
    CHECK(bad_compare.code == 2);
    CHECK(bad_compare.output.find("bad.json:2:") != std::string::npos);
    CHECK(bad_compare.output.find("clients.count") != std::string::npos);
    fs::remove(scenario);
    CHECK(fs::is_empty(dir.path));
}

TEST_CASE("a real trace of tcp-echo opens in the viewer, side by side with the simulated one", "[xvfb]") {
    ScratchDir dir;
    const fs::path trace = dir.path / "real-echo.jsonl", png = dir.path / "real.png", both = dir.path / "both.png";
    REQUIRE(run("real tcp-echo -o " + trace.string()).code == 0);
    const Run shot = run("view " + trace.string() + " --screenshot " + png.string() + " --at middle --size 1280x720");
    INFO(shot.output);
    REQUIRE(shot.code == 0);
    CHECK(distinct_colours(load_png(png)) > 200);
    REQUIRE(run("view tcp-echo --compare " + trace.string() + " --screenshot " + both.string() + " --at middle").code == 0);
    CHECK(distinct_colours(load_png(both)) > 200);
}
