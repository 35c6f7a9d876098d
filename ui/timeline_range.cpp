#include "ui/timeline_range.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <limits>

namespace loopscope::ui {
namespace {

constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();

}  // namespace

RangeExtremes::RangeExtremes(std::span<const std::int64_t> values, bool with_min) : size_(values.size()) {
    leaves_ = 1;
    while (leaves_ < size_) leaves_ *= 2;
    max_.assign(2 * leaves_, lowest);
    std::copy(values.begin(), values.end(), max_.begin() + static_cast<std::ptrdiff_t>(leaves_));
    for (std::size_t node = leaves_ - 1; node >= 1; --node) max_[node] = std::max(max_[2 * node], max_[2 * node + 1]);
    if (!with_min) return;
    min_.assign(2 * leaves_, highest);
    std::copy(values.begin(), values.end(), min_.begin() + static_cast<std::ptrdiff_t>(leaves_));
    for (std::size_t node = leaves_ - 1; node >= 1; --node) min_[node] = std::min(min_[2 * node], min_[2 * node + 1]);
}

std::pair<std::int64_t, std::int64_t> RangeExtremes::min_max(std::size_t first, std::size_t last) const {
    std::int64_t lo = highest, hi = lowest;
    // The classic bottom-up walk: climb from both ends towards the root,
    // taking a node whenever it lies wholly inside the range.
    for (std::size_t l = first + leaves_, r = last + leaves_; l < r; l /= 2, r /= 2) {
        if (l & 1) {
            hi = std::max(hi, max_[l]);
            if (!min_.empty()) lo = std::min(lo, min_[l]);
            ++l;
        }
        if (r & 1) {
            --r;
            hi = std::max(hi, max_[r]);
            if (!min_.empty()) lo = std::min(lo, min_[r]);
        }
    }
    return {lo, hi};
}

std::int64_t RangeExtremes::max(std::size_t first, std::size_t last) const { return min_max(first, last).second; }

std::size_t RangeExtremes::first_at_least(std::size_t first, std::size_t last, std::int64_t threshold) const {
    last = std::min(last, size_);
    if (first >= last) return npos;
    // Descend from the root, visiting left children first and pruning any
    // subtree outside the range or whose maximum is below the threshold.
    std::size_t node = 1, node_first = 0, node_size = leaves_;
    // (node, first index) of right halves still to try; the tree is at most
    // 64 levels deep, so a fixed array never overflows.
    std::array<std::pair<std::size_t, std::size_t>, 64> pending;
    std::size_t waiting = 0;
    while (true) {
        const bool outside = node_first >= last || node_first + node_size <= first;
        if (!outside && max_[node] >= threshold) {
            if (node_size == 1) return node_first;
            node_size /= 2;
            pending[waiting++] = {2 * node + 1, node_first + node_size};
            node = 2 * node;
            continue;
        }
        if (waiting == 0) return npos;
        std::tie(node, node_first) = pending[--waiting];
        node_size = leaves_;
        for (std::size_t n = node; n > 1; n /= 2) node_size /= 2;
    }
}

std::size_t RangeExtremes::last_at_least(std::size_t first, std::size_t last, std::int64_t threshold) const {
    last = std::min(last, size_);
    if (first >= last) return npos;
    std::size_t node = 1, node_first = 0, node_size = leaves_;
    std::array<std::pair<std::size_t, std::size_t>, 64> pending;  // left halves still to try
    std::size_t waiting = 0;
    while (true) {
        const bool outside = node_first >= last || node_first + node_size <= first;
        if (!outside && max_[node] >= threshold) {
            if (node_size == 1) return node_first;
            node_size /= 2;
            pending[waiting++] = {2 * node, node_first};
            node = 2 * node + 1;
            node_first += node_size;
            continue;
        }
        if (waiting == 0) return npos;
        std::tie(node, node_first) = pending[--waiting];
        node_size = leaves_;
        for (std::size_t n = node; n > 1; n /= 2) node_size /= 2;
    }
}

}  // namespace loopscope::ui
