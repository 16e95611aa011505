#pragma once
// Per-find predictions: a find photographed several times gets one call, the mean of its photos' class
// probabilities (views that disagree pull the mean towards uncertainty, which is what a reviewer should see).
// Finds are keyed by (site, context, find id), since find numbers often restart per site or context.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/util/expected.h"

namespace tessera::learn {

struct FindPrediction {
    project::FindInfo find;
    int64_t photos = 0;
    std::vector<double> meanProbabilities;  // per class, same order as the input
    int topClass = -1;                      // index of the largest mean; -1 when there are no classes
    double probability = 0.0;               // its mean probability
    std::vector<int64_t> imageIds;          // the photos, in input order
};

// One photo's call as a prediction file or the project store keeps it: its top-k, or nothing when it could not be
// classified.
struct PhotoCall {
    project::FindInfo find;
    int64_t id = 0;                                   // the caller's key for the photo (a record, an image id)
    std::vector<std::pair<std::string, float>> top;   // (class name, probability), best first
    bool unreadable = false;                          // could not be classified: counted, not averaged
    std::string where;                                // names the call in errors ("predictions.csv:12")
};

// A find's row in a per-find table: the mean of its classified photos and how many could not be classified.
struct FindCall {
    FindPrediction mean;  // mean.photos == 0 when none of its photos was classified
    int64_t unreadable = 0;
};

class FindAggregation {
public:
    // The per-find table of predict --per-find and export-finds: one row per find, ordered by site, context, find
    // id, from calls that keep only their top-k (a class outside a photo's top-k counts as probability 0). A find
    // whose photos were all unreadable has a row too. Calls without a find id are left out (counted in
    // *withoutFind when given); a class not among `classNames` is an error naming the call.
    static Expected<std::vector<FindCall>> fromCalls(const std::vector<PhotoCall>& calls,
                                                     const std::vector<std::string>& classNames,
                                                     int64_t* withoutFind = nullptr);

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
