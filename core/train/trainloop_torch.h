#pragma once
// The epoch/step loop behind Trainer, on in-memory TrainData: batched augmentation, mixed precision on CUDA, batch
// halving on out-of-memory, per-epoch validation, atomic checkpoints (last + best) and resume. Everything random is
// derived from (seed, epoch, step), so a resumed run continues exactly where an uninterrupted one would be.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/train/traindata_torch.h"
#include "core/train/trainer.h"
#include "core/nn/resnet_torch.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct LoopOutcome {
    std::vector<EpochInfo> history;
    bool stoppedEarly = false;
    int bestEpoch = -1;
    double medianImagesPerSecond = 0.0;
    int finalBatchSize = 0;
    std::filesystem::path bestCheckpoint;  // model weights at the lowest val loss (empty without checkpoints)
    // The best epoch's parameters and buffers (registration order, CPU copies) when this session saw it; empty
    // when the best epoch was trained before a resume (then read bestCheckpoint).
    std::vector<torch::Tensor> bestWeights;
    // The shipped model's validation softmax (valIndex order, row-major) as the loop scored it: the best epoch's
    // (with bestWeights) or the probe's; empty when the best epoch was trained before a resume.
    std::vector<float> bestValidationProbabilities;
    double checkpointSeconds = 0.0;        // time spent writing checkpoints
    std::string precision = "fp32";        // the compute type used: "fp32", "bf16", "fp16 (loss scaling)"
};

struct EvalResult {
    double loss = 0.0, accuracy = 0.0;
    std::vector<std::vector<int64_t>> confusion;
    std::vector<double> precision, recall;
};

class TrainLoop {
public:
    // checkpointDir empty: no checkpoints (and no resume).
    TrainLoop(TrainOptions options, torch::Device device, std::filesystem::path checkpointDir);

    // `model` has data.numClasses() outputs; `pretrained` enables the frozen-backbone head warm-up of full mode.
    Expected<LoopOutcome> run(nn::ResNet& model, const TrainData& data, bool pretrained, TrainObserver* observer,
                              const JobContext& ctx, const std::atomic<bool>* paused = nullptr);

    // Loss (no smoothing), accuracy and confusion on rows `index` of data, un-augmented: the centre crop of the canvas
    // (BatchAugmenter::centerCrop), exactly what a bundle's "canvas_then_center_crop" preprocessing gives.
    // `probabilities`, when given, receives the softmax of every scored photo (index order, row-major). Photos are
    // gathered where data.pixels lives (the training device during training) and the forward pass runs under
    // autocast to `compute` (kFloat: none); everything is read back once, at the end.
    static EvalResult evaluate(nn::ResNet& model, const TrainData& data, const std::vector<int64_t>& index,
                               torch::Device device, int imageSize, int batchSize,
                               std::vector<float>* probabilities = nullptr, at::ScalarType compute = at::kFloat);

    // Loads model weights saved by a checkpoint (last.pt / best.pt) into `model`.
    static Status loadModelWeights(nn::ResNet& model, const std::filesystem::path& checkpoint);

    // From-scratch runs only: re-measures the batch-norm running statistics of `norms` with the current weights on
    // kRecalibrateImages training photos (un-augmented, recalibrationSample), before validating, while fewer than
    // kRecalibrateSteps steps were taken. Momentum returns to torchvision's 0.1 afterwards.
    static constexpr int kRecalibrateImages = 128;
    static constexpr int64_t kRecalibrateSteps = 60;
    // The photos recalibration uses: kRecalibrateImages spread evenly over trainIndex (all of it when smaller).
    static std::vector<int64_t> recalibrationSample(const std::vector<int64_t>& trainIndex);
    static void recalibrateBatchNorm(nn::ResNet& model, const std::vector<torch::nn::BatchNorm2dImpl*>& norms,
                                     const TrainData& data, torch::Device device, int imageSize, int batchSize,
                                     at::ScalarType compute = at::kFloat);

private:
    Expected<LoopOutcome> runProbe(nn::ResNet& model, const TrainData& data, at::ScalarType compute,
                                   TrainObserver* observer, const JobContext& ctx);

    TrainOptions options_;
    torch::Device device_;
    std::filesystem::path checkpointDir_;
};

}  // namespace tessera::learn
