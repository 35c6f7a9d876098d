// The built-in lessons: all of them load, in chapter order, with captions a
// beginner can follow, and every caption shows up in the simulated trace.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include "sim/lessons.hpp"
#include "sim/scenario_loader.hpp"
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
    CHECK(ids == std::vector<std::string>{"request-flow", "os-notifiers", "tcp-echo", "thread-per-connection", "http-hello", "stream-file", "ten-thousand", "keep-alive", "chunks", "backpressure", "https", "lifecycle", "blocking"});
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
    SECTION("stream-file: 160 chunks of 64 KiB, each write false, one chunk held, 5 MiB at the 80th resume") {
        const trace::Trace t = run("stream-file");
        const auto writes = events_of(t, trace::Kind::js_res_write);
        REQUIRE(writes.size() == 160);
        CHECK(t.arg(t[writes.front()], "writable_length") == 65701);
        for (std::size_t i : writes) CHECK(t.arg(t[i], "returned") == 0);
        const auto reads = events_of(t, trace::Kind::js_file_read);
        REQUIRE(reads.size() == 161);
        CHECK(t.arg(t[reads[1]], "readable_length") == 65536);
        CHECK(t.arg(t[reads.back()], "bytes") == 0);
        const auto resumes = events_of(t, trace::Kind::js_pipe_resume);
        REQUIRE(resumes.size() >= 80);
        CHECK(t.arg(t[resumes[79]], "piped") == 5 << 20);
        CHECK(t.arg(t[resumes[79]], "readable_length") == 65536);
        const auto end = events_of(t, trace::Kind::http_response_end);
        REQUIRE(end.size() == 1);
        CHECK(t.arg(t[end[0]], "body") == 10 << 20);
    }
    SECTION("blocking: the heartbeat runs 191 ms late, three connections queue, the next beat is on time") {
        const trace::Trace t = run("blocking");
        const auto timers = events_of(t, trace::Kind::js_timer);
        REQUIRE(timers.size() >= 2);
        CHECK(t.arg(t[timers[0]], "late") / 1'000'000 == 191);
        CHECK(t.arg(t[timers[1]], "late") == 0);
        std::int64_t queued = 0;
        for (std::size_t i : events_of(t, trace::Kind::kernel_accept_queue)) queued = std::max(queued, t.arg(t[i], "len"));
        CHECK(queued == 3);
        const auto requests = events_of(t, trace::Kind::js_request);
        REQUIRE(requests.size() == 4);
        // Client 2 sent its GET at 51 ms and is heard at about 201 ms.
        CHECK((t[requests[1]].time - 51'000'000) / 1'000'000 == 150);
    }
    SECTION("lifecycle: 11 TCP state changes, the last one TIME_WAIT -> CLOSED") {
        const trace::Trace t = run("lifecycle");
        const auto states = events_of(t, trace::Kind::kernel_tcp_state);
        REQUIRE(states.size() == 11);
        CHECK(t.arg(t[states.back()], "prev") == static_cast<std::int64_t>(trace::TcpState::time_wait));
        CHECK(t.arg(t[states.back()], "state") == static_cast<std::int64_t>(trace::TcpState::closed));
    }
}

TEST_CASE("every lesson survives scenario_to_json and back unchanged", "[lessons]") {
    // Real mode's client process gets its scenario this way
    // (real/client_wire.hpp), so a field the writer forgets or the reader
    // reads back differently would change what the clients do.
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        INFO(lesson.id);
        const sim::Scenario scenario = load(lesson, {"clients.count=7", "server.send_buffer=8192"});
        const std::string json = sim::scenario_to_json(scenario);
        auto again = sim::load_scenario_text(json, "round-trip.json");
        if (auto* error = std::get_if<sim::ScenarioError>(&again)) FAIL(error->text());
        const sim::Scenario& copy = std::get<sim::Scenario>(again);
        CHECK(sim::scenario_to_json(copy) == json);
        CHECK(copy.clients.count == 7);
        CHECK(copy.server.send_buffer == 8192);
        CHECK(copy.captions.size() == scenario.captions.size());
    }
}
