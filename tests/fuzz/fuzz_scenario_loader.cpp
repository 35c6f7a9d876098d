// libFuzzer target for the scenario loader (docs/scenario-format.md).
//
// The input is tried twice: as a whole scenario file, and as --set
// overrides (one per line) applied to a small valid scenario, so both the
// JSON path and the override path see hostile bytes. Any outcome is fine
// except a crash, a hang, a sanitizer report, or an error without a place.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario_loader.hpp"

namespace {

void require_located(const std::variant<loopscope::sim::Scenario, loopscope::sim::ScenarioError>& result) {
    const auto* error = std::get_if<loopscope::sim::ScenarioError>(&result);
    if (!error) return;
    // A file error always has a line and column; an override error never does.
    const bool from_override = error->file == "--set";
    if (error->message.empty() || (!from_override && (error->line == 0 || error->column == 0))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto whole = loopscope::sim::load_scenario_text(text, "fuzz.json");
    require_located(whole);
    // A scenario that loads must load again from its own source_json, to the same bytes.
    if (const auto* scenario = std::get_if<loopscope::sim::Scenario>(&whole)) {
        const auto again = loopscope::sim::load_scenario_text(scenario->source_json, "again.json");
        const auto* same = std::get_if<loopscope::sim::Scenario>(&again);
        if (!same || same->source_json != scenario->source_json) std::abort();
    }

    std::vector<std::string> overrides;
    std::size_t start = 0;
    while (start <= text.size() && overrides.size() < 8) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        overrides.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    require_located(loopscope::sim::load_scenario_text(R"({"id": "fuzz", "title": "Fuzz"})", "base.json", overrides));
    return 0;
}
