#include "core/evaluate/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tessera::learn {

Calibration calibrationOf(const std::vector<float>& probabilities, const std::vector<int>& labels, size_t classes,
                          int bins) {
    Calibration c;
    const size_t rows = labels.size();
    if (rows == 0 || classes == 0 || bins < 1) return c;
    c.bins.resize(size_t(bins));
    for (int b = 0; b < bins; ++b) c.bins[size_t(b)].lower = double(b) / bins, c.bins[size_t(b)].upper = double(b + 1) / bins;
    std::vector<double> confidenceSum(size_t(bins), 0.0), rightSum(size_t(bins), 0.0);
    for (size_t r = 0; r < rows; ++r) {
        const float* p = probabilities.data() + r * classes;
        const auto best = std::max_element(p, p + classes);
        const double confidence = *best;
        const size_t b = std::min(size_t(bins) - 1, size_t(confidence * bins));
        ++c.bins[b].count;
        confidenceSum[b] += confidence;
        rightSum[b] += (best - p) == labels[r] ? 1.0 : 0.0;
        c.logLoss -= std::log(std::max(1e-12, double(p[labels[r]])));
    }
    c.logLoss /= double(rows);
    for (size_t b = 0; b < c.bins.size(); ++b) {
        auto& bin = c.bins[b];
        if (bin.count == 0) continue;
        bin.confidence = confidenceSum[b] / double(bin.count);
        bin.accuracy = rightSum[b] / double(bin.count);
        c.ece += std::abs(bin.accuracy - bin.confidence) * double(bin.count) / double(rows);
    }
    return c;
}

std::vector<float> withTemperature(const std::vector<float>& probabilities, size_t classes, double temperature) {
    std::vector<float> out(probabilities.size());
    std::vector<double> z(classes);
    for (size_t r = 0; r * classes < probabilities.size(); ++r) {
        double top = -1e300;
        for (size_t k = 0; k < classes; ++k) {
            z[k] = std::log(std::max(1e-30, double(probabilities[r * classes + k]))) / temperature;
            top = std::max(top, z[k]);
        }
        double sum = 0.0;
        for (size_t k = 0; k < classes; ++k) sum += (z[k] = std::exp(z[k] - top));
        for (size_t k = 0; k < classes; ++k) out[r * classes + k] = float(z[k] / sum);
    }
    return out;
}

double fitTemperature(const std::vector<float>& probabilities, const std::vector<int>& labels, size_t classes) {
    if (labels.empty()) return 1.0;
    const auto loss = [&](double logT) {
        return calibrationOf(withTemperature(probabilities, classes, std::exp(logT)), labels, classes, 1).logLoss;
    };
    // The log loss is convex in 1/T for fixed log-probabilities; golden-section search on log T is enough.
    double a = std::log(1.0 / 20.0), b = std::log(20.0);
    const double g = (std::sqrt(5.0) - 1.0) / 2.0;
    double c = b - g * (b - a), d = a + g * (b - a), fc = loss(c), fd = loss(d);
    for (int i = 0; i < 60; ++i) {
        if (fc < fd) {
            b = d, d = c, fd = fc;
            c = b - g * (b - a), fc = loss(c);
        } else {
            a = c, c = d, fc = fd;
            d = a + g * (b - a), fd = loss(d);
        }
    }
    return std::exp((a + b) / 2.0);
}

nn::BundleCalibration calibrateOnHeldOut(const std::vector<float>& probabilities, const std::vector<int>& labels,
                                         size_t classes, const std::string& fittedOn) {
    nn::BundleCalibration c;
    c.photos = int64_t(labels.size());
    if (classes < 2 || c.photos < kMinCalibrationPhotos) {
        c.note = std::to_string(c.photos) + " held-out photo(s); at least " + std::to_string(kMinCalibrationPhotos) +
                 " are needed to calibrate the scores";
        return c;
    }
    const Calibration before = calibrationOf(probabilities, labels, classes, 10);
    c.eceBefore = before.ece;
    int64_t wrong = 0;
    for (size_t r = 0; r < labels.size(); ++r) {
        const float* p = probabilities.data() + r * classes;
        wrong += (std::max_element(p, p + classes) - p) != labels[r];
    }
    if (wrong == 0) {
        c.eceAfter = c.eceBefore;
        c.note = "every one of the " + std::to_string(c.photos) + " " +
                 (fittedOn == "validation" ? "validation photos" : "held-out photos") +
                 " was called right, so there is nothing to calibrate the scores against (a cross-validation "
                 "scores every labelled photo: tessera-cli evaluate --cv 5 PROJECT --calibrate)";
        return c;
    }
    c.temperature = fitTemperature(probabilities, labels, classes);
    c.fittedOn = fittedOn;
    c.eceAfter = calibrationOf(withTemperature(probabilities, classes, c.temperature), labels, classes, 10).ece;
    return c;
}

std::string describeCalibration(const nn::BundleCalibration& c) {
    if (!c.calibrated()) return "scores not calibrated" + (c.note.empty() ? std::string() : ": " + c.note);
    char text[200];
    std::snprintf(text, sizeof text, "scores calibrated on %lld %s: temperature %.2f, expected calibration error %.3f -> %.3f",
                  static_cast<long long>(c.photos),
                  c.fittedOn == "validation" ? "validation photos" : "out-of-fold scores of a cross-validation",
                  c.temperature, c.eceBefore, c.eceAfter);
    return text;
}

}  // namespace tessera::learn
