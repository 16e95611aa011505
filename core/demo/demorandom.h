#pragma once
// Deterministic random numbers for the demo generator. std::mt19937's output sequence is fixed by the standard, but
// std::uniform_*_distribution is not, so every value here is derived from raw engine outputs: same seed, same
// numbers with any standard library.
#include <cstdint>
#include <random>

namespace tessera::demo {

class DemoRandom {
public:
    explicit DemoRandom(uint64_t seed) : engine_(uint32_t(mix(seed) >> 32)) {}

    uint32_t next() { return uint32_t(engine_()); }
    // [0, 1) with 24 bits of resolution: plenty for pixel geometry and colours.
    double uniform() { return double(next() >> 8) * (1.0 / 16777216.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // [lo, hi] inclusive (multiply-shift; the bias of at most range/2^32 does not matter here).
    int uniformInt(int lo, int hi) {
        const uint64_t range = uint64_t(int64_t(hi) - int64_t(lo) + 1);
        return lo + int((uint64_t(next()) * range) >> 32);
    }
    bool chance(double p) { return uniform() < p; }

    // SplitMix64 finaliser: turns (seed, class, index) into well-spread per-image seeds.
    static uint64_t mix(uint64_t x) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    }

private:
    std::mt19937 engine_;
};

}  // namespace tessera::demo
