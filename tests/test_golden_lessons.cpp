// Golden traces: each built-in lesson's trace is hashed and the hash is kept
// in tests/data/golden_hashes.txt. A change in behaviour changes a hash, and
// must be made knowingly: rerun with LOOPSCOPE_UPDATE_GOLDEN=1 to rewrite the
// file, then say why in the commit. The same file is checked by the Release
// and the sanitizer builds, so every build type must agree byte for byte.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"
#include "trace/jsonl.hpp"

using namespace loopscope;

namespace {

const std::string golden_path = std::string(LOOPSCOPE_TEST_DATA) + "/golden_hashes.txt";

std::uint64_t fnv1a(const std::string& bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string lesson_trace_text(const sim::Lesson& lesson) {
    auto loaded = sim::load_lesson(lesson);
    REQUIRE(std::holds_alternative<sim::Scenario>(loaded));
    const auto trace = sim::simulate(std::get<sim::Scenario>(loaded));
    std::ostringstream out;
    trace::write_trace(out, trace);
    return out.str();
}

std::string hex(std::uint64_t v) {
    std::ostringstream out;
    out << std::hex << v;
    return out.str();
}

}  // namespace

TEST_CASE("every built-in lesson gives its recorded trace hash", "[golden][sim]") {
    std::map<std::string, std::string> recorded;
    {
        std::ifstream in(golden_path);
        std::string id, hash;
        while (in >> id >> hash) recorded[id] = hash;
    }
    std::map<std::string, std::string> actual;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        const std::string text = lesson_trace_text(lesson);
        // Twice in one process: nothing carries over between runs.
        REQUIRE(text == lesson_trace_text(lesson));
        actual[std::string(lesson.id)] = hex(fnv1a(text));
    }
    if (std::getenv("LOOPSCOPE_UPDATE_GOLDEN") != nullptr) {
        std::ofstream out(golden_path);
        for (const auto& [id, hash] : actual) out << id << ' ' << hash << '\n';
        WARN("rewrote " << golden_path);
        return;
    }
    for (const auto& [id, hash] : actual) {
        INFO("lesson " << id << ": trace hash " << hash << "; if the change is intended, rerun with "
                                                          "LOOPSCOPE_UPDATE_GOLDEN=1 and commit the new hashes");
        REQUIRE(recorded.count(id) == 1);
        REQUIRE(recorded[id] == hash);
    }
    REQUIRE(recorded.size() == actual.size());
}
