// How numbers read in explanations, the stepper and the viewer: counts with
// thousands separators, bytes in the unit that reads best, durations from ns
// to s. Integer arithmetic only, so the same number always prints the same.
#include <string>
#include <utility>

#include "trace/explain.hpp"

namespace loopscope::trace {

std::string format_count(std::uint64_t n) {
    const std::string digits = std::to_string(n);
    std::string text;
    text.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
        text += digits[i];
    }
    return text;
}

namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = kib * 1024;
constexpr std::uint64_t gib = mib * 1024;

std::string with_commas(std::uint64_t n) { return format_count(n); }

// `value / unit` with one decimal, rounded, without a trailing ".0".
std::string one_decimal(std::uint64_t value, std::uint64_t unit) {
    const std::uint64_t tenths = (value * 10 + unit / 2) / unit;
    std::string text = with_commas(tenths / 10);
    if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
    return text;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
    if (bytes == 1) return "1 byte";
    if (bytes < kib) return std::to_string(bytes) + " bytes";
    // Exact binary sizes read best in their unit ("64 KiB", "1.5 MiB");
    // below a MiB, other sizes stay exact, as a byte count ("1,460 bytes").
    for (const auto& [unit, name] : {std::pair{gib, " GiB"}, std::pair{mib, " MiB"}}) {
        if (bytes >= unit) return one_decimal(bytes, unit) + name;
    }
    if ((bytes * 10) % kib == 0) return one_decimal(bytes, kib) + " KiB";
    return with_commas(bytes) + " bytes";
}

std::string format_nanos(Nanos ns) {
    if (ns == -1) return "forever";
    if (ns < 0) return "-" + format_nanos(-ns);
    const auto n = static_cast<std::uint64_t>(ns);
    if (n < 1000) return std::to_string(n) + " ns";
    if (n < 1000 * 1000) return one_decimal(n, 1000) + " µs";
    if (n < 1000 * 1000 * 1000) return one_decimal(n, 1000 * 1000) + " ms";
    return one_decimal(n, 1000 * 1000 * 1000) + " s";
}

}  // namespace loopscope::trace
