#pragma once
// Stratified train/validation split and k-fold assignment, deterministic under a seed and group-aware: photos that
// share a non-empty find id always land on the same side, so a find never leaks from training into validation.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::learn {

struct SplitItem {
    int64_t imageId = 0;
    int64_t classId = 0;
    std::string findId;  // empty: the image is its own group
};

struct SplitOptions {
    double valFraction = 0.2;  // share of each class's images in validation (ignored when folds > 1)
    uint64_t seed = 0;
    int folds = 0;             // > 1: k-fold, `fold` is the validation fold
    int fold = 0;
    static SplitOptions defaults() { return SplitOptions{}; }
};

struct SplitResult {
    std::vector<int64_t> train;       // image ids, ascending
    std::vector<int64_t> validation;  // image ids, ascending
};

class Split {
public:
    // Per class, whole groups are shuffled and moved to validation until the class's validation share is nearest
    // valFraction. A class with a single group stays in training. Independent of the input order.
    static SplitResult stratified(const std::vector<SplitItem>& items, const SplitOptions& options);
    // Fold index (0..folds-1) per item, in the order of `items`; groups balanced per class across folds.
    static std::vector<int> kFoldAssignment(const std::vector<SplitItem>& items, int folds, uint64_t seed);
    // The SplitItem::findId to use for a photo with provenance: find numbers often restart per site or context,
    // so F12 of site A and F12 of site B are different finds. Empty when the photo has no find id.
    static std::string groupKey(const std::string& site, const std::string& context, const std::string& findId);
};

}  // namespace tessera::learn
