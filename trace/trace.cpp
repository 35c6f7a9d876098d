#include "trace/trace.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace loopscope::trace {

std::int64_t Trace::arg(const Event& e, std::string_view field) const {
    const int index = field_index(e.kind, field);
    return index < 0 ? 0 : arg(e, index);
}

std::string_view Trace::text(std::int64_t index) const {
    if (index < 0 || static_cast<std::size_t>(index) >= strings_.size()) return {};
    return strings_[static_cast<std::size_t>(index)];
}

std::uint32_t Trace::append(Nanos time, Kind kind, std::uint8_t host, std::int32_t conn,
                            std::uint32_t cause, std::span<const std::int64_t> values) {
    const auto expected = kind_spec(kind).fields.size();
    if (values.size() != expected)
        throw std::logic_error("event " + std::string(kind_spec(kind).name) + " needs " +
                               std::to_string(expected) + " fields, got " + std::to_string(values.size()));
    const auto index = static_cast<std::uint32_t>(events_.size());
    Event e;
    e.time = time;
    e.cause = cause;
    e.kind = kind;
    e.host = host;
    e.conn = conn;
    e.first_arg = static_cast<std::uint32_t>(args_.size());
    args_.insert(args_.end(), values.begin(), values.end());
    events_.push_back(e);
    if (!ids_.empty()) ids_.push_back(index);
    return index;
}

void Trace::set_last_id(std::uint32_t id) {
    const auto index = static_cast<std::uint32_t>(events_.size() - 1);
    if (ids_.empty()) {
        if (id == index) return;
        ids_.reserve(events_.capacity());
        for (std::uint32_t i = 0; i < index; ++i) ids_.push_back(i);
        ids_.push_back(id);
        return;
    }
    ids_.back() = id;
}

std::uint32_t Trace::intern(std::string_view text) {
    const std::string key(text);
    const auto found = string_index_.find(key);
    if (found != string_index_.end()) return found->second;
    const auto index = static_cast<std::uint32_t>(strings_.size());
    strings_.push_back(key);
    string_index_.emplace(key, index);
    return index;
}

std::optional<std::uint32_t> Trace::index_of_id(std::uint32_t id) const {
    if (ids_.empty()) {
        if (id < events_.size()) return id;
        return std::nullopt;
    }
    const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it == ids_.end() || *it != id) return std::nullopt;
    return static_cast<std::uint32_t>(it - ids_.begin());
}

std::size_t Trace::memory_bytes() const {
    std::size_t bytes = events_.capacity() * sizeof(Event) + args_.capacity() * sizeof(std::int64_t) +
                        ids_.capacity() * sizeof(std::uint32_t);
    for (const auto& s : strings_) bytes += sizeof(std::string) + s.capacity();
    bytes += string_index_.size() * (sizeof(std::string) + sizeof(std::uint32_t) + 2 * sizeof(void*));
    return bytes;
}

namespace {

// Large traces are written once, front to back. On Linux, asking for
// transparent huge pages turns ~500 page faults per megabyte into one, which
// is most of the cost of recording on a virtual machine.
void prefer_huge_pages(void* data, std::size_t bytes) {
#if defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = 2u << 20;
    if (bytes < 2 * huge) return;
    const auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace

void Trace::reserve(std::size_t events, std::size_t fields) {
    events_.reserve(events);
    args_.reserve(fields);
    prefer_huge_pages(events_.data(), events_.capacity() * sizeof(Event));
    prefer_huge_pages(args_.data(), args_.capacity() * sizeof(std::int64_t));
}

}  // namespace loopscope::trace
