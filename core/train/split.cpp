#include "core/train/split.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>

#include "core/train/splitrng.h"
#include "core/stats/nearduplicatefinder.h"

namespace tessera::learn {
namespace {

struct Group {
    std::string key;
    int64_t classId = 0;           // majority class of its members (ties: smallest id)
    std::vector<size_t> members;  // indices into items
};

// Groups by find id (non-empty) or by image; ordered by key so that the result ignores the input order.
std::map<int64_t, std::vector<Group>> groupsByClass(const std::vector<SplitItem>& items) {
    std::map<std::string, Group> groups;
    for (size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        std::string key = it.findId.empty() ? "i:" + std::to_string(it.imageId) : "f:" + it.findId;
        auto& g = groups[key];
        g.key = key;
        g.members.push_back(i);
    }
    std::map<int64_t, std::vector<Group>> byClass;
    for (auto& [key, g] : groups) {
        std::map<int64_t, int> votes;
        for (size_t m : g.members) votes[items[m].classId]++;
        int best = -1;
        for (const auto& [cls, n] : votes)
            if (n > best) { best = n; g.classId = cls; }
        byClass[g.classId].push_back(std::move(g));
    }
    return byClass;
}

// Disjoint sets of item indices with their sizes.
class UnionFind {
public:
    explicit UnionFind(size_t n) : parent_(n), size_(n, 1) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }
    size_t root(size_t i) {
        while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
        return i;
    }
    int64_t size(size_t i) { return size_[root(i)]; }
    void join(size_t a, size_t b) {
        a = root(a), b = root(b);
        if (a == b) return;
        if (size_[a] < size_[b]) std::swap(a, b);
        parent_[b] = a;
        size_[a] += size_[b];
    }

private:
    std::vector<size_t> parent_;
    std::vector<int64_t> size_;
};

std::string originalGroup(const SplitItem& item) {
    return item.findId.empty() ? "i:" + std::to_string(item.imageId) : "f:" + item.findId;
}

}  // namespace

SplitItem Split::itemOf(const project::ImageRecord& image, int64_t classId) {
    return {image.id, classId, groupKey(image.site, image.context, image.findId), image.perceptualHash};
}

std::pair<int, int64_t> Split::keepNearDuplicatesTogether(std::vector<SplitItem>& items, int maxDistance) {
    if (maxDistance < 0 || items.empty()) return {0, 0};
    // Hashed photos by image id: the order of the comparisons, and so the result, ignores the input order.
    std::vector<size_t> hashed;
    for (size_t i = 0; i < items.size(); ++i)
        if (items[i].perceptualHash != 0) hashed.push_back(i);
    std::sort(hashed.begin(), hashed.end(), [&](size_t a, size_t b) { return items[a].imageId < items[b].imageId; });
    std::vector<uint64_t> hashes;
    for (size_t i : hashed) hashes.push_back(items[i].perceptualHash);

    UnionFind sets(items.size());
    std::map<std::string, size_t> firstOfFind;
    std::map<int64_t, int64_t> classSize;
    for (size_t i = 0; i < items.size(); ++i) {
        classSize[items[i].classId]++;
        if (items[i].findId.empty()) continue;
        auto [it, inserted] = firstOfFind.emplace(items[i].findId, i);
        if (!inserted) sets.join(it->second, i);
    }
    // Closest pairs first (distance 0, then 1, ...), each joined unless the group would outgrow its class's cap.
    const auto clusters = stats::NearDuplicateFinder::find(hashes, maxDistance);
    for (int distance = 0; distance <= maxDistance; ++distance)
        for (const auto& cluster : clusters)
            for (size_t x = 0; x < cluster.members.size(); ++x)
                for (size_t y = x + 1; y < cluster.members.size(); ++y) {
                    const size_t a = hashed[cluster.members[x]], b = hashed[cluster.members[y]];
                    if (items[a].classId != items[b].classId ||
                        std::popcount(items[a].perceptualHash ^ items[b].perceptualHash) != distance ||
                        sets.root(a) == sets.root(b))
                        continue;
                    const int64_t cap = std::max<int64_t>(8, classSize[items[a].classId] / 20);
                    if (sets.size(a) + sets.size(b) <= cap) sets.join(a, b);
                }

    // A set that holds more than one original group (a find, or a photo without one) was joined by near-duplicates.
    std::map<size_t, std::vector<size_t>> members;
    for (size_t i = 0; i < items.size(); ++i) members[sets.root(i)].push_back(i);
    int groups = 0;
    int64_t photos = 0;
    for (const auto& [root, group] : members) {
        std::vector<std::string> originals;
        for (size_t i : group) originals.push_back(originalGroup(items[i]));
        std::sort(originals.begin(), originals.end());
        if (originals.front() == originals.back()) continue;
        ++groups;
        photos += int64_t(group.size());
        // A record separator cannot be typed into a find id, so the joined key never equals a real one.
        for (size_t i : group) items[i].findId = "\x1e" "near:" + originals.front();
    }
    return {groups, photos};
}

