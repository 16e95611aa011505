#pragma once
// The map of a collection, as the GUI's Map and `tessera-cli map` show it: every photo of the quick model's last
// refresh laid out by FeatureMap (UMAP on the quick model's features), with what is known about it: its label, a
// prediction (for a labelled photo, out-of-fold: from a head that did not train on it), and whether the label check
// (labelissues.h) thinks its label is possibly wrong. Plus a picture of it for a publication (PNG, by OpenCV).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fewshot/featuremap.h"
#include "core/fewshot/quickmodel.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct MapPoint {
    int64_t imageId = 0;
    std::string relPath;
    std::string find;      // Split::groupKey of its find (site, context, find id); empty when it has none
    float x = 0.0f;
    float y = 0.0f;
    int label = -1;        // class index into CollectionMap::classNames; -1: unlabelled
    bool disputed = false; // its label is disputed: not trained on nor checked, predicted like an unlabelled photo
    int predicted = -1;    // the quick model's class for it (out-of-fold when labelled); -1: none
    float confidence = 0.0f;
    int suggested = -1;    // possibly mislabelled: the class it looks like; -1: not flagged
};

struct CollectionMap {
    std::vector<int64_t> classIds;
    std::vector<std::string> classNames;
    std::vector<MapPoint> points;  // the quick model's rows: labelled photos first, then unlabelled
    size_t flagged = 0;            // points with suggested >= 0
    std::string labelCheckSkipped; // why labelled photos have no out-of-fold prediction; empty when they have
    FeatureMapOptions options;
};

// `folds`: cross-validation folds of the label check (at least 2); with fewer labelled photos per class than that,
// labelled photos get no prediction and nothing is flagged, and the map is still drawn.
Expected<CollectionMap> mapCollection(const QuickModel& model, const FeatureMapOptions& options, int folds,
                                      const JobContext& ctx);

// A find's display name from its Split::groupKey: "site / context / find id", empty parts left out.
std::string findDisplayName(const std::string& findKey);

// The map as a PNG picture (width x height pixels): dots in the class colours ("#rrggbb", one per class in
// CollectionMap order; a fixed palette where missing), unlabelled photos as grey rings, possibly mislabelled ones
// ringed in black, a legend with the counts, and `caption` along the bottom. Written atomically.
Status writeMapPicture(const CollectionMap& map, const std::vector<std::string>& classColors,
                       const std::string& caption, const std::filesystem::path& file, int width = 1600,
                       int height = 1200);

}  // namespace tessera::learn
