#pragma once
// Per-find predictions: a find photographed several times gets one call, the mean of its photos' class
// probabilities (views that disagree pull the mean towards uncertainty, which is what a reviewer should see).
// Finds are keyed by (site, context, find id), since find numbers often restart per site or context.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::learn {

struct FindPrediction {
    project::FindInfo find;
    int64_t photos = 0;
    std::vector<double> meanProbabilities;  // per class, same order as the input
    int topClass = -1;                      // index of the largest mean; -1 when there are no classes
    double probability = 0.0;               // its mean probability
    std::vector<int64_t> imageIds;          // the photos, in input order
};

class FindAggregation {
public:
    // finds[i], imageIds[i] and probabilities[i * classes ...] describe photo i. Photos without a find id are left
    // out (counted in *withoutFind when given). Result ordered by site, context, find id.
    static std::vector<FindPrediction> aggregate(const std::vector<project::FindInfo>& finds,
                                                 const std::vector<int64_t>& imageIds,
                                                 const std::vector<float>& probabilities, size_t classes,
                                                 int64_t* withoutFind = nullptr);

    // The k classes with the largest mean probability, best first (ties: lower class index first), as
    // (class index, mean) pairs; fewer when the find has fewer classes.
    static std::vector<std::pair<int, double>> top(const FindPrediction& find, int k);
};

}  // namespace tessera::learn
