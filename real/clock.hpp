// The real loop's clock: CLOCK_MONOTONIC in integer nanoseconds. Every
// timestamp in a real trace comes from here, so a trace's times can be
// compared with each other across threads of one run.
#pragma once

#include <cstdint>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "trace/kinds.hpp"

namespace loopscope::real {

using trace::Nanos;

inline Nanos monotonic_now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The recorder's timestamp: the CPU's time-stamp counter where it has one
// (rdtsc, the counter Tracy uses too), because clock_gettime costs about
// 40 ns in a VM and a record must cost less than that in all. The counter
// ticks at a constant rate on every core of CPUs with an invariant TSC
// (all x86-64 CPUs of the last decade); StampClock turns stamps into
// CLOCK_MONOTONIC nanoseconds after the run. Elsewhere the stamp is the
// monotonic clock itself.
//
// A Stamp is its own type, not an integer, because a stamp and a
// monotonic_now() reading are both 64-bit numbers of very different units:
// a nanosecond reading passed where a stamp belongs put a run's TLS
// handshake before its TCP connect, and the type now stops that at compile
// time.
struct Stamp {
    std::uint64_t ticks;  // no initialiser: records holding one stay trivial; Stamp{} is 0
};

inline Stamp cycle_stamp() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    return {__rdtsc()};
#elif defined(__aarch64__)
    std::uint64_t value;
    asm volatile("mrs %0, cntvct_el0" : "=r"(value));
    return {value};
#else
    return {static_cast<std::uint64_t>(monotonic_now())};
#endif
}

// Converts stamps to monotonic ns by a line through two points, each a
// stamp and a clock reading taken back to back: one when the recorder
// starts and one when its records are converted.
class StampClock {
public:
    StampClock() noexcept : stamp0_(cycle_stamp().ticks), nanos0_(monotonic_now()) {}
    void calibrate() noexcept {
        stamp1_ = cycle_stamp().ticks;
        nanos1_ = monotonic_now();
    }
    Nanos to_nanos(Stamp at) const noexcept {
        const std::uint64_t stamp = at.ticks;
        if (stamp1_ <= stamp0_ || nanos1_ <= nanos0_) return nanos0_;
        const long double per_tick = static_cast<long double>(nanos1_ - nanos0_) / static_cast<long double>(stamp1_ - stamp0_);
        const long double offset = (static_cast<long double>(stamp) - static_cast<long double>(stamp0_)) * per_tick;
        return nanos0_ + static_cast<Nanos>(offset);
    }
    std::uint64_t start_ticks() const noexcept { return stamp0_; }
    // A span of `ticks` in ns, at the same rate.
    Nanos duration_of(std::int64_t ticks) const noexcept {
        if (stamp1_ <= stamp0_ || nanos1_ <= nanos0_) return 0;
        return static_cast<Nanos>(static_cast<long double>(ticks) * static_cast<long double>(nanos1_ - nanos0_) /
                                  static_cast<long double>(stamp1_ - stamp0_));
    }

private:
    std::uint64_t stamp0_;
    Nanos nanos0_;
    std::uint64_t stamp1_ = 0;
    Nanos nanos1_ = 0;
};

}  // namespace loopscope::real
