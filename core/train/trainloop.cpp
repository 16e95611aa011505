#include "core/train/trainloop_torch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>

#include "core/train/augment_torch.h"
#include "core/train/checkpoint_torch.h"
#include "core/device/deviceinfo.h"
#include "core/device/cudadevice_torch.h"
#include "core/train/fusedadamw_torch.h"
#include "core/fewshot/linearprobe_torch.h"
#include "core/train/lossscaler_torch.h"
#include "core/train/lrschedule.h"
#include "core/evaluate/metrics.h"
#include "core/train/splitrng.h"
#include "core/nn/autocast_torch.h"

namespace tessera::learn {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The optimiser steps one epoch of `n` training photos takes in batches of `batch`: every full batch, and the last
// partial one unless it holds a single photo (batch norm cannot train on one; it is dropped).
int64_t stepsPerEpoch(int64_t n, int64_t batch) {
    const int64_t steps = n / batch + (n % batch >= 2 ? 1 : 0);
    return std::max<int64_t>(1, steps);
}

enum class Precision { Fp32, Bf16, Fp16 };

// The compute type for `requested` on this device; see TrainOptions::precision.
Expected<Precision> resolvePrecision(ComputePrecision requested, bool cuda, TrainObserver* observer) {
    if (requested == ComputePrecision::Fp32) return Precision::Fp32;
    if (cuda) {
        const bool bf16 = learn::cuda::supportsBf16();
        if (requested == ComputePrecision::Fp16) return Precision::Fp16;
        if (requested == ComputePrecision::Bf16 && !bf16) {
            if (observer) observer->onMessage("this GPU has no bf16: training in fp16 with loss scaling instead");
            return Precision::Fp16;
        }
        return bf16 ? Precision::Bf16 : Precision::Fp16;
    }
    if (requested == ComputePrecision::Fp16)
        return makeError("precision fp16 needs a CUDA GPU; on the CPU use bf16 or fp32");
    if (requested == ComputePrecision::Bf16) return Precision::Bf16;  // asked for: honoured even where emulated (slower)
    // LibTorch 2.11 trains a ResNet-18 faster in fp32 than in bf16 autocast on a CPU with AVX-512 BF16 (1.2x,
    // docs/BENCHMARKS.md); a CPU with AMX may differ, but that is not measured.
    return Precision::Fp32;
}

// Mixed precision is autocast only (weights, optimiser state and the loss stay fp32): bf16 needs no loss scaling, it
// has fp32's exponent range; fp16 gets the dynamic loss scaler. Validation, batch-norm recalibration and the linear
// probe run under the same autocast.
at::ScalarType autocastType(Precision p) {
    return p == Precision::Bf16 ? at::kBFloat16 : p == Precision::Fp16 ? at::kHalf : at::kFloat;
}

const char* precisionLabel(Precision p) {  // as the run card records it
    return p == Precision::Bf16 ? "bf16" : p == Precision::Fp16 ? "fp16 (loss scaling)" : "fp32";
}

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b) {  // splitmix64 over (seed, a, b)
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (a + 1) + 0xBF58476D1CE4E5B9ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The training rows of one epoch, in the order they are trained: a seeded shuffle, or class-balanced draws with
// replacement.
std::vector<int64_t> epochOrder(const TrainData& data, const TrainOptions& options, int epoch) {
    SplitRng rng(mixSeed(options.seed, uint64_t(epoch), 0xE9));
    std::vector<int64_t> order = data.trainIndex;
    if (!options.balancedSampling || data.numClasses() == 0) {
        rng.shuffle(order);
        return order;
    }
    std::vector<std::vector<int64_t>> byClass(size_t(data.numClasses()));
    for (auto r : data.trainIndex) byClass[size_t(data.labels[size_t(r)])].push_back(r);
    std::vector<size_t> nonEmpty;
    for (size_t c = 0; c < byClass.size(); ++c)
        if (!byClass[c].empty()) nonEmpty.push_back(c);
    for (auto& o : order) {
        const auto& cls = byClass[nonEmpty[rng.below(nonEmpty.size())]];
        o = cls[rng.below(cls.size())];
    }
    return order;
}

bool isHead(const std::string& name) { return name.rfind("fc.", 0) == 0; }

std::vector<ContentBox> boxesFor(const TrainData& data, const std::vector<int64_t>& rows) {
    std::vector<ContentBox> b;
    b.reserve(rows.size());
    for (auto r : rows) b.push_back(data.boxes[size_t(r)]);
    return b;
}

// Where the training set's pixels live while it trains: on the training device, unless that is a GPU on which they
// would leave too little room for the training itself (cuda::pixelsFitOnGpu); then in host memory, from which each
// batch is gathered, pinned and copied over without waiting.
torch::Tensor placePixels(const torch::Tensor& pixels, torch::Device device, TrainObserver* observer) {
    if (!device.is_cuda()) return pixels.to(device);
    cuda::emptyCache();  // what an earlier run left cached is free for this one
    const int64_t bytes = int64_t(pixels.nbytes()), free = cuda::freeMemoryBytes();
    if (cuda::pixelsFitOnGpu(bytes, free)) return pixels.to(device);
    if (observer) {
        char line[200];
        std::snprintf(line, sizeof line,
                      "the decoded photos (%.1f GB) do not fit beside training in the GPU's free memory (%.1f GB): "
                      "they stay in host memory and each batch is copied over (slower)", double(bytes) / 1e9,
                      double(free) / 1e9);
        observer->onMessage(line);
    }
    // Left pageable: a gathered batch is a new tensor anyway (upload pins it), and pinning the whole set would hold a
    // second, power-of-two-rounded copy of it in page-locked memory.
    return pixels;
}

// The optimiser over the parameters `options.mode` trains, in four groups: {head, backbone} x {weight decay, none
// on norm weights and biases}, the backbone at `backboneLr`. `baseLr` holds each group's rate before the schedule;
// `backbone` the trainable backbone parameters (frozen during a warm-up).
// AdamW runs fused (FusedAdamW) on a GPU, where it replaces ~8 kernel launches per parameter by one per group. On the
// CPU it stays LibTorch's AdamW: the fused kernel saves ~11 ms of a ~600 ms step there (docs/BENCHMARKS.md), and its
// different rounding would change every seeded CPU result users and the docs have recorded.
struct OptimizerSetup {
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::vector<double> baseLr;
    std::vector<torch::Tensor> backbone;
};

OptimizerSetup makeOptimizer(nn::ResNet& model, const TrainOptions& options, double lr, double backboneLr,
                             bool cuda) {
    const bool full = options.mode == TrainMode::Full, partial = options.mode == TrainMode::Partial;
    const bool sgd = options.optimizer == OptimizerKind::Sgd;
    const double wd = options.weightDecay >= 0 ? options.weightDecay : (sgd ? 5e-4 : 0.05);
    OptimizerSetup setup;
    std::vector<torch::Tensor> sets[4];
    for (auto& p : model->named_parameters()) {
        const bool head = isHead(p.key());
        const bool trainable = head || full || (partial && p.key().rfind("layer4.", 0) == 0);
        p.value().set_requires_grad(trainable);
        if (!trainable) continue;
        if (!head) setup.backbone.push_back(p.value());
        sets[(head ? 0 : 2) + (p.value().dim() <= 1 ? 1 : 0)].push_back(p.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (int g = 0; g < 4; ++g) {
        if (sets[g].empty()) continue;
        const double glr = g < 2 ? lr : backboneLr, gwd = (g % 2) ? 0.0 : wd;
        std::unique_ptr<torch::optim::OptimizerOptions> o;
        if (sgd)
            o = std::make_unique<torch::optim::SGDOptions>(
                torch::optim::SGDOptions(glr).momentum(0.9).nesterov(true).weight_decay(gwd));
        else
            o = std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(glr).weight_decay(gwd));
        groups.emplace_back(sets[g], std::move(o));
        setup.baseLr.push_back(glr);
    }
    if (sgd)
        setup.optimizer = std::make_unique<torch::optim::SGD>(std::move(groups), torch::optim::SGDOptions(lr));
    else if (cuda)
        setup.optimizer = std::make_unique<FusedAdamW>(std::move(groups), torch::optim::AdamWOptions(lr));
    else
        setup.optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(lr));
    return setup;
}

}  // namespace

