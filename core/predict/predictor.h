#pragma once
// Runs a trained model bundle (.tessera-model) over many photos: decoding (DCT-reduced for large JPEGs) on a thread
// pool overlapping with the network, the bundle's own preprocessing, optional test-time augmentation, top-k classes.
// Streaming: results go to a callback in input order, so memory stays constant for a million files; a photo that
// cannot be read becomes a result with its reason, never a stop. Torch-free header (pimpl) for the CLI and the UI.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/nn/modelbundle.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct PredictOptions {
    int topK = 3;
    bool tta = false;           // average the probabilities over flips and 90-degree rotations
    double unknownBelow = 0.0;  // top-1 probability (calibrated, see below) below this: the result is marked unknown
    int batchSize = 32;
    std::string device = "auto";  // auto | cpu | cuda
    int threads = 0;              // LibTorch CPU threads; 0: all cores
    int decodeThreads = 0;        // decoding threads; 0: all cores (they alternate with the network)
    bool hashFiles = true;        // compute each file's SHA-256 (written to outputs; resume and provenance use it)
    bool calibrated = true;       // apply the bundle's temperature (nn::BundleCalibration); false: the raw softmax
    static PredictOptions defaults() { return PredictOptions{}; }
};

struct ClassProbability {
    int classIndex = 0;  // index into Predictor::classNames()
    std::string className;
    float probability = 0.f;
};

struct Prediction {
    std::filesystem::path file;          // as given
    std::string contentHash;             // SHA-256 hex of the bytes (empty when hashFiles is off or unreadable)
    std::vector<ClassProbability> top;   // best first, at most topK; empty when error is set
    std::vector<float> probabilities;    // every class, in classNames() order; empty when error is set
    bool unknown = false;                // top-1 probability below PredictOptions::unknownBelow
    std::string error;                   // why the photo could not be classified; empty on success
};

struct GradCamResult {
    int classIndex = 0;
    float probability = 0.f;
    cv::Mat heat;     // CV_32FC1 in [0, 1], same size as `photo`
    cv::Mat photo;    // CV_8UC3 RGB, the decoded photo (EXIF orientation applied), long side at most 1024
    cv::Mat overlay;  // CV_8UC3 RGB, photo blended with a colour map of heat
};

class Predictor {
public:
    // Loads the bundle (checks architecture, classes and weights; names the file in every error).
    static Expected<Predictor> open(const std::filesystem::path& bundle,
                                    const PredictOptions& options = PredictOptions::defaults());
    Predictor(Predictor&&) noexcept;
    Predictor& operator=(Predictor&&) noexcept;
    ~Predictor();

    const std::vector<std::string>& classNames() const;
    std::string deviceName() const;  // "cpu", "cuda:0 (NVIDIA H100 ...)"
    const PredictOptions& options() const;
    // The bundle's calibration, and the temperature the scores are divided by (1 when uncalibrated or when
    // PredictOptions::calibrated is off).
    const nn::BundleCalibration& calibration() const;
    double temperature() const;

    // Classifies `files`, calling `sink` once per file in input order. Returns an error only for cancellation or a
    // device failure; unreadable photos arrive at the sink with Prediction::error set.
    Status predict(const std::vector<std::filesystem::path>& files,
                   const std::function<void(const Prediction&)>& sink, const JobContext& ctx);
    Expected<Prediction> predictOne(const std::filesystem::path& file);

    // Grad-CAM on the last convolutional stage: which region drove the score of `classIndex` (-1: the top-1 class).
    Expected<GradCamResult> gradCam(const std::filesystem::path& file, int classIndex = -1);

private:
    struct Impl;
    explicit Predictor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::learn
