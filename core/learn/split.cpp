#include "core/learn/split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/learn/splitrng.h"

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

}  // namespace

SplitResult Split::stratified(const std::vector<SplitItem>& items, const SplitOptions& options) {
    SplitResult result;
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
