#pragma once
// Trains a ResNet classifier on a project's labelled photos: split, decoded-image cache, batched augmentation on the
// training device, linear-probe / partial / full fine-tuning, checkpoints every epoch (resumable), run card, model
// bundle. Torch-free public API (pimpl); synchronous: run it on a worker thread, cancel and pause through the API.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/train/augmentpreset.h"
#include "core/train/canvas.h"
#include "core/train/lrschedule.h"
#include "core/train/trainchoices.h"
#include "core/nn/modelbundle.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct TrainOptions {
    std::string arch = "resnet18";
    std::string weightsPath = "none";   // a .pth / .safetensors / .tessera-model file, or "none" (random init)
    TrainMode mode = TrainMode::Full;
    int epochs = 10;
    int imageSize = 0;                   // crop side fed to the network; 0: automatic (Trainer::automaticImageSize)
    int batchSize = 0;                   // 0: automatic (Trainer::automaticBatch, or automaticGpuBatch on a GPU)
    double lr = 0.0;                     // 0: per mode/optimizer default (see Trainer::defaultLr)
    OptimizerKind optimizer = OptimizerKind::AdamW;
    double weightDecay = -1.0;           // < 0: automatic (adamw 0.05, sgd 5e-4); never on norm weights/biases
    ScheduleKind schedule = ScheduleKind::WarmupCosine;
    double labelSmoothing = 0.1;
    double mixupAlpha = 0.0;             // > 0: mixup with Beta(alpha, alpha)
    double cutmixAlpha = 0.0;            // > 0: cutmix with Beta(alpha, alpha); with mixup too, one or the other per
                                         // batch (even odds, as timm), chosen from the seed
    int earlyStoppingPatience = 0;       // epochs without val-loss improvement before stopping; 0: off
    bool balancedSampling = false;       // draw each class equally often
    AugmentPreset augmentation = AugmentPreset::Light;  // light: best from scratch on the demo and on museum
                                                        // photos at short budgets (docs/BENCHMARKS.md)
    Framing framing = Framing::Find;     // find: train on the box around the find; photo: the whole photo
    uint64_t seed = 42;
    std::string device = "auto";         // auto | cpu | cuda
    // The forward/backward compute type under autocast. Auto on the CPU is fp32: with LibTorch 2.11, bf16 was slower
    // than fp32 even on a CPU with AVX-512 BF16 (docs/BENCHMARKS.md); bf16 is there to be asked for. fp16 is CUDA only.
    ComputePrecision precision = ComputePrecision::Auto;
    int threads = 0;                     // CPU intra-op threads; 0: all cores
    double valFraction = 0.2;
    // > 1: one member of a k-fold cross-validation (learn::crossValidate): fold `fold` (grouped by find and
    // near-duplicates, as the split) is the validation set, valFraction is ignored, the project's stored split is left
    // alone, and the result carries the validation photos' probabilities.
    int folds = 0;
    int fold = 0;
    bool includeDisputed = false;        // train on labels marked disputed too (LabelledSetOptions::includeDisputed)
    bool resume = false;                 // continue the newest unfinished run with the same options
    std::string runName;                 // default: time-stamped
    bool persistCache = true;            // keep decoded canvases under <root>/.tessera/cache
    bool recordInProject = true;         // addRun/updateRun in the project store
    int checkpointEvery = 1;             // epochs
    // false: the run writes nothing (no run folder, checkpoints, model or run card) and is not recorded in the
    // project; only the TrainResult counts (cross-validation members, whose models are not kept).
    bool keepRunFiles = true;

    static TrainOptions defaults() { return TrainOptions{}; }
};

struct StepInfo {
    int epoch = 0;           // 0-based
    int step = 0;            // within the epoch
    int stepsPerEpoch = 0;
    double loss = 0.0;
    double lr = 0.0;
    double imagesPerSecond = 0.0;
};