TrainLoop::TrainLoop(TrainOptions options, torch::Device device, fs::path checkpointDir)
    : options_(std::move(options)), device_(device), checkpointDir_(std::move(checkpointDir)) {}

namespace {

bool usesChannelsLast(nn::ResNet& model) {
    for (const auto& p : model->parameters())
        if (p.dim() == 4) return p.is_contiguous(at::MemoryFormat::ChannelsLast);
    return false;
}

// Runs `forward` under autocast to `compute` on `device` (kFloat: no autocast); the result in fp32.
template <typename Forward>
torch::Tensor forwardIn(at::ScalarType compute, torch::Device device, Forward&& forward) {
    std::unique_ptr<nn::AutocastGuard> autocast;
    if (compute != at::kFloat) autocast = std::make_unique<nn::AutocastGuard>(device.type(), compute);
    return forward().to(torch::kFloat);
}

// The rows `index` of data, in batches of `batchSize`, as un-augmented centre crops on `device`: gathered where the
// pixels live (the device itself during training), with one upload of the row numbers for all batches.
template <typename PerBatch>
void forEachCentreCropBatch(const TrainData& data, const std::vector<int64_t>& index, torch::Device device,
                            int imageSize, int batchSize, bool channelsLast, PerBatch&& perBatch) {
    if (index.empty()) return;
    const auto rows = cuda::upload(torch::tensor(index, torch::kLong), data.pixels.device());
    for (int64_t start = 0; start < int64_t(index.size()); start += batchSize) {
        const int64_t n = std::min<int64_t>(batchSize, int64_t(index.size()) - start);
        auto imgs = cuda::upload(data.pixels.index_select(0, rows.narrow(0, start, n)), device);
        auto x = BatchAugmenter::centerCrop(imgs, imageSize);
        if (channelsLast) x = x.contiguous(at::MemoryFormat::ChannelsLast);
        perBatch(x, start, n);
    }
}

}  // namespace

