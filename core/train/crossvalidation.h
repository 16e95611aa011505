#pragma once
// Repeated k-fold cross-validation of a training recipe (TrainOptions) on a project, for figures a publication can
// quote: every labelled photo is scored by a model trained without it, folds keep the photos of a find and
// near-identical photos together (Split), and each repeat reshuffles the folds and the training seed. The K x R
// models are trained by the real Trainer and thrown away; only the out-of-fold scores are kept. Reports the accuracy
// with a 95 % interval (percentile bootstrap over finds, so that many photos of one find do not pass for independent
// evidence), per-class recall with Wilson intervals, the confusion matrix summed over folds and repeats, and
// calibration: the expected calibration error, a reliability table, and the temperature that best calibrates the
// out-of-fold scores (with the error it leaves). Torch-free API.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/evaluate/calibration.h"
#include "core/train/trainer.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct CrossValidationOptions {
    int folds = 5;
    int repeats = 1;
    int calibrationBins = 10;
    int bootstrapSamples = 2000;
    static CrossValidationOptions defaults() { return CrossValidationOptions{}; }
};

struct Interval {
    double value = 0.0, low = 0.0, high = 0.0;
};

// One labelled photo's out-of-fold call (in the first repeat).
struct OutOfFoldCall {
    int64_t imageId = 0;
    std::string relPath;
    int label = 0;
    int predicted = 0;
    float confidence = 0.0f;  // top-1 probability
};

struct CrossValidationReport {
    std::vector<std::string> classNames;
    int folds = 0, repeats = 0;
    int64_t photos = 0;  // scored once per repeat
    int64_t finds = 0;   // groups the bootstrap resamples (a photo without a find id is its own)
    Interval accuracy;   // mean over repeats of the out-of-fold accuracy; 95 % bootstrap interval over finds
    std::vector<double> repeatAccuracy;
    std::vector<double> foldAccuracy;          // every fold of every repeat, in order
    std::vector<Interval> recall;              // per class, pooled over repeats; 95 % Wilson interval
    std::vector<int64_t> classPhotos;          // labelled photos per class
    std::vector<std::vector<int64_t>> confusion;  // [true][predicted], summed over folds and repeats
    Calibration calibration;                   // of the out-of-fold scores as they are
    double temperature = 1.0;                  // fitted on them: scores become softmax(log p / T)
    Calibration calibrated;                    // after that temperature (fitted on the same scores: optimistic)
    nn::BundleCalibration modelCalibration;    // the same temperature as a model bundle stores it (calibrateOnHeldOut)
    std::vector<OutOfFoldCall> calls;          // every photo once: the first repeat's calls
    int64_t disputedLeftOut = 0;
    double seconds = 0.0;
};

// What every member run's first message starts with ("cross-validation: repeat 1 of 2, fold 3 of 5").
inline constexpr const char* kCrossValidationMemberMessage = "cross-validation: ";

// Trains folds x repeats models with `recipe` (its valFraction, runName, resume and recordInProject are overridden),
// each in a temporary run folder that is removed afterwards. `observer` sees every run's steps and epochs and a
// message at the start of each ("cross-validation: repeat 1 of 2, fold 3 of 5").
Expected<CrossValidationReport> crossValidate(const std::filesystem::path& projectRoot, const TrainOptions& recipe,
                                              const CrossValidationOptions& options, TrainObserver* observer,
                                              const JobContext& ctx);

// The statistics, on their own for tests and for other callers.
// 95 % Wilson score interval of a proportion (z = 1.96); n = 0 gives [0, 1].
Interval wilsonInterval(int64_t successes, int64_t n);
// Percentile interval (2.5 %, 97.5 %) of the mean of `values` when whole groups are resampled with replacement.
// values: one per item; group: per item, 0..groups-1.
Interval groupBootstrapInterval(const std::vector<double>& values, const std::vector<int>& group, int groups,
                                int samples, uint64_t seed);

}  // namespace tessera::learn
