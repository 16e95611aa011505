#pragma once
// Groups 64-bit perceptual hashes that lie within a Hamming distance of each other (transitively, union-find).
// Candidate pairs come from multi-index hashing: split the 64 bits into d+1 disjoint chunks; by the pigeonhole
// principle two hashes within distance d agree exactly on at least one chunk, so only hashes sharing a chunk value
// are compared. Exact for every d; for d >= 15 the chunks get too short to prune and it compares all pairs.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::stats {

struct NearDuplicateCluster {
    std::vector<size_t> members;  // indices into the input, ascending
    int maxDistance = 0;          // largest distance among the pairs that linked the cluster
};

class NearDuplicateFinder {
public:
    // Clusters of >= 2 hashes, ordered by their first member. maxDistance < 0 gives none.
    static std::vector<NearDuplicateCluster> find(const std::vector<uint64_t>& hashes, int maxDistance);

    // The same result by comparing all pairs: the reference for tests and the path for large distances.
    static std::vector<NearDuplicateCluster> findBruteForce(const std::vector<uint64_t>& hashes, int maxDistance);
};

}  // namespace tessera::stats
