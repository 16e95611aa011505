#pragma once
// The label check of a project: every labelled photo scored out of fold by the quick model's head (a head that did
// not train on it: QuickModel::outOfFold) and flagged by confident learning (labelissues.h). One home for what
// `tessera-cli check-labels` lists, the map rings, and Review's "possibly mislabelled" queue and Dataset's filter show
// (through ProjectStore::replaceLabelIssues). Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/fewshot/quickmodel.h"
#include "core/project/imagerecord.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct FlaggedPhoto {
    int64_t imageId = 0;
    std::string relPath;
    int label = 0;                // its class, into LabelCheck::classNames
    int suggested = 0;            // the class it looks like
    double selfConfidence = 0.0;  // out-of-sample probability of its label: the lower, the more suspect
};

struct LabelCheck {
    std::vector<int64_t> classIds;  // the quick model's classes
    std::vector<std::string> classNames;
    std::vector<OutOfFoldPrediction> outOfFold;  // every labelled photo, store order
    std::vector<FlaggedPhoto> flagged;           // most suspect first; labels a person confirmed are never flagged
    size_t confirmedPassedOver = 0;              // flagged by the numbers, but a person kept that label

    // The flagged photos as the project stores them, stamped with `timeMs`.
    std::vector<project::LabelIssueRecord> records(int64_t timeMs) const;
};

// Needs a refreshed model and `folds` >= 2; the error says why when there are too few labelled photos for the folds.
Expected<LabelCheck> checkLabels(const QuickModel& model, int folds, const JobContext& ctx);

}  // namespace tessera::learn
