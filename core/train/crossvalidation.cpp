#include "core/train/crossvalidation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/train/labelledset.h"
#include "core/train/split.h"
#include "core/train/splitrng.h"
#include "core/project/projectstore.h"

namespace tessera::learn {

namespace fs = std::filesystem;

Interval wilsonInterval(int64_t successes, int64_t n) {
    if (n <= 0) return {0.0, 0.0, 1.0};
    const double z = 1.959963984540054, p = double(successes) / double(n), nn = double(n);
    const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
    const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
    return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval groupBootstrapInterval(const std::vector<double>& values, const std::vector<int>& group, int groups,
                                int samples, uint64_t seed) {
    Interval out;
    if (values.empty() || groups <= 0) return out;
    std::vector<double> sum(size_t(groups), 0.0);
    std::vector<int64_t> count(size_t(groups), 0);
    double total = 0.0;
    for (size_t i = 0; i < values.size(); ++i) {
        sum[size_t(group[i])] += values[i];
        ++count[size_t(group[i])];
        total += values[i];
    }
    out.value = total / double(values.size());
    out.low = out.high = out.value;
    if (samples < 2) return out;
    SplitRng rng(seed);
    std::vector<double> means;
    means.reserve(size_t(samples));
    for (int s = 0; s < samples; ++s) {
        double t = 0.0;
        int64_t n = 0;
        for (int g = 0; g < groups; ++g) {
            const size_t pick = size_t(rng.below(uint64_t(groups)));
            t += sum[pick];
            n += count[pick];
        }
        means.push_back(n > 0 ? t / double(n) : 0.0);
    }
    std::sort(means.begin(), means.end());
    const auto at = [&](double q) { return means[std::min(means.size() - 1, size_t(q * double(means.size())))]; };
    out.low = at(0.025);
    out.high = at(0.975);
    return out;
}

namespace {

// The labelled photos as the trainer reads them: their find (the split's group key) and path.
struct LabelledPhotos {
    std::unordered_map<int64_t, std::string> findOf, pathOf;
    int64_t disputed = 0;
};

Expected<LabelledPhotos> readLabelledPhotos(const fs::path& projectRoot, bool includeDisputed) {
    auto store = project::ProjectStore::open(projectRoot, false);
    if (!store) return store.takeError();
    LabelledSetOptions lo = LabelledSetOptions::defaults();
    lo.includeDisputed = includeDisputed;
    auto set = LabelledSet::read(*store, lo);
    if (!set) return set.takeError();
    LabelledPhotos photos;
    for (const auto* li : set->labelled()) {
        photos.findOf[li->image.id] = Split::groupKey(li->image.site, li->image.context, li->image.findId);
        photos.pathOf[li->image.id] = li->image.relPath;
    }
    photos.disputed = int64_t(set->disputed().size());
    return photos;
}

// Every member run's validation scores, gathered.
struct OutOfFoldScores {
    std::map<int64_t, int> labelOf;                 // image -> class index
    std::map<int64_t, std::vector<double>> rightOf;  // image -> per repeat: 1 when the top class was its label
    std::vector<float> pooled;                      // every score of every repeat, rows x classes
    std::vector<int> pooledLabels;
};

// Adds one member's validation photos; returns how many it got right. The first repeat's calls go to the report.
int64_t addMember(const TrainResult& member, bool firstRepeat, const LabelledPhotos& photos, OutOfFoldScores& scores,
                  CrossValidationReport& report) {
    const size_t K = member.classNames.size();
    int64_t right = 0;
    for (size_t i = 0; i < member.validationImageIds.size(); ++i) {
        const int64_t image = member.validationImageIds[i];
        const float* p = member.validationProbabilities.data() + i * K;
        const int label = member.validationLabels[i];
        const auto best = std::max_element(p, p + K);
        right += best - p == label;
        if (firstRepeat) {
            const auto path = photos.pathOf.find(image);
            report.calls.push_back({image, path != photos.pathOf.end() ? path->second : std::string(), label,
                                    int(best - p), *best});
        }
        scores.labelOf[image] = label;
        scores.rightOf[image].push_back(best - p == label ? 1.0 : 0.0);
        scores.pooled.insert(scores.pooled.end(), p, p + K);
        scores.pooledLabels.push_back(label);
    }
    return right;
}

// Accuracy (each photo's share of right calls over the repeats, resampled by find), per-class recall, the summed
// confusion matrix and calibration.
void summarise(const OutOfFoldScores& scores, const LabelledPhotos& photos, const CrossValidationOptions& options,
               uint64_t seed, CrossValidationReport& report) {
    const size_t K = report.classNames.size();
    report.photos = int64_t(scores.labelOf.size());
    std::map<std::string, int> groupIndex;
    std::vector<double> values;
    std::vector<int> groups;
    for (const auto& [image, rights] : scores.rightOf) {
        double mean = 0.0;
        for (double v : rights) mean += v;
        values.push_back(mean / double(rights.size()));
        const auto find = photos.findOf.find(image);
        const std::string key = find != photos.findOf.end() && !find->second.empty() ? find->second
                                                                                     : "\x1e" + std::to_string(image);
        groups.push_back(groupIndex.emplace(key, int(groupIndex.size())).first->second);
    }
    report.finds = int64_t(groupIndex.size());
    report.accuracy = groupBootstrapInterval(values, groups, int(groupIndex.size()), options.bootstrapSamples, seed);

    report.confusion.assign(K, std::vector<int64_t>(K, 0));
    for (size_t r = 0; r < scores.pooledLabels.size(); ++r) {
        const float* p = scores.pooled.data() + r * K;
        ++report.confusion[size_t(scores.pooledLabels[r])][size_t(std::max_element(p, p + K) - p)];
    }
    report.classPhotos.assign(K, 0);
    for (const auto& [image, label] : scores.labelOf) ++report.classPhotos[size_t(label)];
    for (size_t c = 0; c < K; ++c) {
        int64_t n = 0;
        for (auto v : report.confusion[c]) n += v;
        report.recall.push_back(wilsonInterval(report.confusion[c][c], n));
    }
    report.calibration = calibrationOf(scores.pooled, scores.pooledLabels, K, options.calibrationBins);
    report.temperature = fitTemperature(scores.pooled, scores.pooledLabels, K);
    report.calibrated = calibrationOf(withTemperature(scores.pooled, K, report.temperature), scores.pooledLabels, K,
                                      options.calibrationBins);
    report.modelCalibration = calibrateOnHeldOut(scores.pooled, scores.pooledLabels, K, "cross-validation");
}

}  // namespace

Expected<CrossValidationReport> crossValidate(const fs::path& projectRoot, const TrainOptions& recipe,
                                              const CrossValidationOptions& options, TrainObserver* observer,
                                              const JobContext& ctx) {
    if (options.folds < 2 || options.folds > 20)
        return makeError("cross-validation needs 2 to 20 folds, not " + std::to_string(options.folds));
    if (options.repeats < 1 || options.repeats > 100)
        return makeError("cross-validation repeats must be between 1 and 100, not " + std::to_string(options.repeats));
    const auto t0 = std::chrono::steady_clock::now();
    auto photos = readLabelledPhotos(projectRoot, recipe.includeDisputed);
    if (!photos) return photos.takeError();

    CrossValidationReport report;
    report.folds = options.folds;
    report.repeats = options.repeats;
    report.disputedLeftOut = photos->disputed;
    OutOfFoldScores scores;
    for (int r = 0; r < options.repeats; ++r) {
        int64_t right = 0, scored = 0;
        for (int f = 0; f < options.folds; ++f) {
            if (ctx.cancelled()) return makeError("cancelled");
            const std::string member = "repeat " + std::to_string(r + 1) + " of " + std::to_string(options.repeats) +
                                       ", fold " + std::to_string(f + 1) + " of " + std::to_string(options.folds);
            if (observer) observer->onMessage(kCrossValidationMemberMessage + member);
            TrainOptions o = recipe;
            o.folds = options.folds;
            o.fold = f;
            o.seed = recipe.seed + uint64_t(r);
            o.keepRunFiles = false;  // the model is not what cross-validation is for: nothing goes to disk
            auto result = Trainer(o).train(projectRoot, observer, ctx);
            if (!result) return makeError("cross-validation, " + member + ": " + result.error());
            if (report.classNames.empty()) report.classNames = result->classNames;
            if (result->classNames != report.classNames)
                return makeError("cross-validation: the classes changed between folds (the project was edited meanwhile)");
            const int64_t foldRight = addMember(*result, r == 0, *photos, scores, report);
            const auto n = int64_t(result->validationImageIds.size());
            report.foldAccuracy.push_back(n > 0 ? double(foldRight) / double(n) : 0.0);
            right += foldRight;
            scored += n;
        }
        report.repeatAccuracy.push_back(scored > 0 ? double(right) / double(scored) : 0.0);
    }
    summarise(scores, *photos, options, recipe.seed, report);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace tessera::learn
