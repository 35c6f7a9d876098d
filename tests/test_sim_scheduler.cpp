// The scheduler against a reference model: a plain vector sorted by
// (time, sequence), as OMNeT++ tests its event heap.
#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scheduler.hpp"

using loopscope::sim::Action;
using loopscope::sim::ActionType;
using loopscope::sim::Rng;
using loopscope::sim::Scheduler;

TEST_CASE("scheduler pops in (time, insertion) order like a sorted vector", "[sim][scheduler]") {
    const auto seed = GENERATE(1u, 2u, 3u, 42u);
    Rng rng(seed);
    Scheduler scheduler;
    std::vector<Action> model;  // kept sorted by (at, seq)
    std::vector<std::uint64_t> cancelled;
    for (int round = 0; round < 4000; ++round) {
        const auto choice = rng.next() % 10;
        if (choice < 6) {
            // Few distinct times, so ties are common and order matters.
            const auto at = static_cast<loopscope::trace::Nanos>(rng.next() % 50);
            const auto target = static_cast<std::uint32_t>(round);
            const auto seq = scheduler.insert(at, ActionType::loop_step, target);
            model.push_back(Action{at, seq, ActionType::loop_step, target, 0});
        } else if (choice < 7 && !model.empty()) {
            const auto& victim = model[rng.next() % model.size()];
            scheduler.cancel(victim.seq);
            cancelled.push_back(victim.seq);
            model.erase(std::find_if(model.begin(), model.end(), [&](const Action& a) { return a.seq == victim.seq; }));
        } else {
            std::sort(model.begin(), model.end(),
                      [](const Action& a, const Action& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });
            Action got;
            const bool popped = scheduler.pop(got);
            REQUIRE(popped == !model.empty());
            if (!popped) continue;
            REQUIRE(got.at == model.front().at);
            REQUIRE(got.seq == model.front().seq);
            REQUIRE(got.target == model.front().target);
            model.erase(model.begin());
        }
    }
    // Drain: what is left comes out in model order, cancelled ones never.
    std::sort(model.begin(), model.end(),
              [](const Action& a, const Action& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });
    for (const Action& expected : model) {
        Action got;
        REQUIRE(scheduler.pop(got));
        REQUIRE(got.seq == expected.seq);
        REQUIRE(std::find(cancelled.begin(), cancelled.end(), got.seq) == cancelled.end());
    }
    Action none;
    REQUIRE_FALSE(scheduler.pop(none));
}

TEST_CASE("actions at the same time run in the order they were scheduled", "[sim][scheduler]") {
    Scheduler scheduler;
    for (std::uint32_t i = 0; i < 100; ++i) scheduler.insert(7, ActionType::client_wake, i);
    Action a;
    for (std::uint32_t i = 0; i < 100; ++i) {
        REQUIRE(scheduler.pop(a));
        REQUIRE(a.target == i);
    }
}

TEST_CASE("the RNG draws the same numbers for the same seed", "[sim][rng]") {
    Rng a(7), b(7), c(8);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next();
        REQUIRE(x == b.next());
        differs = differs || x != c.next();
    }
    REQUIRE(differs);
    Rng chance(3);
    int hits = 0;
    for (int i = 0; i < 10000; ++i) hits += chance.chance(0.25) ? 1 : 0;
    REQUIRE(hits > 2300);
    REQUIRE(hits < 2700);
}