struct EpochInfo {
    int epoch = 0;  // 0-based
    int epochs = 0;
    double trainLoss = 0.0, trainAcc = 0.0;
    double valLoss = 0.0, valAcc = 0.0;
    std::vector<double> precision, recall;         // per class
    std::vector<std::vector<int64_t>> confusion;   // [true][predicted]
    double imagesPerSecond = 0.0;                  // training throughput over the epoch
    double etaSeconds = 0.0;
    bool best = false;                             // lowest val loss so far
};

class TrainObserver {
public:
    virtual ~TrainObserver() = default;
    virtual void onStep(const StepInfo&) {}
    virtual void onEpoch(const EpochInfo&) {}
    virtual void onMessage(const std::string&) {}
    // While paused (Trainer::setPaused) the loop holds between steps: true once the step that was running has
    // finished and been reported, false when it goes on. Lets a front end say "paused" only when it is.
    virtual void onPauseHeld(bool /*held*/) {}
};

struct TrainResult {
    std::string runId;
    std::filesystem::path runDir;       // <root>/.tessera/runs/<run-id>
    std::filesystem::path bundlePath;   // the model bundle written at the end
    std::filesystem::path cardPath;     // run card JSON
    std::vector<std::string> classNames;
    std::vector<EpochInfo> history;
    int64_t trainImages = 0, valImages = 0;
    int nearDuplicateGroups = 0;        // groups of near-identical photos kept on one side (SplitResult)
    int64_t nearDuplicatePhotos = 0;
    int64_t disputedLeftOut = 0;        // labelled photos left out because their label is disputed
    std::vector<std::string> skipped;   // photos that could not be decoded (path: reason)
    double trainImagesPerSecond = 0.0;  // median over epochs
    double seconds = 0.0;
    std::string device;
    std::string precision;              // what the run computed in: "fp32", "bf16" or "fp16 (loss scaling)"
    bool stoppedEarly = false;
    bool becameActiveModel = false;     // the project had no (existing) active model, so this run's became it
    nn::BundleCalibration calibration;  // fitted on the validation photos, stored in the bundle
    // The validation photos scored by the shipped weights (the calibration's data; cross-validation's scores).
    std::vector<int64_t> validationImageIds;
    std::vector<int> validationLabels;          // class index (classNames order)
    std::vector<float> validationProbabilities;  // rows x classNames.size(), row-major
};

class Trainer {
public:
    explicit Trainer(TrainOptions options = TrainOptions::defaults());
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains on the labelled photos of the project at `projectRoot`. Cancel: returns an error "cancelled" within
    // one step; the last epoch checkpoint stays for a resume.
    Expected<TrainResult> train(const std::filesystem::path& projectRoot, TrainObserver* observer,
                                const JobContext& ctx);

    // Thread-safe: the loop waits between steps while paused (cancel still works).
    void setPaused(bool paused);
    bool paused() const;

    // The run's folder once train() made it (empty before; read it after train() returns): after a failure, the
    // folder that keeps the run's checkpoints, which TrainOptions::resume with its runName continues.
    std::filesystem::path runFolder() const;

    // The file a finished run leaves in its run folder (a model bundle, see core/nn/modelbundle.h).
    static constexpr const char* kBundleFile = "model.tessera-model";

    static Status validate(const TrainOptions& options);
    static double defaultLr(const TrainOptions& options);
    // The batch size for batchSize 0 on the CPU (the reasons and the measurements: trainer.cpp, docs/BENCHMARKS.md).
    static int automaticBatch(int64_t trainImages);
    // On a GPU: the CPU's batch, or more where the collection is large enough to keep at least 64 steps per epoch
    // (a batch of 256 for 16,384 training photos and more), at most 256 and at most what half of `freeBytes` of
    // GPU memory holds for this architecture and crop (estimated; an out-of-memory still halves it). The learning
    // rate is not scaled: AdamW's default is already a large-batch rate.
    static int automaticGpuBatch(int64_t trainImages, const std::string& arch, int imageSize, int64_t freeBytes);
    // The crop side for imageSize 0: 224 on a GPU (ImageNet's, where pretrained weights see best, and cheap there),
    // 128 on the CPU (docs/BENCHMARKS.md: the from-scratch recipe's best accuracy per minute on 2 cores).
    static int automaticImageSize(bool gpu);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::learn
