// The registry of real client programs: scenario `clients.program` → the
// program that drives real connections. One row per program.
#include <stdexcept>
#include <string_view>

#include "real/client_echo.hpp"
#include "real/programs.hpp"

namespace loopscope::real {

namespace {

using MakeClient = std::unique_ptr<ClientProgram> (*)(Loop&, const sim::Scenario&, RunNotes&);

struct ClientRow {
    std::string_view program;
    MakeClient make;
};

constexpr ClientRow client_rows[] = {
    {"echo", make_echo_client},
};

}  // namespace

std::unique_ptr<ClientProgram> make_client_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    for (const ClientRow& row : client_rows)
        if (row.program == scenario.clients.program) return row.make(loop, scenario, notes);
    std::string known;
    for (const ClientRow& row : client_rows) known += (known.empty() ? "" : ", ") + std::string(row.program);
    throw std::invalid_argument("clients.program \"" + scenario.clients.program +
                                "\" has no real form yet (real mode has: " + known + ")");
}

}  // namespace loopscope::real
