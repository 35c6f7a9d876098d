// The built-in lessons: all five load, in chapter order, with captions a
// beginner can follow, and every caption shows up in the simulated trace.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <variant>

#include "sim/lessons.hpp"
#include "sim/simulate.hpp"

using namespace loopscope;

namespace {

sim::Scenario load(const sim::Lesson& lesson, const std::vector<std::string>& overrides = {}) {
    auto result = sim::load_lesson(lesson, overrides);
    if (auto* error = std::get_if<sim::ScenarioError>(&result)) FAIL(error->text());
    return std::get<sim::Scenario>(std::move(result));
}

}  // namespace

TEST_CASE("the built-in lessons come in chapter order, request-flow first", "[lessons]") {
    std::vector<std::string> ids;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) ids.emplace_back(lesson.id);
    CHECK(ids == std::vector<std::string>{"request-flow", "tcp-echo", "http-hello", "keep-alive", "chunks", "backpressure", "lifecycle",
                                          "os-notifiers"});
    CHECK(sim::default_lesson_id == ids.front());
    REQUIRE(sim::find_lesson(sim::default_lesson_id) != nullptr);
    CHECK(sim::find_lesson("no-such-lesson") == nullptr);
}

TEST_CASE("each built-in lesson is a valid scenario with a lesson text and 8 to 15 captions per OS", "[lessons]") {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        CAPTURE(lesson.id);
        const sim::Scenario s = load(lesson);
        CHECK(s.id == lesson.id);
        CHECK(std::string(lesson.file_name) == std::string(lesson.id) + ".json");
        CHECK_FALSE(s.title.empty());
        CHECK_FALSE(s.chapter.empty());
        CHECK(s.lesson.size() > 200);
        for (const char* os : {"linux", "macos", "windows"}) {
            std::size_t shown = 0;
            for (const sim::Caption& c : s.captions) shown += c.os.empty() || c.os == os ? 1 : 0;
            CAPTURE(os);
            if (std::string(os) == sim::os_name(s.os)) {
                CHECK(shown >= 8);
                CHECK(shown <= 15);
            }
        }
    }
}

// Runs every lesson on every OS its captions mention, and checks that each
// caption meant for that OS appears as a note.caption with its text.
TEST_CASE("every caption of every lesson appears in its simulated trace", "[lessons][sim]") {
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        const sim::Scenario base = load(lesson);
        std::set<std::string> oses{std::string(sim::os_name(base.os))};
        for (const sim::Caption& c : base.captions)
            if (!c.os.empty()) oses.insert(c.os);
        for (const std::string& os : oses) {
            CAPTURE(lesson.id, os);
            const sim::Scenario s = load(lesson, {"os=" + os});
            const trace::Trace t = sim::simulate(s);
            std::multiset<std::string> shown;
            for (const trace::Event& e : t.events())
                if (e.kind == trace::Kind::note_caption) shown.insert(std::string(t.text(t.arg(e, "text"))));
            for (const sim::Caption& c : s.captions) {
                if (!c.os.empty() && c.os != os) continue;
                CAPTURE(c.kind, c.nth, c.text);
                CHECK(shown.count(c.text) == 1);
            }
        }
    }
}

TEST_CASE("the lessons teach what their captions claim", "[lessons][sim]") {
    const auto run = [](std::string_view id) { return sim::simulate(load(*sim::find_lesson(id))); };
    const auto events_of = [](const trace::Trace& t, trace::Kind kind) {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t[i].kind == kind) out.push_back(i);
        return out;
    };
    SECTION("chunks: 1 MiB arrives as 'data' chunks of different sizes, none above 64 KiB") {
        const trace::Trace t = run("chunks");
        const auto data = events_of(t, trace::Kind::js_data);
        REQUIRE(data.size() > 8);
        std::int64_t total = 0;
        std::set<std::int64_t> sizes;
        for (std::size_t i : data) {
            total += t.arg(t[i], "bytes");
            sizes.insert(t.arg(t[i], "bytes"));
            CHECK(t.arg(t[i], "bytes") <= 65536);
        }
        CHECK(total == 1 << 20);
        CHECK(sizes.size() > 2);
    }
    SECTION("backpressure: the first write() returns false and 'drain' follows") {
        const trace::Trace t = run("backpressure");
        const auto writes = events_of(t, trace::Kind::js_write);
        REQUIRE_FALSE(writes.empty());
        CHECK(t.arg(t[writes.front()], "returned") == 0);
        CHECK_FALSE(events_of(t, trace::Kind::js_drain).empty());
        CHECK_FALSE(events_of(t, trace::Kind::kernel_zero_window).empty());
        CHECK_FALSE(events_of(t, trace::Kind::kernel_window_update).empty());
    }
    SECTION("lifecycle: 11 TCP state changes, the last one TIME_WAIT -> CLOSED") {
        const trace::Trace t = run("lifecycle");
        const auto states = events_of(t, trace::Kind::kernel_tcp_state);
        REQUIRE(states.size() == 11);
        CHECK(t.arg(t[states.back()], "prev") == static_cast<std::int64_t>(trace::TcpState::time_wait));
        CHECK(t.arg(t[states.back()], "state") == static_cast<std::int64_t>(trace::TcpState::closed));
    }
}
