#include "sim/scheduler.hpp"

#include <algorithm>

namespace loopscope::sim {
namespace {

// std heap functions build a max-heap; "later" puts the earliest on top.
bool later(const Action& a, const Action& b) {
    if (a.at != b.at) return a.at > b.at;
    return a.seq > b.seq;
}

}  // namespace

std::uint64_t Scheduler::insert(Nanos at, ActionType type, std::uint32_t target, std::uint64_t arg) {
    const std::uint64_t seq = next_seq_++;
    heap_.push_back(Action{at, seq, type, target, arg});
    std::push_heap(heap_.begin(), heap_.end(), later);
    return seq;
}

bool Scheduler::pop(Action& out) {
    while (!heap_.empty()) {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        out = heap_.back();
        heap_.pop_back();
        if (!cancelled_.empty()) {
            const auto found = cancelled_.find(out.seq);
            if (found != cancelled_.end()) {
                cancelled_.erase(found);
                continue;
            }
        }
        return true;
    }
    return false;
}

}  // namespace loopscope::sim
