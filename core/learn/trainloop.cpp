#include "core/learn/trainloop_torch.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string_view>
#include <thread>

#include "core/learn/augment_torch.h"
#include "core/learn/deviceinfo.h"
#include "core/learn/cudadevice_torch.h"
#include "core/learn/linearprobe_torch.h"
#include "core/learn/lossscaler_torch.h"
#include "core/learn/lrschedule.h"
#include "core/learn/metrics.h"
#include "core/learn/runcard.h"
#include "core/learn/splitrng.h"
#include "core/nn/autocast_torch.h"
#include "core/util/atomicfile.h"
#include "core/util/jsonread.h"

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

// The compute type for `requested` (auto|fp32|bf16|fp16) on this device; see TrainOptions::precision.
Expected<Precision> resolvePrecision(const std::string& requested, bool cuda, TrainObserver* observer) {
    if (requested == "fp32") return Precision::Fp32;
    if (cuda) {
        const bool bf16 = learn::cuda::supportsBf16();
        if (requested == "fp16") return Precision::Fp16;
        if (requested == "bf16" && !bf16) {
            if (observer) observer->onMessage("this GPU has no bf16: training in fp16 with loss scaling instead");
            return Precision::Fp16;
        }
        return bf16 ? Precision::Bf16 : Precision::Fp16;
    }
    if (requested == "fp16") return makeError("precision fp16 needs a CUDA GPU; on the CPU use bf16 or fp32");
    if (requested == "bf16") return Precision::Bf16;  // asked for: honoured even where emulated (slower)
    // LibTorch 2.11 trains a ResNet-18 faster in fp32 than in bf16 autocast on a CPU with AVX-512 BF16 (1.2x,
    // docs/BENCHMARKS.md); a CPU with AMX may differ, but that is not measured.
    return Precision::Fp32;
}

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b) {  // splitmix64 over (seed, a, b)
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (a + 1) + 0xBF58476D1CE4E5B9ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bool isHead(const std::string& name) { return name.rfind("fc.", 0) == 0; }

torch::Tensor indexTensor(const std::vector<int64_t>& rows, torch::Device device) {
    return torch::tensor(rows, torch::kLong).to(device);
}

std::vector<ContentBox> boxesFor(const TrainData& data, const std::vector<int64_t>& rows) {
    std::vector<ContentBox> b;
    b.reserve(rows.size());
    for (auto r : rows) b.push_back(data.boxes[size_t(r)]);
    return b;
}

Status saveAtomic(torch::serialize::OutputArchive& archive, const fs::path& file) {
    auto out = util::AtomicFile::create(file);
    if (!out) return makeError("checkpoint: " + out.error());
    Status written;
    try {
        // LibTorch cannot unwind from a failed write to a file (its writer completes the file in its destructor and
        // the program aborts), so it writes through us: we keep the first error and let it finish.
        archive.save_to([&](const void* data, size_t size) -> size_t {
            if (written) written = out->write(std::string_view(static_cast<const char*>(data), size));
            return size;
        });
    } catch (const c10::Error& e) {
        return makeError("checkpoint: " + out->fail(std::string(e.what_without_backtrace()).substr(0, 200)).message);
    }
    if (!written) return makeError("checkpoint: " + written.error());
    if (auto st = out->commit(); !st) return makeError("checkpoint: " + st.error());
    return {};
}

// Makes `to` a second name of `from` (replacing it atomically); a copy where the file system has no hard links.
Status linkOrCopy(const fs::path& from, const fs::path& to) {
    const fs::path tmp = to.string() + ".tmp";
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::create_hard_link(from, tmp, ec);
    if (ec) {
        ec.clear();
        fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
    }
    if (!ec) fs::rename(tmp, to, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(tmp, ec);
        return makeError("checkpoint: cannot write '" + to.string() + "': " + why);
    }
    return {};
}

}  // namespace

TrainLoop::TrainLoop(TrainOptions options, torch::Device device, fs::path checkpointDir)
    : options_(std::move(options)), device_(device), checkpointDir_(std::move(checkpointDir)) {}

