#pragma once
// How far a model's scores can be taken at their word: the expected calibration error and a reliability table of
// scored photos, and temperature scaling (Guo et al. 2017), the one-number correction that makes "70 % sure" right
// about 70 % of the time. Cross-validation reports it for a recipe; every trained model is calibrated on its own
// held-out photos and carries the temperature in its bundle, which prediction applies. Torch-free.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/nn/modelbundle.h"

namespace tessera::learn {

struct ReliabilityBin {
    double lower = 0.0, upper = 0.0;  // top-1 confidence range
    int64_t count = 0;
    double confidence = 0.0;  // mean top-1 confidence of the scores in the bin
    double accuracy = 0.0;    // share of them that are right
};

struct Calibration {
    double ece = 0.0;       // expected calibration error: sum over bins of |accuracy - confidence| x share
    double logLoss = 0.0;   // mean negative log-probability of the true class
    std::vector<ReliabilityBin> bins;
};

// probabilities: rows x classes, row-major; labels: per row.
Calibration calibrationOf(const std::vector<float>& probabilities, const std::vector<int>& labels, size_t classes,
                          int bins);
// The T > 0 that minimises the log loss of softmax(log p / T) (golden-section search on log T in [1/20, 20]).
double fitTemperature(const std::vector<float>& probabilities, const std::vector<int>& labels, size_t classes);
std::vector<float> withTemperature(const std::vector<float>& probabilities, size_t classes, double temperature);

// Fewer held-out photos than this and a fitted temperature is noise: the model ships uncalibrated (T = 1).
inline constexpr int64_t kMinCalibrationPhotos = 30;

// The calibration a model ships with, fitted on held-out scores (`fittedOn`: "validation" or "cross-validation").
// Stays at T = 1, with the reason in `note`, when there are too few photos or none was called wrong (the log loss
// would then drive T to its bound and every score to certainty).
nn::BundleCalibration calibrateOnHeldOut(const std::vector<float>& probabilities, const std::vector<int>& labels,
                                         size_t classes, const std::string& fittedOn);

// One line for people: "scores calibrated on 120 validation photos: temperature 0.62, expected calibration error
// 0.081 -> 0.019", or "scores not calibrated: <why>".
std::string describeCalibration(const nn::BundleCalibration& calibration);

}  // namespace tessera::learn
