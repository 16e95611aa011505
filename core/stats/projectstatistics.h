#pragma once
// Aggregate statistics over a project: image counts, size summaries and histograms, distinct resolutions, class
// balance and data-health flags (unreadable, too small, blurry, exact and near duplicates). Computed from plain
// records so the GUI, the CLI and tests share one implementation; rendering lives in statsreport.h.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/project/projectstore.h"
#include "core/util/expected.h"

namespace tessera::stats {

struct StatsOptions {
    // Images whose shorter side is below this are flagged "too small": 224 is the input size of the ImageNet
    // models we fine-tune, so anything smaller is upsampled and loses detail.
    int minShortSide = 224;
    // Variance of the Laplacian of the gray image at a 512 px long side (ImageAnalyzer's blur measure); below it an
    // image is flagged blurry. The value often quoted for this measure (100) suits busy scenes, but find photos
    // are an object on a plain background, which keeps the variance low even when sharp: on the demo dataset sharp
    // full-size photos measure 39..410 (median ~120), the same photo blurred with sigma 4 px measures 0.8. 10 keeps
    // sharp photos of smooth objects unflagged; a visibly out-of-focus photo measures a few units.
    double blurThreshold = 10.0;
    // Largest Hamming distance between 64-bit pHashes that still counts as a near duplicate. Re-encodes and rescales
    // of one photo measure 0..2; photos of different sherds centred on a plain background can come as close as 5
    // (pHash sees mostly the silhouette), so 4 keeps those apart.
    int nearDuplicateMaxDistance = 4;
    int histogramBins = 10;

    static StatsOptions defaults() { return StatsOptions{}; }
};

// min/median/max of one quantity (median of an even count: mean of the two middle values). All 0 when empty.
struct Summary {
    double min = 0.0;
    double median = 0.0;
    double max = 0.0;
};

// Equal-width bins over [lo, hi]; the last bin includes hi. One bin holding everything when lo == hi.
struct Histogram {
    double lo = 0.0;
    double hi = 0.0;
    std::vector<int64_t> counts;

    double binLow(size_t i) const;
    double binHigh(size_t i) const;
};

struct ResolutionCount {
    int width = 0;
    int height = 0;
    int64_t count = 0;
};

struct ClassCount {
    int64_t classId = 0;
    std::string name;
    int64_t count = 0;
};

struct FlaggedImage {
    int64_t id = 0;
    std::string relPath;
    std::string reason;  // e.g. "200x150: shorter side 150 < 224", "blur 12.5 < 100"
};

struct DuplicateGroup {
    std::vector<int64_t> ids;           // sorted by relPath, parallel to relPaths
    std::vector<std::string> relPaths;
    std::string contentHash;            // exact groups only
    int maxDistance = 0;                // near groups: largest pHash distance of a linking pair
};

struct ProjectStatistics {
    StatsOptions options;
    int64_t images = 0;      // rows present on disk (missing rows are only counted in `missing`)
    int64_t readable = 0;
    int64_t unreadable = 0;
    int64_t missing = 0;

    Summary width, height, megapixels, aspect;  // over readable images; aspect = width / height
    Histogram megapixelHistogram, aspectHistogram;
    std::vector<ResolutionCount> resolutions;   // largest count first; ties: more pixels first

    std::vector<ClassCount> classes;  // every class in the given order, including empty ones
    int64_t labelled = 0;
    int64_t unlabelled = 0;
    double imbalanceRatio = 0.0;      // largest / smallest count over classes with >= 1 image; 0 if none

    std::vector<FlaggedImage> unreadableImages, tooSmall, blurry;
    std::vector<DuplicateGroup> exactDuplicates, nearDuplicates;
};

// Computes the statistics of `images` (missing rows are skipped), labelled through `classByImage` (imageId ->
// classId; ids of unknown classes count as unlabelled).
ProjectStatistics computeStatistics(const std::vector<project::ImageRecord>& images,
                                    const std::vector<project::ClassInfo>& classes,
                                    const std::unordered_map<int64_t, int64_t>& classByImage,
                                    const StatsOptions& options = StatsOptions::defaults());

// Loads images, classes and labels from the store and computes the statistics.
Expected<ProjectStatistics> computeStatistics(const project::ProjectStore& store,
                                              const StatsOptions& options = StatsOptions::defaults());

// The full flag word of every image in `images` after `statistics` (computed over the same images): the scanner's
// Unreadable and Missing bits are kept, TooSmall/Blurry/Duplicate/NearDuplicate are replaced. Pass it to
// ProjectStore::setFlags so the GUI can filter without recomputing.
std::vector<std::pair<int64_t, uint32_t>> imageFlags(const std::vector<project::ImageRecord>& images,
                                                     const ProjectStatistics& statistics);

}  // namespace tessera::stats
