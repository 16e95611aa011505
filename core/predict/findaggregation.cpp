#include "core/predict/findaggregation.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

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

Expected<std::vector<FindCall>> FindAggregation::fromCalls(const std::vector<PhotoCall>& calls,
                                                           const std::vector<std::string>& classNames,
                                                           int64_t* withoutFind) {
    std::unordered_map<std::string, size_t> classIndex;
    for (size_t c = 0; c < classNames.size(); ++c) classIndex.emplace(classNames[c], c);
    const size_t K = classNames.size();
    using Key = std::tuple<std::string, std::string, std::string>;
    std::map<Key, FindCall> rows;
    std::vector<project::FindInfo> finds;
    std::vector<int64_t> ids;
    std::vector<float> probabilities;
    int64_t loose = 0;
    for (const auto& call : calls) {
        const auto& f = call.find;
        if (f.findId.empty()) {
            ++loose;
            continue;
        }
        if (call.unreadable) {
            auto& row = rows[Key{f.site, f.context, f.findId}];
            row.mean.find = f;
            ++row.unreadable;
            continue;
        }
        finds.push_back(f);
        ids.push_back(call.id);
        probabilities.resize(probabilities.size() + K, 0.f);
        for (const auto& [name, p] : call.top) {
            const auto c = classIndex.find(name);
            if (c == classIndex.end())
                return makeError(call.where + ": class '" + name + "' is not one of the model's classes");
            probabilities[probabilities.size() - K + c->second] = p;
        }
    }
    for (auto& m : aggregate(finds, ids, probabilities, K)) {
        auto& row = rows[Key{m.find.site, m.find.context, m.find.findId}];
        row.mean = std::move(m);
    }
    if (withoutFind) *withoutFind = loose;
    std::vector<FindCall> out;
    out.reserve(rows.size());
    for (auto& [key, row] : rows) out.push_back(std::move(row));
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