EvalResult TrainLoop::evaluate(nn::ResNet& model, const TrainData& data, const std::vector<int64_t>& index,
                               torch::Device device, int imageSize, int batchSize, std::vector<float>* probabilities) {
    if (probabilities) probabilities->clear();
    torch::NoGradGuard noGrad;
    const bool wasTraining = model->is_training();
    model->eval();
    bool channelsLast = false;
    for (const auto& p : model->parameters())
        if (p.dim() == 4) { channelsLast = p.is_contiguous(at::MemoryFormat::ChannelsLast); break; }
    ConfusionMatrix cm(int(data.numClasses()));
    double lossSum = 0.0;
    for (size_t start = 0; start < index.size(); start += size_t(batchSize)) {
        std::vector<int64_t> rows(index.begin() + long(start),
                                  index.begin() + long(std::min(index.size(), start + size_t(batchSize))));
        auto imgs = data.pixels.index_select(0, indexTensor(rows, data.pixels.device())).to(device);
        auto x = BatchAugmenter::centerCrop(imgs, imageSize);
        if (channelsLast) x = x.contiguous(at::MemoryFormat::ChannelsLast);
        std::vector<int64_t> ys;
        for (auto r : rows) ys.push_back(data.labels[size_t(r)]);
        auto y = torch::tensor(ys, torch::kLong).to(device);
        auto logits = model->forward(x).to(torch::kFloat);
        lossSum += torch::nn::functional::cross_entropy(
                       logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        auto pred = logits.argmax(1).cpu();
        if (probabilities) {
            const auto p = torch::softmax(logits, 1).cpu().contiguous();
            probabilities->insert(probabilities->end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
        }
        for (size_t i = 0; i < rows.size(); ++i) cm.add(ys[i], pred[long(i)].item<int64_t>());
    }
    model->train(wasTraining);
    EvalResult r;
    r.loss = index.empty() ? 0.0 : lossSum / double(index.size());
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
                                     const TrainData& data, torch::Device device, int imageSize, int batchSize) {
    torch::NoGradGuard noGrad;
    bool channelsLast = false;
    for (const auto& p : model->parameters())
        if (p.dim() == 4) { channelsLast = p.is_contiguous(at::MemoryFormat::ChannelsLast); break; }
    std::vector<bool> wasTraining;
    for (auto* bn : norms) {
        wasTraining.push_back(bn->is_training());
        bn->train(true);
        bn->reset_running_stats();
        bn->options.momentum(c10::nullopt);  // cumulative average over the batches below
    }
    // A few batches are enough for an average. trainIndex is in image-id order, which for folder-per-class projects
    // is class by class, so the sample is spread evenly over it rather than taken from its start.
    const std::vector<int64_t> sample = recalibrationSample(data.trainIndex);
    const size_t n = sample.size();
    for (size_t start = 0; start + 1 < n; start += size_t(batchSize)) {
        std::vector<int64_t> rows(sample.begin() + long(start), sample.begin() + long(std::min(n, start + size_t(batchSize))));
        if (rows.size() < 2) break;
        auto imgs = data.pixels.index_select(0, indexTensor(rows, data.pixels.device())).to(device);
        auto x = BatchAugmenter::centerCrop(imgs, imageSize);
        if (channelsLast) x = x.contiguous(at::MemoryFormat::ChannelsLast);
        model->forward(x);
    }
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

Expected<LoopOutcome> TrainLoop::runProbe(nn::ResNet& model, const TrainData& data, TrainObserver* observer,
                                          const JobContext& ctx) {
    // Frozen backbone in eval mode: one un-augmented embedding per photo, then only the head trains.
    torch::NoGradGuard noGrad;
    model->eval();
    auto embedRows = [&](const std::vector<int64_t>& rows) -> Expected<torch::Tensor> {
        std::vector<torch::Tensor> parts;
        for (size_t s = 0; s < rows.size(); s += size_t(options_.batchSize)) {
            if (ctx.cancelled()) return makeError("cancelled");
            std::vector<int64_t> b(rows.begin() + long(s),
                                   rows.begin() + long(std::min(rows.size(), s + size_t(options_.batchSize))));
            auto imgs = data.pixels.index_select(0, indexTensor(b, data.pixels.device())).to(device_);
            parts.push_back(model->embed(BatchAugmenter::centerCrop(imgs, options_.imageSize)).to(torch::kFloat));
            ctx.report({"embed", int64_t(s + b.size()), int64_t(rows.size()), {}});
        }
        if (parts.empty()) return torch::zeros({0, model->embeddingDim()}, torch::kFloat).to(device_);
        return torch::cat(parts);
    };
    auto Xtr = embedRows(data.trainIndex);
    if (!Xtr) return Xtr.takeError();
    std::vector<int64_t> ytr;
    for (auto r : data.trainIndex) ytr.push_back(data.labels[size_t(r)]);
    LinearProbeOptions po;
    po.lr = options_.lr > 0 ? options_.lr : (options_.optimizer == "sgd" ? 0.1 : 1e-2);
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
    auto tr = evaluate(model, data, data.trainIndex, device_, options_.imageSize, options_.batchSize);
    e.trainAcc = tr.accuracy;
    auto va = evaluate(model, data, data.valIndex, device_, options_.imageSize, options_.batchSize);
    e.valLoss = va.loss, e.valAcc = va.accuracy, e.precision = va.precision, e.recall = va.recall;
    e.confusion = va.confusion;
    e.best = true;
    if (observer) observer->onEpoch(e);
    LoopOutcome out;
    out.history.push_back(e);
    out.bestEpoch = 0;
    out.finalBatchSize = options_.batchSize;
    return out;
}

Expected<LoopOutcome> TrainLoop::run(nn::ResNet& model, const TrainData& data, bool pretrained,
                                     TrainObserver* observer, const JobContext& ctx,
                                     const std::atomic<bool>* paused) {
    try {
        model->to(device_);
        if (options_.mode == "linear-probe") return runProbe(model, data, observer, ctx);
        const bool cuda = device_.is_cuda();
        LoopOutcome out;
        const bool full = options_.mode == "full";
        const bool partial = options_.mode == "partial";
        const bool sgd = options_.optimizer == "sgd";
        const double lr = options_.lr > 0 ? options_.lr : Trainer::defaultLr(options_);
        const double wd = options_.weightDecay >= 0 ? options_.weightDecay : (sgd ? 5e-4 : 0.05);
        // Discriminative rates: a pretrained backbone moves 10x slower than the new head.
        const double backboneLr = (pretrained && full) ? lr / 10.0 : lr;
        const int warmupEpochs = (pretrained && full && options_.epochs >= 3) ? 1 : 0;

        // Parameter groups: {head, backbone} x {decay, no decay on norm weights and biases}.
        std::vector<torch::Tensor> backbone;
        std::vector<torch::optim::OptimizerParamGroup> groups;
        std::vector<double> baseLr;
        std::vector<torch::Tensor> sets[4];
        for (auto& p : model->named_parameters()) {
            const bool head = isHead(p.key());
            const bool trainable = head || full || (partial && p.key().rfind("layer4.", 0) == 0);
            p.value().set_requires_grad(trainable);
            if (!trainable) continue;
            if (!head) backbone.push_back(p.value());
            sets[(head ? 0 : 2) + (p.value().dim() <= 1 ? 1 : 0)].push_back(p.value());
        }
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
            baseLr.push_back(glr);
        }
        std::unique_ptr<torch::optim::Optimizer> optimizer;
        if (sgd)
            optimizer = std::make_unique<torch::optim::SGD>(std::move(groups), torch::optim::SGDOptions(lr));
        else
            optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(lr));

        // Mixed precision (autocast; weights, optimiser state and the loss stay fp32): on CUDA bf16 where the GPU
        // has it, else fp16 with the dynamic loss scaler; on the CPU fp32 unless bf16 is asked for (see
        // resolvePrecision). bf16 needs no loss scaling: it has fp32's exponent range.
        auto precision = resolvePrecision(options_.precision, cuda, observer);
        if (!precision) return precision.takeError();
        const bool bf16 = *precision == Precision::Bf16;
        const bool mixed = *precision != Precision::Fp32;
        out.precision = bf16 ? "bf16" : mixed ? "fp16 (loss scaling)" : "fp32";
        LossScalerOptions so;
        so.enabled = *precision == Precision::Fp16;
        LossScaler scaler(so);
        if (cuda) at::globalContext().setBenchmarkCuDNN(true);
        // channels_last on the CPU too: oneDNN's NHWC convolutions made a ResNet-18 step 1.3-1.6x faster on this
        // 2-core machine (bench_train_step, docs/BENCHMARKS.md). Set again after a resume (loading replaces the data).
        auto toChannelsLast = [&] {
            torch::NoGradGuard noGrad;
            for (auto& p : model->parameters())
                if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
        };
        toChannelsLast();

        auto pixels = data.pixels.to(device_);  // the whole uint8 set lives on the training device
        const auto augPreset = parseAugmentPreset(options_.augmentation);
        if (!augPreset) return augPreset.takeError();
        BatchAugmenter aug(AugmentConfig::forPreset(*augPreset), options_.imageSize);
        auto schedKind = parseSchedule(options_.schedule);
        if (!schedKind) return schedKind.takeError();

        int batch = std::max(2, options_.batchSize);
        const int64_t nTrain = int64_t(data.trainIndex.size());
        const int64_t spe0 = stepsPerEpoch(nTrain, std::max(2, options_.batchSize));
        const int64_t totalSteps = spe0 * options_.epochs;
        LrSchedule schedule(*schedKind, totalSteps, std::min<int64_t>(spe0, std::max<int64_t>(1, totalSteps / 20)));

        int startEpoch = 0;
        double bestLoss = std::numeric_limits<double>::infinity();
        int sinceBest = 0;
        if (!checkpointDir_.empty()) {
            std::error_code ec;
            fs::create_directories(checkpointDir_, ec);
            if (ec) return makeError("cannot create " + checkpointDir_.string() + ": " + ec.message());
        }
        const fs::path lastFile = checkpointDir_.empty() ? fs::path() : checkpointDir_ / "last.pt";
        const fs::path bestFile = checkpointDir_.empty() ? fs::path() : checkpointDir_ / "best.pt";
        if (options_.resume && !lastFile.empty() && fs::exists(lastFile)) {
            // A checkpoint cut short (a full disk, a kill while it was written before atomic saves) or from
            // elsewhere: say which file, rather than fail as an internal error.
            try {
                torch::serialize::InputArchive archive, m, o;
                archive.load_from(lastFile.string());
                archive.read("model", m);
                model->load(m);
                archive.read("optimizer", o);
                optimizer->load(o);
                c10::IValue metaValue;
                archive.read("meta", metaValue);
                auto meta = nlohmann::json::parse(metaValue.toStringRef());
                const auto nextEpoch = jsonAs<int>(meta.value("nextEpoch", nlohmann::json()));
                if (!nextEpoch || *nextEpoch < 0) throw std::runtime_error("no valid nextEpoch in its metadata");
                startEpoch = *nextEpoch;
                bestLoss = jsonValueOr(meta, "bestLoss", bestLoss);
                out.bestEpoch = jsonValueOr(meta, "bestEpoch", -1);
                sinceBest = jsonValueOr(meta, "sinceBest", 0);
                if (const int saved = jsonValueOr(meta, "batch", batch); saved >= 1) batch = saved;
                scaler.loadState(jsonValueOr(meta, "scaler", std::vector<double>{}));
                for (const auto& e : meta.at("history")) out.history.push_back(RunCard::epochFromJson(e));
            } catch (const std::exception& e) {
                return makeError("cannot resume from " + lastFile.string() + ": the checkpoint is damaged or "
                                 "incomplete (" + std::string(e.what()).substr(0, 200) + "); delete it to start the run afresh");
            }
            if (observer)
                observer->onMessage("resuming from " + lastFile.string() + " at epoch " +
                                    std::to_string(startEpoch + 1));
        }
        if (!bestFile.empty() && fs::exists(bestFile)) out.bestCheckpoint = bestFile;

        toChannelsLast();
        std::vector<double> epochIps;
        for (const auto& h : out.history) epochIps.push_back(h.imagesPerSecond);
        // From scratch, batch-norm running statistics start at mean 0 / variance 1, far from the real activations,
        // and an exponential average with momentum 0.1 still holds 0.9^n of that start after n steps: a few-hundred-
        // photo run validates after ~8 steps on half-wrong statistics and its validation loss explodes (81, 330, ...
        // measured). Debias like Adam does: momentum 1/(t+1) makes the running statistics the plain average of the
        // batches seen so far, turning into the usual 0.1 after nine steps. Pretrained statistics are kept as they are.
        std::vector<torch::nn::BatchNorm2dImpl*> norms;
        if (!pretrained)
            for (auto& m : model->modules(false))
                if (auto* bn = m->as<torch::nn::BatchNorm2d>()) norms.push_back(bn);
        const auto runStart = Clock::now();
        for (int epoch = startEpoch; epoch < options_.epochs; ++epoch) {
            const bool warm = epoch < warmupEpochs;
            for (auto& p : backbone) p.set_requires_grad(!warm);
            model->train();
            if (partial)  // frozen stages keep their ImageNet batch-norm statistics
                for (auto& m : model->named_children())
                    if (m.key() != "layer4" && m.key() != "fc") m.value()->eval();

            // Epoch order: a seeded shuffle, or class-balanced draws with replacement.
            SplitRng orderRng(mixSeed(options_.seed, uint64_t(epoch), 0xE9));
            std::vector<int64_t> order = data.trainIndex;
            if (options_.balancedSampling && data.numClasses() > 0) {
                std::vector<std::vector<int64_t>> byClass(size_t(data.numClasses()));
                for (auto r : data.trainIndex) byClass[size_t(data.labels[size_t(r)])].push_back(r);
                std::vector<size_t> nonEmpty;
                for (size_t c = 0; c < byClass.size(); ++c)
                    if (!byClass[c].empty()) nonEmpty.push_back(c);
                for (auto& o : order) {
                    const auto& cls = byClass[nonEmpty[orderRng.below(nonEmpty.size())]];
                    o = cls[orderRng.below(cls.size())];
                }
            } else {
                orderRng.shuffle(order);
            }

            double lossSum = 0.0;
            int64_t seen = 0, correct = 0;
            double stepSeconds = 0.0;
            int64_t stepImages = 0;
            size_t pos = 0;
            int step = 0;
            while (pos + 1 < order.size()) {  // a batch of one would break batch norm: dropped
                if (paused && paused->load()) {
                    if (observer) observer->onPauseHeld(true);
                    while (paused->load() && !ctx.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    if (observer) observer->onPauseHeld(false);
                }
                if (ctx.cancelled()) return makeError("cancelled");
                const size_t end = std::min(order.size(), pos + size_t(batch));
                if (end - pos < 2) break;
                std::vector<int64_t> rows(order.begin() + long(pos), order.begin() + long(end));
                const auto t0 = Clock::now();
                const int64_t spe = stepsPerEpoch(int64_t(order.size()), batch);
                if (!norms.empty()) {
                    const double momentum = std::max(0.1, 1.0 / double(int64_t(epoch) * spe0 + step + 1));
                    for (auto* bn : norms) bn->options.momentum(momentum);
                }
                const int64_t globalStep =
                    int64_t(std::llround((double(epoch) + double(step) / double(spe)) * double(spe0)));
                const double factor = schedule.factor(globalStep);
                for (size_t g = 0; g < optimizer->param_groups().size(); ++g)
                    optimizer->param_groups()[g].options().set_lr(baseLr[g] * factor);
                double stepLoss = 0.0;
                try {
                    auto imgs = pixels.index_select(0, indexTensor(rows, device_));
                    auto x = aug.apply(imgs, boxesFor(data, rows), mixSeed(options_.seed, uint64_t(epoch), uint64_t(step) + 1));
                    x = x.contiguous(at::MemoryFormat::ChannelsLast);
                    std::vector<int64_t> ys;
                    for (auto r : rows) ys.push_back(data.labels[size_t(r)]);
                    auto y = torch::tensor(ys, torch::kLong).to(device_);
                    // Mixup / CutMix: a seeded Beta(a, a) weight, box and pairing inside the batch.
                    const MixPlan mix = BatchAugmenter::planMix(
                        options_.mixupAlpha, options_.cutmixAlpha, int64_t(rows.size()), options_.imageSize,
                        mixSeed(options_.seed, uint64_t(epoch), uint64_t(step) + 0x51ED));
                    const double lam = mix.lambda;
                    torch::Tensor perm;
                    if (mix.kind != MixPlan::Kind::None) {
                        perm = torch::tensor(mix.perm, torch::kLong).to(device_);
                        x = BatchAugmenter::applyMix(x, mix);
                    }
                    for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
                    torch::Tensor logits;
                    {
                        std::unique_ptr<nn::AutocastGuard> autocast;
                        if (mixed)
                            autocast = std::make_unique<nn::AutocastGuard>(
                                cuda ? c10::DeviceType::CUDA : c10::DeviceType::CPU, bf16 ? at::kBFloat16 : at::kHalf);
                        logits = model->forward(x);
                    }
                    logits = logits.to(torch::kFloat);
                    auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options_.labelSmoothing);
                    auto loss = torch::nn::functional::cross_entropy(logits, y, ce);
                    if (perm.defined())
                        loss = loss * lam +
                               torch::nn::functional::cross_entropy(logits, y.index_select(0, perm), ce) * (1.0 - lam);
                    scaler.scale(loss).backward();
                    scaler.step(*optimizer);
                    stepLoss = loss.item<double>();
                    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
                } catch (const c10::Error& e) {
                    if (!cuda || !learn::cuda::isOutOfMemory(e) || batch <= 2) throw;
                    for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
                    learn::cuda::emptyCache();
                    batch = std::max(2, batch / 2);
                    if (observer)
                        observer->onMessage("out of GPU memory: batch size halved to " + std::to_string(batch));
                    continue;  // retry the same images with the smaller batch
                }
                const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
                stepSeconds += secs;
                stepImages += int64_t(rows.size());
                lossSum += stepLoss * double(rows.size());
                seen += int64_t(rows.size());
                if (observer) {
                    StepInfo si;
                    si.epoch = epoch, si.step = step, si.stepsPerEpoch = int(spe), si.loss = stepLoss;
                    si.lr = baseLr.empty() ? 0.0 : baseLr[0] * factor;
                    si.imagesPerSecond = secs > 0 ? double(rows.size()) / secs : 0.0;
                    observer->onStep(si);
                }
                ctx.report({"train", int64_t(epoch) * spe + step + 1, int64_t(options_.epochs) * spe, {}});
                pos = end;
                ++step;
            }

            // Early in a from-scratch run the weights move faster than the running averages can follow; validate
            // on statistics re-measured with the current weights (un-augmented crops, like validation sees).
            if (!norms.empty() && !data.valIndex.empty() &&
                int64_t(epoch + 1) * spe0 <= kRecalibrateSteps)
                recalibrateBatchNorm(model, norms, data, device_, options_.imageSize, std::max(batch, 32));
            auto va = evaluate(model, data, data.valIndex, device_, options_.imageSize, std::max(batch, 32));
            EpochInfo e;
            e.epoch = epoch, e.epochs = options_.epochs;
            e.trainLoss = seen ? lossSum / double(seen) : 0.0;
            e.trainAcc = seen ? double(correct) / double(seen) : 0.0;
            e.valLoss = va.loss, e.valAcc = va.accuracy, e.precision = va.precision, e.recall = va.recall;
            e.confusion = va.confusion;
            e.imagesPerSecond = stepSeconds > 0 ? double(stepImages) / stepSeconds : 0.0;
            epochIps.push_back(e.imagesPerSecond);
            const double elapsed = std::chrono::duration<double>(Clock::now() - runStart).count();
            e.etaSeconds = elapsed / double(epoch - startEpoch + 1) * double(options_.epochs - epoch - 1);
            // Without a validation set, "best" follows the training loss.
            const double monitored = data.valIndex.empty() ? e.trainLoss : e.valLoss;
            e.best = monitored < bestLoss;
            if (e.best) {
                bestLoss = monitored;
                out.bestEpoch = epoch;
                sinceBest = 0;
            } else {
                ++sinceBest;
            }
            out.history.push_back(e);

            if (e.best) {
                // Keep the best weights in memory (a copy of ~45 MB for ResNet-18, milliseconds): the bundle is written
                // from them at the end, with no re-read of a checkpoint.
                torch::NoGradGuard noGrad;
                out.bestWeights.clear();
                for (const auto& t : model->parameters()) out.bestWeights.push_back(t.detach().cpu().clone());
                for (const auto& t : model->buffers()) out.bestWeights.push_back(t.detach().cpu().clone());
            }

            // Checkpoint before telling the observer, so a cancel from onEpoch keeps this epoch. best.pt is the same
            // file as last.pt of the best epoch (a hard link, else a file copy): never serialised twice.
            if (!lastFile.empty() && ((epoch + 1) % std::max(1, options_.checkpointEvery) == 0 ||
                                      epoch + 1 == options_.epochs || e.best)) {
                const auto c0 = Clock::now();
                torch::serialize::OutputArchive archive, m, o;
                model->save(m);
                optimizer->save(o);
                nlohmann::json meta{{"nextEpoch", epoch + 1}, {"bestLoss", bestLoss}, {"bestEpoch", out.bestEpoch},
                                    {"sinceBest", sinceBest}, {"batch", batch}, {"scaler", scaler.state()},
                                    {"options", RunCard::toJson(options_)}};
                auto& hist = meta["history"] = nlohmann::json::array();
                for (const auto& h : out.history) hist.push_back(RunCard::toJson(h));
                archive.write("model", m);
                archive.write("optimizer", o);
                archive.write("meta", c10::IValue(meta.dump()));
                if (auto st = saveAtomic(archive, lastFile); !st) return st.takeError();
                if (e.best) {
                    if (auto st = linkOrCopy(lastFile, bestFile); !st) return st.takeError();
                    out.bestCheckpoint = bestFile;
                }
                out.checkpointSeconds += std::chrono::duration<double>(Clock::now() - c0).count();
            }
            if (observer) observer->onEpoch(e);
            if (options_.earlyStoppingPatience > 0 && sinceBest >= options_.earlyStoppingPatience &&
                epoch + 1 < options_.epochs) {
                out.stoppedEarly = true;
                if (observer)
                    observer->onMessage("early stopping: no validation improvement for " +
                                        std::to_string(sinceBest) + " epochs");
                break;
            }
        }
        for (auto& p : model->parameters()) {
            p.set_requires_grad(true);
            if (p.dim() == 4) p.set_data(p.data().contiguous());  // hand the model back in the standard layout
        }
        if (!epochIps.empty()) {
            std::sort(epochIps.begin(), epochIps.end());
            out.medianImagesPerSecond = epochIps[epochIps.size() / 2];
        }
        out.finalBatchSize = batch;
        return out;
    } catch (const c10::Error& e) {
        return makeError(std::string("training failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(std::string("training failed: ") + e.what());
    }
}

}  // namespace tessera::learn
