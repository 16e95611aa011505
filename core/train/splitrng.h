#pragma once
// Deterministic random numbers built from raw std::mt19937 outputs only. std::uniform_*_distribution differ between
// standard libraries, so splits and augmentation parameters would change from one platform to the next.
#include <cstdint>
#include <random>

namespace tessera::learn {

class SplitRng {
public:
    explicit SplitRng(uint64_t seed) : eng_(static_cast<uint32_t>(seed ^ (seed >> 32))) {
        // Mix the full 64-bit seed in: discard a seed-dependent number of outputs beyond the 32-bit init.
        eng_.discard(static_cast<unsigned long long>((seed >> 32) & 0xFFu));
    }

    uint64_t next64() {
        uint64_t hi = eng_();
        uint64_t lo = eng_();
        return (hi << 32) | lo;
    }
    // Uniform integer in [0, n), n > 0, by rejection (no modulo bias).
    uint64_t below(uint64_t n) {
        if (n <= 1) return 0;
        const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
        uint64_t x;
        do x = next64(); while (x >= limit);
        return x % n;
    }
    // Uniform double in [0, 1) from the top 53 bits.
    double uniform() { return static_cast<double>(next64() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    bool bernoulli(double p) { return p > 0.0 && uniform() < p; }

    template <class Vec>
    void shuffle(Vec& v) {
        for (size_t i = v.size(); i > 1; --i) {
            size_t j = static_cast<size_t>(below(i));
            std::swap(v[i - 1], v[j]);
        }
    }

private:
    std::mt19937 eng_;
};

}  // namespace tessera::learn
