#include "real/tracer.hpp"

namespace loopscope::real {

namespace {
// Text handles pack an offset (high 40 bits) and a length (low 24 bits).
constexpr int text_length_bits = 24;
constexpr std::int64_t text_length_mask = (std::int64_t{1} << text_length_bits) - 1;
}  // namespace

Tracer::Tracer(std::uint8_t host, bool enabled, TracerLimits limits)
    : host_(host), enabled_(enabled), limits_(limits) {
    if (!enabled_) {
        limits_ = {0, 0, false};
        return;
    }
    // TraceRecord is trivial: the reserved bytes are its storage as they are.
    record_memory_ = ReservedMemory(limits_.records * sizeof(TraceRecord), limits_.commit_up_front);
    text_memory_ = ReservedMemory(limits_.text_bytes, limits_.commit_up_front);
    records_ = static_cast<TraceRecord*>(record_memory_.data());
    text_ = static_cast<char*>(text_memory_.data());
}

std::int64_t Tracer::text(std::string_view bytes) noexcept {
    if (!enabled_) return -1;
    if (bytes.size() > static_cast<std::size_t>(text_length_mask) ||
        limits_.text_bytes - text_used_ < bytes.size()) {
        ++dropped_;
        return -1;
    }
    std::memcpy(text_ + text_used_, bytes.data(), bytes.size());
    const std::int64_t handle = (static_cast<std::int64_t>(text_used_) << text_length_bits) |
                                static_cast<std::int64_t>(bytes.size());
    text_used_ += bytes.size();
    return handle;
}

std::string_view Tracer::text_of(std::int64_t handle) const noexcept {
    if (handle < 0 || text_ == nullptr) return {};
    const auto offset = static_cast<std::size_t>(handle >> text_length_bits);
    const auto length = static_cast<std::size_t>(handle & text_length_mask);
    if (offset + length > text_used_) return {};
    return {text_ + offset, length};
}

}  // namespace loopscope::real
