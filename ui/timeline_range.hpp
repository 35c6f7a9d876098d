// Minimum and maximum over any index range of a fixed array in O(log n): a
// segment tree padded to a power of two. The timeline uses it for level
// plots (min/max of a buffer level over the time a pixel covers) and for
// span rows (the latest end among items, to find spans reaching into view).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace loopscope::ui {

class RangeExtremes {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    RangeExtremes() = default;
    // `with_min` false keeps only maxima (half the memory) for callers that
    // never ask for a minimum.
    explicit RangeExtremes(std::span<const std::int64_t> values, bool with_min = true);

    std::size_t size() const { return size_; }
    // Min and max of values[first, last); first < last <= size().
    std::pair<std::int64_t, std::int64_t> min_max(std::size_t first, std::size_t last) const;
    std::int64_t max(std::size_t first, std::size_t last) const;
    // The first / last index in [first, last) whose value is >= threshold,
    // or npos. Costs O(log n) per call.
    std::size_t first_at_least(std::size_t first, std::size_t last, std::int64_t threshold) const;
    std::size_t last_at_least(std::size_t first, std::size_t last, std::int64_t threshold) const;

    std::size_t memory_bytes() const { return (min_.capacity() + max_.capacity()) * sizeof(std::int64_t); }

private:
    std::size_t size_ = 0;
    std::size_t leaves_ = 0;  // power of two >= size_
    std::vector<std::int64_t> min_;  // empty when built without minima
    std::vector<std::int64_t> max_;
};

}  // namespace loopscope::ui
