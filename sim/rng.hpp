// One seeded random number generator per simulation (splitmix64 seeding a
// xoshiro256**), written out here so every build and platform draws the
// same numbers: std::mt19937 is portable but the std distributions are not.
#pragma once

#include <cstdint>

namespace loopscope::sim {

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : state_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // True with probability p (0..1). The double is only compared, never
    // accumulated, so the outcome is the same on every build.
    bool chance(double p) {
        if (p <= 0.0) return false;
        if (p >= 1.0) return true;
        const double draw = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
        return draw < p;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4]{};
};

}  // namespace loopscope::sim
