#include "core/stats/nearduplicatefinder.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

namespace tessera::stats {
namespace {

int distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

class UnionFind {
public:
    explicit UnionFind(size_t n) : parent_(n), maxDist_(n, 0) { std::iota(parent_.begin(), parent_.end(), 0); }

    size_t find(size_t x) {
        while (parent_[x] != x) {
            parent_[x] = parent_[parent_[x]];
            x = parent_[x];
        }
        return x;
    }
    void unite(size_t a, size_t b, int dist) {
        size_t ra = find(a), rb = find(b);
        if (ra != rb) {
            if (ra > rb) std::swap(ra, rb);  // smallest index stays the root: deterministic
            parent_[rb] = ra;
            maxDist_[ra] = std::max({maxDist_[ra], maxDist_[rb], dist});
        } else {
            maxDist_[ra] = std::max(maxDist_[ra], dist);
        }
    }
    int maxDistance(size_t root) const { return maxDist_[root]; }

private:
    std::vector<size_t> parent_;
    std::vector<int> maxDist_;
};

std::vector<NearDuplicateCluster> collect(UnionFind& uf, size_t n) {
    std::map<size_t, NearDuplicateCluster> byRoot;  // roots are the smallest member, so map order = first member
    for (size_t i = 0; i < n; ++i) byRoot[uf.find(i)].members.push_back(i);
    std::vector<NearDuplicateCluster> out;
    for (auto& [root, cluster] : byRoot) {
        if (cluster.members.size() < 2) continue;
        cluster.maxDistance = uf.maxDistance(root);
        out.push_back(std::move(cluster));
    }
    return out;
}

}  // namespace

std::vector<NearDuplicateCluster> NearDuplicateFinder::findBruteForce(const std::vector<uint64_t>& hashes,
                                                                      int maxDistance) {
    if (maxDistance < 0) return {};
    UnionFind uf(hashes.size());
    for (size_t i = 0; i < hashes.size(); ++i)
        for (size_t j = i + 1; j < hashes.size(); ++j) {
            const int d = distance(hashes[i], hashes[j]);
            if (d <= maxDistance) uf.unite(i, j, d);
        }
    return collect(uf, hashes.size());
}

std::vector<NearDuplicateCluster> NearDuplicateFinder::find(const std::vector<uint64_t>& hashes, int maxDistance) {
    if (maxDistance < 0) return {};
    const int chunks = maxDistance + 1;
    // Below ~4 bits per chunk every bucket holds a large share of the hashes: no pruning left.
    if (chunks > 16 || hashes.size() < 64) return findBruteForce(hashes, maxDistance);

    UnionFind uf(hashes.size());
    // Identical hashes (copies of one photo, blank frames) join at distance 0 and then take part as one: left in the
    // buckets, 100,000 copies cost 5·10^9 comparisons per chunk (three minutes of `stats`).
    std::unordered_map<uint64_t, uint32_t> firstWithHash;
    std::vector<uint32_t> distinct;
    for (size_t i = 0; i < hashes.size(); ++i) {
        const auto [first, isNew] = firstWithHash.emplace(hashes[i], uint32_t(i));
        if (isNew)
            distinct.push_back(uint32_t(i));
        else
            uf.unite(first->second, i, 0);
    }
    // Chunk c covers bits [start_c, start_c + len_c); lengths differ by at most one and sum to 64.
    int start = 0;
    std::unordered_map<uint64_t, std::vector<uint32_t>> buckets;
    for (int c = 0; c < chunks; ++c) {
        const int len = 64 / chunks + (c < 64 % chunks ? 1 : 0);
        const uint64_t mask = len >= 64 ? ~uint64_t(0) : ((uint64_t(1) << len) - 1);
        buckets.clear();
        for (uint32_t i : distinct) buckets[(hashes[i] >> start) & mask].push_back(i);
        for (const auto& entry : buckets) {
            const auto& members = entry.second;
            for (size_t a = 0; a < members.size(); ++a)
                for (size_t b = a + 1; b < members.size(); ++b) {
                    const int d = distance(hashes[members[a]], hashes[members[b]]);
                    if (d <= maxDistance) uf.unite(members[a], members[b], d);
                }
        }
        start += len;
    }
    return collect(uf, hashes.size());
}

}  // namespace tessera::stats
