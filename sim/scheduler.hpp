// The discrete-event scheduler: actions ordered by (time, sequence number).
// The sequence number grows on every insert, so two actions at the same time
// always run in the order they were scheduled: the run is deterministic.
// Actions are plain structs (no std::function) to keep millions per second.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "trace/kinds.hpp"

namespace loopscope::sim {

using trace::Nanos;

enum class ActionType : std::uint8_t {
    segment_arrive,   // target: in-flight segment slot
    tcp_timer,        // target: endpoint index; arg: which timer
    loop_step,        // the event loop continues its work
    poll_timeout,     // arg: poll generation
    poll_wake,        // arg: poll generation
    pool_job_done,    // target: worker, arg: job id
    client_start,     // target: client index
    client_wake,      // target: connection id
    client_tick,      // target: connection id, arg: the client program's timer tag
    client_timer,     // target: client index, arg: the client program's timer tag
};

struct Action {
    Nanos at = 0;
    std::uint64_t seq = 0;
    ActionType type = ActionType::loop_step;
    std::uint32_t target = 0;
    std::uint64_t arg = 0;
};

class Scheduler {
public:
    // Schedules an action and returns its handle (its sequence number).
    std::uint64_t insert(Nanos at, ActionType type, std::uint32_t target = 0, std::uint64_t arg = 0);
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    // The earliest action; undefined when empty.
    const Action& peek() const { return heap_.front(); }
    // Removes and returns the earliest action that was not cancelled.
    // Returns false when none is left.
    bool pop(Action& out);
    // Marks an action cancelled; it is skipped when it reaches the front.
    void cancel(std::uint64_t handle) { cancelled_.insert(handle); }

private:
    std::vector<Action> heap_;
    std::unordered_set<std::uint64_t> cancelled_;
    std::uint64_t next_seq_ = 0;
};

}  // namespace loopscope::sim