std::string Split::nearDuplicateNote(const SplitResult& split) {
    if (split.nearDuplicateGroups == 0) return {};
    const bool one = split.nearDuplicateGroups == 1;
    return std::to_string(split.nearDuplicateGroups) + (one ? " group" : " groups") + " of near-identical photos (" +
           std::to_string(split.nearDuplicatePhotos) + " photos) " + (one ? "is" : "are") +
           " kept on one side of the training/validation split, like the photos of one find, so that validation "
           "is not scored on copies of training photos";
}

SplitResult Split::stratified(const std::vector<SplitItem>& input, const SplitOptions& options) {
    SplitResult result;
    std::vector<SplitItem> items = input;
    std::tie(result.nearDuplicateGroups, result.nearDuplicatePhotos) =
        keepNearDuplicatesTogether(items, options.nearDuplicateDistance);
    if (options.folds > 1) {
        auto folds = kFoldAssignment(items, options.folds, options.seed);
        for (size_t i = 0; i < items.size(); ++i)
            (folds[i] == options.fold ? result.validation : result.train).push_back(items[i].imageId);
    } else {
        SplitRng rng(options.seed);
        const double frac = std::clamp(options.valFraction, 0.0, 1.0);
        for (auto& [cls, groups] : groupsByClass(items)) {
            rng.shuffle(groups);
            size_t total = 0;
            for (const auto& g : groups) total += g.members.size();
            const double target = frac * static_cast<double>(total);
            size_t inVal = 0;
            std::vector<bool> toVal(groups.size(), false);
            // Never move the last group: every class keeps training images.
            for (size_t gi = 0; gi + 1 < groups.size(); ++gi) {
                const double before = std::abs(target - double(inVal));
                const double after = std::abs(target - double(inVal + groups[gi].members.size()));
                // Ties go to validation only while it is empty, so a small class still gets one image there.
                if (after < before || (after == before && inVal == 0 && target > 0.0)) {
                    toVal[gi] = true;
                    inVal += groups[gi].members.size();
                }
            }
            for (size_t gi = 0; gi < groups.size(); ++gi)
                for (size_t m : groups[gi].members)
                    (toVal[gi] ? result.validation : result.train).push_back(items[m].imageId);
        }
    }
    std::sort(result.train.begin(), result.train.end());
    std::sort(result.validation.begin(), result.validation.end());
    return result;
}

std::string Split::groupKey(const std::string& site, const std::string& context, const std::string& findId) {
    if (findId.empty()) return {};
    // A unit separator cannot be typed into a site name, so distinct triples never give the same key.
    return site + '\x1f' + context + '\x1f' + findId;
}

std::vector<int> Split::kFoldAssignment(const std::vector<SplitItem>& items, int folds, uint64_t seed) {
    std::vector<int> out(items.size(), 0);
    if (folds <= 1) return out;
    SplitRng rng(seed);
    for (auto& [cls, groups] : groupsByClass(items)) {
        rng.shuffle(groups);
        // Largest groups first (stable after the shuffle), each to the fold with fewest images of this class.
        std::stable_sort(groups.begin(), groups.end(),
                         [](const Group& a, const Group& b) { return a.members.size() > b.members.size(); });
        std::vector<size_t> count(static_cast<size_t>(folds), 0);
        for (const auto& g : groups) {
            size_t f = static_cast<size_t>(std::min_element(count.begin(), count.end()) - count.begin());
            count[f] += g.members.size();
            for (size_t m : g.members) out[m] = static_cast<int>(f);
        }
    }
    return out;
}

}  // namespace tessera::learn
