#pragma once
// Stratified train/validation split and k-fold assignment, deterministic under a seed and group-aware: photos that
// share a non-empty find id always land on the same side, so a find never leaks from training into validation, and
// near-identical photos of one class (perceptual hashes a few bits apart: re-encodes, two shots of one view) are kept
// together the same way, so validation does not score the network on copies of its training photos.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::learn {

struct SplitItem {
    int64_t imageId = 0;
    int64_t classId = 0;
    std::string findId;  // empty: the image is its own group
    uint64_t perceptualHash = 0;  // the scan's pHash; 0: none (never linked to another photo)
};

struct SplitOptions {
    double valFraction = 0.2;  // share of each class's images in validation (ignored when folds > 1)
    uint64_t seed = 0;
    int folds = 0;             // > 1: k-fold, `fold` is the validation fold
    int fold = 0;
    // Largest pHash Hamming distance at which two photos of one class are kept on one side; < 0: off. 2, not the
    // statistics' 4: re-encodes and rescales of one photo measure 0..2, while on padded museum photos the chains of
    // distinct objects grow with the distance (1,930 photos: 92 in one chain at 2, 228 at 3, 398 at 4;
    // docs/BENCHMARKS.md, the leak check), which the cap of keepNearDuplicatesTogether stops.
    int nearDuplicateDistance = 2;
    static SplitOptions defaults() { return SplitOptions{}; }
};

struct SplitResult {
    std::vector<int64_t> train;       // image ids, ascending
    std::vector<int64_t> validation;  // image ids, ascending
    // Groups of near-identical photos that were kept on one side although no find id joined them (a find's photos
    // that are also near-identical count once, with the find), and the photos in those groups.
    int nearDuplicateGroups = 0;
    int64_t nearDuplicatePhotos = 0;
};

class Split {
public:
    // Per class, whole groups are shuffled and moved to validation until the class's validation share is nearest
    // valFraction. A class with a single group stays in training. Independent of the input order.
    static SplitResult stratified(const std::vector<SplitItem>& items, const SplitOptions& options);
    // Fold index (0..folds-1) per item, in the order of `items`; groups balanced per class across folds. Groups are
    // the find ids only; call keepNearDuplicatesTogether first to join near-identical photos too.
    static std::vector<int> kFoldAssignment(const std::vector<SplitItem>& items, int folds, uint64_t seed);
    // Rewrites the findId of near-identical photos of one class so that they form one group (see SplitOptions::
    // nearDuplicateDistance), and returns {groups, photos} as in SplitResult. Pairs are joined closest first, and a
    // join that would make a group larger than a twentieth of its class (at least 8 photos) is refused: pHash sees
    // mostly the silhouette, so chains of distinct objects on one background would otherwise swallow whole classes.
    // Independent of the input order.
    static std::pair<int, int64_t> keepNearDuplicatesTogether(std::vector<SplitItem>& items, int maxDistance);
    // What the split did about near-identical photos, for people: "" when it joined none.
    static std::string nearDuplicateNote(const SplitResult& split);
    // The split's view of a labelled photo: its id, the given class, its find (site, context, find id) and pHash.
    static SplitItem itemOf(const project::ImageRecord& image, int64_t classId);
    // The SplitItem::findId to use for a photo with provenance: find numbers often restart per site or context,
    // so F12 of site A and F12 of site B are different finds. Empty when the photo has no find id.
    static std::string groupKey(const std::string& site, const std::string& context, const std::string& findId);
};

}  // namespace tessera::learn
