#include "core/learn/findaggregation.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace tessera::learn {

std::vector<FindPrediction> FindAggregation::aggregate(const std::vector<project::FindInfo>& finds,
                                                       const std::vector<int64_t>& imageIds,
                                                       const std::vector<float>& probabilities, size_t classes,
                                                       int64_t* withoutFind) {
    using Key = std::tuple<std::string, std::string, std::string>;
    std::map<Key, FindPrediction> byFind;
    int64_t loose = 0;
    const size_t rows = std::min(finds.size(), imageIds.size());
    for (size_t i = 0; i < rows && (i + 1) * classes <= probabilities.size(); ++i) {
        const auto& f = finds[i];
        if (f.findId.empty()) {
            ++loose;
            continue;
        }
        auto& agg = byFind[Key{f.site, f.context, f.findId}];
        if (agg.photos == 0) {
            agg.find = f;
            agg.meanProbabilities.assign(classes, 0.0);
        }
        ++agg.photos;
        agg.imageIds.push_back(imageIds[i]);
        for (size_t c = 0; c < classes; ++c) agg.meanProbabilities[c] += probabilities[i * classes + c];
    }
    std::vector<FindPrediction> out;
    out.reserve(byFind.size());
    for (auto& [key, agg] : byFind) {
        for (double& p : agg.meanProbabilities) p /= double(agg.photos);
        for (size_t c = 0; c < classes; ++c)
            if (agg.topClass < 0 || agg.meanProbabilities[c] > agg.probability) {
                agg.topClass = int(c);
                agg.probability = agg.meanProbabilities[c];
            }
        out.push_back(std::move(agg));
    }
    if (withoutFind) *withoutFind = loose;
    return out;
}

std::vector<std::pair<int, double>> FindAggregation::top(const FindPrediction& find, int k) {
    std::vector<std::pair<int, double>> ranked;
    ranked.reserve(find.meanProbabilities.size());
    for (size_t c = 0; c < find.meanProbabilities.size(); ++c) ranked.emplace_back(int(c), find.meanProbabilities[c]);
    const size_t n = std::min(ranked.size(), size_t(std::max(k, 0)));
    std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(n), ranked.end(), [](const auto& a, const auto& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    ranked.resize(n);
    return ranked;
}

}  // namespace tessera::learn
