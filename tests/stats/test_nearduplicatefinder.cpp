// The multi-index near-duplicate search must give exactly the all-pairs answer, at every distance.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/stats/nearduplicatefinder.h"

using tessera::stats::NearDuplicateCluster;
using tessera::stats::NearDuplicateFinder;

namespace {

// Random hashes plus planted families: copies of a base hash with 1..10 random bits flipped.
std::vector<uint64_t> hashesWithFamilies(size_t randomCount, size_t families, uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> out;
    for (size_t i = 0; i < randomCount; ++i) out.push_back(rng());
    for (size_t f = 0; f < families; ++f) {
        const uint64_t base = rng();
        out.push_back(base);
        const size_t members = 1 + rng() % 4;
        for (size_t m = 0; m < members; ++m) {
            uint64_t h = base;
            const int flips = int(1 + rng() % 10);
            for (int k = 0; k < flips; ++k) h ^= uint64_t(1) << (rng() % 64);
            out.push_back(h);
        }
    }
    return out;
}

bool same(const std::vector<NearDuplicateCluster>& a, const std::vector<NearDuplicateCluster>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].members != b[i].members || a[i].maxDistance != b[i].maxDistance) return false;
    return true;
}

}  // namespace

TEST(NearDuplicateFinder, MatchesBruteForceAtEveryDistance) {
    const auto hashes = hashesWithFamilies(1500, 120, 7);
    size_t clustersAt6 = 0;
    for (int d : {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15, 16, 20}) {
        const auto fast = NearDuplicateFinder::find(hashes, d);
        const auto slow = NearDuplicateFinder::findBruteForce(hashes, d);
        EXPECT_TRUE(same(fast, slow)) << "distance " << d << ": " << fast.size() << " vs " << slow.size();
        if (d == 6) clustersAt6 = fast.size();
    }
    // Most planted families hold members within 6 bits; random 64-bit hashes almost never are.
    EXPECT_GT(clustersAt6, 60u);
    EXPECT_LE(clustersAt6, 120u);
}

TEST(NearDuplicateFinder, TransitiveGroupsAndDistances) {
    std::vector<uint64_t> hashes(100);
    std::mt19937_64 rng(3);
    for (auto& h : hashes) h = rng();
    hashes[10] = 0;
    hashes[20] = 0x3F;          // 6 from [10]
    hashes[30] = 0x3F | 0xF00;  // 4 from [20], 10 from [10]: joins through [20]
    const auto clusters = NearDuplicateFinder::find(hashes, 6);
    ASSERT_EQ(clusters.size(), 1u);
    EXPECT_EQ(clusters[0].members, (std::vector<size_t>{10, 20, 30}));
    EXPECT_EQ(clusters[0].maxDistance, 6);
    EXPECT_TRUE(NearDuplicateFinder::find(hashes, -1).empty());
}

// Thousands of identical hashes (copies of one photo, blank frames) are one group, found without comparing every
// pair of them (100,000 such photos took `stats` three minutes); the answer is still the all-pairs one.
TEST(NearDuplicateFinder, ManyIdenticalHashesAreOneGroup) {
    auto hashes = hashesWithFamilies(500, 40, 11);
    const uint64_t blank = hashes[3];
    for (int i = 0; i < 2500; ++i) hashes.push_back(i % 2 ? blank : blank ^ 1);  // copies, and copies one bit away
    for (int d : {0, 1, 4, 8}) {
        const auto fast = NearDuplicateFinder::find(hashes, d);
        EXPECT_TRUE(same(fast, NearDuplicateFinder::findBruteForce(hashes, d))) << "distance " << d;
    }
    const auto atZero = NearDuplicateFinder::find(hashes, 0);
    size_t largest = 0;
    for (const auto& c : atZero) largest = std::max(largest, c.members.size());
    EXPECT_EQ(largest, 1251u);  // hashes[3] and its 1,250 copies
}
