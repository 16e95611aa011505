#pragma once
// Possibly mislabelled photos by confident learning (Northcutt, Jiang and Chuang, "Confident learning: estimating
// uncertainty in dataset labels", JAIR 2021), on out-of-sample class probabilities (each photo scored by a model that
// did not train on it). Per class, the threshold is the mean probability the model gives that class on the photos
// labelled with it; a photo counts towards the confident joint under the most probable class whose probability
// reaches its threshold; the joint, calibrated to the label counts, estimates how many photos of label i belong to
// class j; of the photos labelled i, that many with the largest margin p(j) - p(i) are flagged ("prune by noise
// rate"). A photo whose most probable class is its label is never flagged. Torch-free and deterministic.
#include <cstddef>
#include <vector>

namespace tessera::learn {

struct LabelIssue {
    size_t row = 0;               // index into the input rows
    int label = 0;                // the given class
    int suggested = 0;            // the most probable other class
    double selfConfidence = 0.0;  // out-of-sample probability of the given label: the lower, the more suspect
};

struct LabelIssueReport {
    std::vector<LabelIssue> issues;                // most suspect first (lowest self-confidence; ties: by row)
    std::vector<double> thresholds;                // per class
    std::vector<std::vector<long long>> confidentJoint;  // [given][confident class], before calibration
};

// probabilities: rows x classes, row-major, each row a distribution; labels: per row, in [0, classes). Rows whose
// label is out of range are ignored. Empty input gives an empty report.
LabelIssueReport findLabelIssues(const std::vector<float>& probabilities, const std::vector<int>& labels,
                                 size_t classes);

}  // namespace tessera::learn
