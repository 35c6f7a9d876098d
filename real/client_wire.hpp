// What passes between a run and its client process (real/client_process.hpp):
// the request the parent writes to the child's stdin (JSON: the scenario,
// where to connect, the child's options), and the report the child writes
// back on descriptor 3 (a fixed header of plain integers, the run notes,
// then its tracer's records with each text field carried as its bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "real/client_process.hpp"
#include "real/programs.hpp"
#include "real/tracer.hpp"
#include "sim/scenario.hpp"

namespace loopscope::real {

// What the child sends first: fixed size, plain integers.
struct WireHeader {
    std::uint32_t magic = 0x4c534350;  // "LSCP"
    std::uint32_t version = 2;
    ClientTotals totals;  // plain integers too
    std::uint64_t clients_done = 0;
    std::uint64_t error_bytes = 0;  // a child-side exception's message follows
    std::uint64_t note_count = 0;
    std::uint64_t record_count = 0;
    std::uint64_t dropped = 0;
};
static_assert(std::is_trivially_copyable_v<WireHeader> && std::is_trivially_copyable_v<ClientTotals>);
static_assert(std::is_trivially_copyable_v<TraceRecord>);

inline constexpr std::uint32_t max_note_bytes = 4096;
inline constexpr std::uint64_t max_notes = 256;
// The report's descriptor in the child.
inline constexpr int child_report_fd = 3;
// The argument that makes a program the client child (client_child.hpp).
inline constexpr std::string_view client_child_flag = "--loopscope-client-child";

bool write_all(int fd, const void* data, std::size_t size);
// A length (uint32) and the bytes.
bool write_text(int fd, std::string_view text);

struct ChildRequest {
    sim::Scenario scenario;
    std::string host;
    std::uint16_t port = 0;
    ChildOptions options;
};

std::string encode_child_request(const sim::Scenario& scenario, const std::string& host, std::uint16_t port,
                                 const ChildOptions& options);
// The request, or what is wrong with it, one sentence.
std::variant<ChildRequest, std::string> decode_child_request(std::string_view json);

}  // namespace loopscope::real