EvalResult TrainLoop::evaluate(nn::ResNet& model, const TrainData& data, const std::vector<int64_t>& index,
                               torch::Device device, int imageSize, int batchSize, std::vector<float>* probabilities,
                               at::ScalarType compute) {
    if (probabilities) probabilities->clear();
    torch::NoGradGuard noGrad;
    const bool wasTraining = model->is_training();
    model->eval();
    const int64_t C = data.numClasses();
    std::vector<int64_t> labels;
    labels.reserve(index.size());
    for (auto r : index) labels.push_back(data.labels[size_t(r)]);
    // Loss, confusion counts and probabilities stay on the device until the end: one read for the whole set.
    const auto y = cuda::upload(torch::tensor(labels, torch::kLong), device);
    auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
    auto counts = torch::zeros({C * C}, torch::TensorOptions().dtype(torch::kLong).device(device));
    std::vector<torch::Tensor> probs;
    forEachCentreCropBatch(data, index, device, imageSize, batchSize, usesChannelsLast(model),
                           [&](const torch::Tensor& x, int64_t start, int64_t n) {
        auto logits = forwardIn(compute, device, [&] { return model->forward(x); });
        auto yb = y.narrow(0, start, n);
        lossSum += torch::nn::functional::cross_entropy(
                       logits, yb, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(torch::kDouble);
        counts.index_add_(0, yb * C + logits.argmax(1), torch::ones({n}, counts.options()));
        if (probabilities) probs.push_back(torch::softmax(logits, 1));
    });
    if (probabilities && !probs.empty()) {
        const auto p = torch::cat(probs).cpu().contiguous();
        probabilities->assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    }
    const auto countsHost = counts.cpu();
    const int64_t* k = countsHost.data_ptr<int64_t>();
    ConfusionMatrix cm{int(C)};
    for (int64_t t = 0; t < C; ++t)
        for (int64_t q = 0; q < C; ++q)
            if (k[t * C + q] > 0) cm.add(t, q, k[t * C + q]);
    model->train(wasTraining);
    EvalResult r;
    r.loss = index.empty() ? 0.0 : lossSum.item<double>() / double(index.size());
    r.accuracy = cm.accuracy();
    r.confusion = cm.counts();
    r.precision = cm.precision();
    r.recall = cm.recall();
    return r;
}

std::vector<int64_t> TrainLoop::recalibrationSample(const std::vector<int64_t>& trainIndex) {
    const size_t total = trainIndex.size(), n = std::min(total, size_t(kRecalibrateImages));
    std::vector<int64_t> sample;
    sample.reserve(n);
    for (size_t i = 0; i < n; ++i) sample.push_back(trainIndex[i * total / n]);
    return sample;
}

void TrainLoop::recalibrateBatchNorm(nn::ResNet& model, const std::vector<torch::nn::BatchNorm2dImpl*>& norms,
                                     const TrainData& data, torch::Device device, int imageSize, int batchSize,
                                     at::ScalarType compute) {
    torch::NoGradGuard noGrad;
    std::vector<bool> wasTraining;
    for (auto* bn : norms) {
        wasTraining.push_back(bn->is_training());
        bn->train(true);
        bn->reset_running_stats();
        bn->options.momentum(c10::nullopt);  // cumulative average over the batches below
    }
    // A few batches are enough for an average. trainIndex is in image-id order, which for folder-per-class projects
    // is class by class, so the sample is spread evenly over it rather than taken from its start. A last batch of
    // one photo is left out: batch norm cannot measure on one.
    std::vector<int64_t> sample = recalibrationSample(data.trainIndex);
    if (sample.size() % size_t(batchSize) == 1) sample.pop_back();
    forEachCentreCropBatch(data, sample, device, imageSize, batchSize, usesChannelsLast(model),
                           [&](const torch::Tensor& x, int64_t, int64_t) {
        forwardIn(compute, device, [&] { return model->forward(x); });
    });
    for (size_t k = 0; k < norms.size(); ++k) {
        norms[k]->options.momentum(0.1);
        norms[k]->train(wasTraining[k]);
    }
}

Status TrainLoop::loadModelWeights(nn::ResNet& model, const fs::path& checkpoint) {
    try {
        torch::serialize::InputArchive archive, sub;
        archive.load_from(checkpoint.string());
        archive.read("model", sub);
        model->load(sub);
        return {};
    } catch (const c10::Error& e) {
        return makeError("cannot read checkpoint " + checkpoint.string() + ": " + e.what_without_backtrace());
    }
}

Expected<LoopOutcome> TrainLoop::runProbe(nn::ResNet& model, const TrainData& data, at::ScalarType compute,
                                          TrainObserver* observer, const JobContext& ctx) {
    // Frozen backbone in eval mode: one un-augmented embedding per photo, then only the head trains.
    torch::NoGradGuard noGrad;
    model->eval();
    auto embedRows = [&](const std::vector<int64_t>& rows) -> Expected<torch::Tensor> {
        std::vector<torch::Tensor> parts;
        bool cancelled = false;
        forEachCentreCropBatch(data, rows, device_, options_.imageSize, options_.batchSize, usesChannelsLast(model),
                               [&](const torch::Tensor& x, int64_t start, int64_t n) {
            if (cancelled || (cancelled = ctx.cancelled())) return;
            parts.push_back(forwardIn(compute, device_, [&] { return model->embed(x); }));
            ctx.report({"embed", start + n, int64_t(rows.size()), {}});
        });
        if (cancelled) return makeError("cancelled");
        if (parts.empty()) return torch::zeros({0, model->embeddingDim()}, torch::kFloat).to(device_);
        return torch::cat(parts);
    };
    auto Xtr = embedRows(data.trainIndex);
    if (!Xtr) return Xtr.takeError();
    std::vector<int64_t> ytr;
    for (auto r : data.trainIndex) ytr.push_back(data.labels[size_t(r)]);
    LinearProbeOptions po;
    po.lr = options_.lr > 0 ? options_.lr : (options_.optimizer == OptimizerKind::Sgd ? 0.1 : 1e-2);
    po.weightDecay = options_.weightDecay >= 0 ? options_.weightDecay : 1e-3;
    po.labelSmoothing = options_.labelSmoothing;
    po.seed = options_.seed;
    po.iterations = std::max(50, options_.epochs * 30);
    LinearHead head;
    {
        torch::AutoGradMode enable(true);
        head = LinearProbe::train(*Xtr, torch::tensor(ytr, torch::kLong), data.numClasses(), po);
    }
    for (auto& p : model->named_parameters()) {
        if (p.key() == "fc.weight") p.value().copy_(head.weight);
        if (p.key() == "fc.bias") p.value().copy_(head.bias);
    }
    EpochInfo e;
    e.epoch = 0;
    e.epochs = 1;
    e.trainLoss = head.finalLoss;
    auto tr = evaluate(model, data, data.trainIndex, device_, options_.imageSize, options_.batchSize, nullptr, compute);
    e.trainAcc = tr.accuracy;
    LoopOutcome out;
    auto va = evaluate(model, data, data.valIndex, device_, options_.imageSize, options_.batchSize,
                       &out.bestValidationProbabilities, compute);
    e.valLoss = va.loss, e.valAcc = va.accuracy, e.precision = va.precision, e.recall = va.recall;
    e.confusion = va.confusion;
    e.best = true;
    if (observer) observer->onEpoch(e);
    out.history.push_back(e);
    out.bestEpoch = 0;
    out.finalBatchSize = options_.batchSize;
    return out;
}

namespace {

// One training step whose loss and hit count are still on the device (StepReader reads them).
struct PendingStep {
    int step;
    int64_t stepsPerEpoch;  // at the step's batch size (out-of-memory halving changes it)
    double lr;
    int64_t images;
    torch::Tensor lossAndHits;  // float (2): the step's loss, its correct predictions
};

// What one epoch's steps add up to.
struct EpochTotals {
    double lossSum = 0.0;
    int64_t seen = 0, correct = 0;
    double stepSeconds = 0.0;  // the read windows' wall time: the steps alone, no validation
    int64_t stepImages = 0;
};

// Each step's loss and hit count stay on the device; they are read in one go every `readEvery` steps (every step on
// the CPU, where a read costs nothing) and at the epoch's end, so the host runs ahead of the GPU. Throughput is
// measured over each read's window, which the read itself closes. Every step reaches the observer once, in order.
class StepReader {
public:
    StepReader(size_t readEvery, int epoch, int epochs, TrainObserver* observer, const JobContext& ctx)
        : readEvery_(readEvery), epoch_(epoch), epochs_(epochs), observer_(observer), ctx_(ctx) {}

    // Before each step: the first step after a read opens the next window.
    void stepStarts() {
        if (pending_.empty()) windowStart_ = Clock::now();
    }
    void add(PendingStep step) {
        pending_.push_back(std::move(step));
        if (pending_.size() >= readEvery_) read();
    }
    void read() {
        if (pending_.empty()) return;
        std::vector<torch::Tensor> parts;
        for (const auto& p : pending_) parts.push_back(p.lossAndHits);
        const auto values = torch::stack(parts).cpu();
        const double secs = std::chrono::duration<double>(Clock::now() - windowStart_).count();
        int64_t images = 0;
        for (const auto& p : pending_) images += p.images;
        totals_.stepSeconds += secs;
        totals_.stepImages += images;
        const auto v = values.accessor<float, 2>();
        for (size_t i = 0; i < pending_.size(); ++i) {
            const auto& p = pending_[i];
            totals_.lossSum += double(v[long(i)][0]) * double(p.images);
            totals_.correct += int64_t(v[long(i)][1]);
            totals_.seen += p.images;
            if (observer_) {
                StepInfo si;
                si.epoch = epoch_, si.step = p.step, si.stepsPerEpoch = int(p.stepsPerEpoch), si.loss = v[long(i)][0];
                si.lr = p.lr;
                si.imagesPerSecond = secs > 0 ? double(images) / secs : 0.0;
                observer_->onStep(si);
            }
            ctx_.report({"train", int64_t(epoch_) * p.stepsPerEpoch + p.step + 1,
                         int64_t(epochs_) * p.stepsPerEpoch, {}});
        }
        pending_.clear();
        windowStart_ = Clock::now();
    }
    const EpochTotals& totals() const { return totals_; }

private:
    size_t readEvery_;
    int epoch_, epochs_;
    TrainObserver* observer_;
    const JobContext& ctx_;
    std::vector<PendingStep> pending_;
    EpochTotals totals_;
    Clock::time_point windowStart_ = Clock::now();
};

// What every step of a run works with, set up once by TrainLoop::run.
struct StepTools {
    nn::ResNet& model;
    torch::optim::Optimizer& optimizer;
    const std::vector<double>& baseLr;  // each parameter group's rate before the schedule
    LossScaler& scaler;
    const BatchAugmenter& aug;
    const LrSchedule& schedule;
    const std::vector<torch::nn::BatchNorm2dImpl*>& norms;  // given debiased momentum (from scratch only)
    const TrainOptions& options;
    const TrainData& data;        // labels and find boxes, on the host
    const torch::Tensor& pixels;  // the photos, on the device where they fit, else in host memory
    const torch::Tensor& labels;  // on the device
    torch::Device device;
    at::ScalarType compute;       // autocast type (kFloat: none)
    int64_t firstStepsPerEpoch;   // at the run's first batch size: the unit of the schedule and the momentum
};

// One optimiser step on the photos order[pos, end): augmentation, mixing, forward, loss, backward, update. Returns
// the step's loss and hit count, on the device. Everything that can run out of memory happens before the
// optimiser's step, so a retried step never updates the weights twice.
torch::Tensor trainStep(const StepTools& t, int epoch, int step, const std::vector<int64_t>& order, size_t pos,
                        size_t end) {
    const auto& options = t.options;
    const int64_t n = int64_t(end - pos);
    // Mixup / CutMix: a seeded Beta(a, a) weight, box and pairing inside the batch.
    const MixPlan mix = BatchAugmenter::planMix(options.mixupAlpha, options.cutmixAlpha, n, options.imageSize,
                                                mixSeed(options.seed, uint64_t(epoch), uint64_t(step) + 0x51ED));
    const bool mixing = mix.kind != MixPlan::Kind::None;
    // The step's row numbers and mixing pairs travel in one copy, its augmentation parameters in another; labels
    // and pixels are already on the device.
    auto indices = torch::empty({mixing ? 2 * n : n}, torch::kLong);
    std::copy(order.begin() + long(pos), order.begin() + long(end), indices.data_ptr<int64_t>());
    if (mixing) std::copy(mix.perm.begin(), mix.perm.end(), indices.data_ptr<int64_t>() + n);
    const auto hostRows = indices.narrow(0, 0, n);
    indices = cuda::upload(indices, t.device);
    const auto rows = indices.narrow(0, 0, n);
    const std::vector<int64_t> rowList(order.begin() + long(pos), order.begin() + long(end));
    const AugmentPlan plan =
        t.aug.plan(boxesFor(t.data, rowList), mixSeed(options.seed, uint64_t(epoch), uint64_t(step) + 1));
    // By type: "cuda" and the "cuda:0" a tensor reports are one device.
    auto imgs = t.pixels.device().type() == t.device.type()
                    ? t.pixels.index_select(0, rows)
                    : cuda::upload(t.pixels.index_select(0, hostRows), t.device);
    auto x = t.aug.apply(imgs, plan).contiguous(at::MemoryFormat::ChannelsLast);
    auto y = t.labels.index_select(0, rows);
    torch::Tensor perm;
    if (mixing) {
        perm = indices.narrow(0, n, n);
        x = BatchAugmenter::applyMix(x, mix, perm);
    }
    for (auto& p : t.model->parameters()) p.mutable_grad() = torch::Tensor();
    auto logits = forwardIn(t.compute, t.device, [&] { return t.model->forward(x); });
    auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options.labelSmoothing);
    auto loss = torch::nn::functional::cross_entropy(logits, y, ce);
    if (perm.defined())
        loss = loss * mix.lambda +
               torch::nn::functional::cross_entropy(logits, y.index_select(0, perm), ce) * (1.0 - mix.lambda);
    auto lossAndHits = torch::stack({loss.detach(), logits.argmax(1).eq(y).sum().to(torch::kFloat)});
    t.scaler.scale(loss).backward();
    t.scaler.step(t.optimizer);
    return lossAndHits;
}

// One epoch's steps over `order`, in batches of `batch` (a last batch of one is dropped: it would break batch norm).
// On a GPU that runs out of memory the batch is halved (kept in `batch` for the rest of the run) and the same photos
// tried again. Waits between steps while *paused; a cancel ends the epoch with the error "cancelled".
Expected<EpochTotals> runEpochSteps(const StepTools& t, int epoch, const std::vector<int64_t>& order, int& batch,
                                    TrainObserver* observer, const JobContext& ctx, const std::atomic<bool>* paused) {
    const bool cuda = t.device.is_cuda();
    StepReader reader(cuda ? 8 : 1, epoch, t.options.epochs, observer, ctx);
    size_t pos = 0;
    int step = 0;
    while (pos + 1 < order.size()) {
        if (paused && paused->load()) {
            reader.read();
            if (observer) observer->onPauseHeld(true);
            while (paused->load() && !ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (observer) observer->onPauseHeld(false);
        }
        if (ctx.cancelled()) return makeError("cancelled");
        const size_t end = std::min(order.size(), pos + size_t(batch));
        if (end - pos < 2) break;
        reader.stepStarts();
        const int64_t spe = stepsPerEpoch(int64_t(order.size()), batch);
        if (!t.norms.empty()) {
            const double momentum = std::max(0.1, 1.0 / double(int64_t(epoch) * t.firstStepsPerEpoch + step + 1));
            for (auto* bn : t.norms) bn->options.momentum(momentum);
        }
        const int64_t globalStep =
            int64_t(std::llround((double(epoch) + double(step) / double(spe)) * double(t.firstStepsPerEpoch)));
        const double factor = t.schedule.factor(globalStep);
        for (size_t g = 0; g < t.optimizer.param_groups().size(); ++g)
            t.optimizer.param_groups()[g].options().set_lr(t.baseLr[g] * factor);
        torch::Tensor lossAndHits;
        try {
            lossAndHits = trainStep(t, epoch, step, order, pos, end);
        } catch (const c10::Error& e) {
            if (!cuda || !learn::cuda::isOutOfMemory(e) || batch <= 2) throw;
            for (auto& p : t.model->parameters()) p.mutable_grad() = torch::Tensor();
            learn::cuda::emptyCache();
            batch = std::max(2, batch / 2);
            if (observer) observer->onMessage("out of GPU memory: batch size halved to " + std::to_string(batch));
            continue;  // retry the same images with the smaller batch
        }
        reader.add({step, spe, t.baseLr.empty() ? 0.0 : t.baseLr[0] * factor, int64_t(end - pos),
                    std::move(lossAndHits)});
        pos = end;
        ++step;
    }
    reader.read();
    return reader.totals();
}

// channels_last on the CPU too: oneDNN's NHWC convolutions made a ResNet-18 step 1.3-1.6x faster on this 2-core
// machine (bench_train_step, docs/BENCHMARKS.md).
void toChannelsLast(nn::ResNet& model) {
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

// last.pt and best.pt in `dir`, which is made; both empty without a folder (no checkpoints).
Expected<std::pair<fs::path, fs::path>> checkpointFiles(const fs::path& dir) {
    if (dir.empty()) return std::pair<fs::path, fs::path>{};
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return makeError("cannot create " + dir.string() + ": " + ec.message());
    return std::pair<fs::path, fs::path>{dir / "last.pt", dir / "best.pt"};
}

// The batch norms whose running statistics the steps debias. From scratch, they start at mean 0 / variance 1, far
// from the real activations, and an exponential average with momentum 0.1 still holds 0.9^n of that start after n
// steps: a few-hundred-photo run validates after ~8 steps on half-wrong statistics and its validation loss explodes
// (81, 330, ... measured). Debias like Adam does: momentum 1/(t+1) makes the running statistics the plain average of
// the batches seen so far, turning into the usual 0.1 after nine steps. (Pretrained statistics are kept as they are.)
std::vector<torch::nn::BatchNorm2dImpl*> batchNorms(nn::ResNet& model) {
    std::vector<torch::nn::BatchNorm2dImpl*> norms;
    for (auto& m : model->modules(false))
        if (auto* bn = m->as<torch::nn::BatchNorm2d>()) norms.push_back(bn);
    return norms;
}

// Before an epoch's steps: a pretrained backbone frozen during warm-up; in a partial fine-tune the frozen stages keep
// their ImageNet batch-norm statistics.
void setTrainingMode(nn::ResNet& model, std::vector<torch::Tensor>& backbone, bool backboneFrozen, bool partial) {
    for (auto& p : backbone) p.set_requires_grad(!backboneFrozen);
    model->train();
    if (partial)
        for (auto& m : model->named_children())
            if (m.key() != "layer4" && m.key() != "fc") m.value()->eval();
}

// Writes last.pt; for the best epoch best.pt too, the same file (a hard link, else a copy): never serialised twice.
Status checkpoint(const fs::path& lastFile, const fs::path& bestFile, nn::ResNet& model,
                  torch::optim::Optimizer& optimizer, const LoopProgress& progress, const TrainOptions& options,
                  LoopOutcome& out) {
    const auto c0 = Clock::now();
    if (auto st = writeCheckpoint(lastFile, model, optimizer, progress, options); !st) return st;
    if (!bestFile.empty()) {
        if (auto st = linkOrCopy(lastFile, bestFile); !st) return st;
        out.bestCheckpoint = bestFile;
    }
    out.checkpointSeconds += std::chrono::duration<double>(Clock::now() - c0).count();
    return {};
}

// Continues from `lastFile` when it is given and exists (model and optimiser state loaded, the progress returned);
// else a fresh start at `batch`.
Expected<LoopProgress> resumeOrStart(const fs::path& lastFile, int batch, nn::ResNet& model,
                                     torch::optim::Optimizer& optimizer, TrainObserver* observer) {
    LoopProgress fresh;
    fresh.bestLoss = std::numeric_limits<double>::infinity();
    fresh.batch = batch;
    if (lastFile.empty() || !fs::exists(lastFile)) return fresh;
    auto resumed = readCheckpoint(lastFile, model, optimizer);
    if (!resumed) return resumed.takeError();
    if (resumed->batch < 1) resumed->batch = batch;
    if (observer)
        observer->onMessage("resuming from " + lastFile.string() + " at epoch " + std::to_string(resumed->nextEpoch + 1));
    return resumed;
}

// The figures of one epoch from its steps and its validation (best and ETA are the caller's).
EpochInfo epochFigures(int epoch, int epochs, const EpochTotals& t, const EvalResult& va) {
    EpochInfo e;
    e.epoch = epoch, e.epochs = epochs;
    e.trainLoss = t.seen ? t.lossSum / double(t.seen) : 0.0;
    e.trainAcc = t.seen ? double(t.correct) / double(t.seen) : 0.0;
    e.valLoss = va.loss, e.valAcc = va.accuracy, e.precision = va.precision, e.recall = va.recall;
    e.confusion = va.confusion;
    e.imagesPerSecond = t.stepSeconds > 0 ? double(t.stepImages) / t.stepSeconds : 0.0;
    return e;
}

// The model's parameters and buffers copied to the CPU, in registration order (~45 MB for ResNet-18, milliseconds).
std::vector<torch::Tensor> cpuCopyOfWeights(nn::ResNet& model) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> out;
    for (const auto& t : model->parameters()) out.push_back(t.detach().cpu().clone());
    for (const auto& t : model->buffers()) out.push_back(t.detach().cpu().clone());
    return out;
}

// After training: every parameter trainable again, in the standard memory layout.
void handBack(nn::ResNet& model) {
    for (auto& p : model->parameters()) {
        p.set_requires_grad(true);
        if (p.dim() == 4) p.set_data(p.data().contiguous());
    }
}

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

Expected<LoopOutcome> TrainLoop::run(nn::ResNet& model, const TrainData& data, bool pretrained,
                                     TrainObserver* observer, const JobContext& ctx,
                                     const std::atomic<bool>* paused) {
    try {
        model->to(device_);
        const bool cuda = device_.is_cuda();
        auto precision = resolvePrecision(options_.precision, cuda, observer);
        if (!precision) return precision.takeError();
        const at::ScalarType compute = autocastType(*precision);
        // The whole uint8 set lives on the training device where it fits, and every gather (training, validation,
        // recalibration, the probe's embeddings) reads it there; else it waits in host memory.
        TrainData resident = data;
        resident.pixels = placePixels(data.pixels, device_, observer);
        if (options_.mode == TrainMode::LinearProbe) return runProbe(model, resident, compute, observer, ctx);
        LoopOutcome out;
        out.precision = precisionLabel(*precision);
        const bool partial = options_.mode == TrainMode::Partial;
        const double lr = options_.lr > 0 ? options_.lr : Trainer::defaultLr(options_);
        // Discriminative rates: a pretrained backbone moves 10x slower than the new head.
        const bool full = options_.mode == TrainMode::Full;
        const double backboneLr = (pretrained && full) ? lr / 10.0 : lr;
        const int warmupEpochs = (pretrained && full && options_.epochs >= 3) ? 1 : 0;
        auto [optimizer, baseLr, backbone] = makeOptimizer(model, options_, lr, backboneLr, cuda);
        LossScalerOptions so;
        so.enabled = *precision == Precision::Fp16;
        LossScaler scaler(so);
        if (cuda) at::globalContext().setBenchmarkCuDNN(true);
        toChannelsLast(model);

        BatchAugmenter aug(AugmentConfig::forPreset(options_.augmentation), options_.imageSize);

        int batch = std::max(2, options_.batchSize);
        const int64_t spe0 = stepsPerEpoch(int64_t(data.trainIndex.size()), std::max(2, options_.batchSize));
        const int64_t totalSteps = spe0 * options_.epochs;
        LrSchedule schedule(options_.schedule, totalSteps, std::min<int64_t>(spe0, std::max<int64_t>(1, totalSteps / 20)));

        auto files = checkpointFiles(checkpointDir_);
        if (!files) return files.takeError();
        const auto& [lastFile, bestFile] = *files;
        auto resumed = resumeOrStart(options_.resume ? lastFile : fs::path(), batch, model, *optimizer, observer);
        if (!resumed) return resumed.takeError();
        LoopProgress state = std::move(*resumed);
        const int startEpoch = state.nextEpoch;
        batch = state.batch;
        scaler.loadState(state.scalerState);
        out.bestEpoch = state.bestEpoch;
        out.history = std::move(state.history);
        if (!bestFile.empty() && fs::exists(bestFile)) out.bestCheckpoint = bestFile;

        toChannelsLast(model);  // again: loading a checkpoint replaces the data
        std::vector<double> epochIps;
        for (const auto& h : out.history) epochIps.push_back(h.imagesPerSecond);
        const std::vector<torch::nn::BatchNorm2dImpl*> norms = pretrained ? std::vector<torch::nn::BatchNorm2dImpl*>{}
                                                                          : batchNorms(model);
        const auto labels = cuda::upload(torch::tensor(data.labels, torch::kLong), device_);
        const StepTools tools{model,  *optimizer, baseLr, scaler, aug,     schedule, norms,
                              options_, data,     resident.pixels, labels, device_, compute, spe0};
        const auto runStart = Clock::now();
        for (int epoch = startEpoch; epoch < options_.epochs; ++epoch) {
            setTrainingMode(model, backbone, /*backboneFrozen=*/epoch < warmupEpochs, partial);
            const std::vector<int64_t> order = epochOrder(data, options_, epoch);
            auto totals = runEpochSteps(tools, epoch, order, batch, observer, ctx, paused);
            if (!totals) return totals.takeError();

            // Early in a from-scratch run the weights move faster than the running averages can follow; validate
            // on statistics re-measured with the current weights (un-augmented crops, like validation sees).
            if (!norms.empty() && !data.valIndex.empty() &&
                int64_t(epoch + 1) * spe0 <= kRecalibrateSteps)
                recalibrateBatchNorm(model, norms, resident, device_, options_.imageSize, std::max(batch, 32), compute);
            std::vector<float> valProbabilities;
            auto va = evaluate(model, resident, data.valIndex, device_, options_.imageSize, std::max(batch, 32),
                               &valProbabilities, compute);
            EpochInfo e = epochFigures(epoch, options_.epochs, *totals, va);
            epochIps.push_back(e.imagesPerSecond);
            const double elapsed = std::chrono::duration<double>(Clock::now() - runStart).count();
            e.etaSeconds = elapsed / double(epoch - startEpoch + 1) * double(options_.epochs - epoch - 1);
            // Without a validation set, "best" follows the training loss.
            const double monitored = data.valIndex.empty() ? e.trainLoss : e.valLoss;
            e.best = monitored < state.bestLoss;
            if (e.best) {
                state.bestLoss = monitored;
                out.bestEpoch = epoch;
                state.sinceBest = 0;
                // The best weights stay in memory: the bundle is written from them at the end, with no re-read.
                out.bestWeights = cpuCopyOfWeights(model);
                out.bestValidationProbabilities = std::move(valProbabilities);
            } else {
                ++state.sinceBest;
            }
            out.history.push_back(e);

            // Checkpoint before telling the observer, so a cancel from onEpoch keeps this epoch.
            if (!lastFile.empty() && ((epoch + 1) % std::max(1, options_.checkpointEvery) == 0 ||
                                      epoch + 1 == options_.epochs || e.best)) {
                const LoopProgress progress{epoch + 1, state.bestLoss,  out.bestEpoch, state.sinceBest,
                                            batch,     scaler.state(), out.history};
                if (auto st = checkpoint(lastFile, e.best ? bestFile : fs::path(), model, *optimizer, progress,
                                         options_, out);
                    !st)
                    return st.takeError();
            }
            if (observer) observer->onEpoch(e);
            if (options_.earlyStoppingPatience > 0 && state.sinceBest >= options_.earlyStoppingPatience &&
                epoch + 1 < options_.epochs) {
                out.stoppedEarly = true;
                if (observer)
                    observer->onMessage("early stopping: no validation improvement for " +
                                        std::to_string(state.sinceBest) + " epochs");
                break;
            }
        }
        handBack(model);
        out.medianImagesPerSecond = median(epochIps);
        out.finalBatchSize = batch;
        return out;
    } catch (const c10::Error& e) {
        return makeError(std::string("training failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(std::string("training failed: ") + e.what());
    }
}

}  // namespace tessera::learn
