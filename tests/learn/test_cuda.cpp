// The CUDA paths of the trainer (label gpu; built only against a CUDA LibTorch): augmentation on the GPU equals the
// CPU's, bf16 autocast forward, fp16 with the loss scaler, channels_last, and batch halving on out-of-memory. Every
// test FAILS when no CUDA device is usable: a gpu run that silently tested nothing would look like a pass.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/train/augment_torch.h"
#include "core/device/cudadevice_torch.h"
#include "core/train/fusedadamw_torch.h"
#include "core/train/lossscaler_torch.h"
#include "core/train/trainloop_torch.h"
#include "core/nn/autocast_torch.h"
#include "learn/synthdata_torch.h"

using namespace tessera;
using namespace tessera::learn;

namespace {

class Cuda : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(torch::cuda::is_available()) << "no CUDA device is available to LibTorch: the gpu tests need one";
    }
    const torch::Device gpu{torch::kCUDA};
};

struct MessageObserver : TrainObserver {
    std::vector<std::string> lines;
    void onMessage(const std::string& m) override { lines.push_back(m); }
};

struct StepObserver : TrainObserver {
    std::vector<std::pair<int, int>> steps;  // (epoch, step) in the order reported
    std::vector<double> losses;
    void onStep(const StepInfo& s) override { steps.emplace_back(s.epoch, s.step), losses.push_back(s.loss); }
};

}  // namespace

TEST_F(Cuda, AugmentationOnTheGpuEqualsTheCpu) {
    torch::manual_seed(3);
    auto canvas = torch::randint(0, 256, {6, 3, 80, 80}, torch::kLong).to(torch::kUInt8);
    std::vector<ContentBox> boxes(6, ContentBox{-0.9f, -0.6f, 0.9f, 0.7f});
    for (auto preset : {AugmentPreset::None, AugmentPreset::Strong, AugmentPreset::Archaeology}) {
        BatchAugmenter aug(AugmentConfig::forPreset(preset), 64);
        auto cpu = aug.apply(canvas, boxes, 1234);
        auto cuda = aug.apply(canvas.to(gpu), boxes, 1234).cpu();
        ASSERT_EQ(cuda.sizes(), cpu.sizes());
        // Normalised units (1/255 of the range is ~0.017): differences are float rounding in grid_sample and blur.
        EXPECT_LT((cuda - cpu).abs().max().item<float>(), 2e-3f) << augmentPresetName(preset);
    }
    auto cpuCrop = BatchAugmenter::centerCrop(canvas, 64);
    auto gpuCrop = BatchAugmenter::centerCrop(canvas.to(gpu), 64).cpu();
    EXPECT_LT((gpuCrop - cpuCrop).abs().max().item<float>(), 1e-5f);
}

TEST_F(Cuda, Bf16AutocastForwardIsCloseToFp32) {
    torch::manual_seed(1);
    nn::ResNet model(nn::Architecture::ResNet18, 5);
    model->to(gpu);
    model->eval();
    torch::NoGradGuard noGrad;
    auto x = torch::randn({4, 3, 64, 64}).to(gpu);
    auto ref = model->forward(x).to(torch::kFloat);
    torch::Tensor low;
    {
        nn::AutocastGuard autocast(c10::DeviceType::CUDA, at::kBFloat16);
        low = model->forward(x);
    }
    EXPECT_EQ(low.scalar_type(), at::kBFloat16);
    const float scale = ref.abs().max().item<float>();
    EXPECT_LT((low.to(torch::kFloat) - ref).abs().max().item<float>(), 0.05f * scale + 1e-3f);
    EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CUDA));  // the guard restored the state
}

TEST_F(Cuda, Fp16WithLossScalerStepsAndSkipsOverflow) {
    torch::manual_seed(2);
    nn::ResNet model(nn::Architecture::ResNet18, 3);
    model->to(gpu);
    model->train();
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
    LossScalerOptions so;
    so.initScale = 1024.0;
    LossScaler scaler(so);
    auto x = torch::randn({8, 3, 64, 64}).to(gpu);
    auto y = torch::tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1}, torch::kLong).to(gpu);
    auto before = model->parameters()[0].detach().clone();

    auto fp16Loss = [&] {
        nn::AutocastGuard autocast(c10::DeviceType::CUDA, at::kHalf);
        auto logits = model->forward(x);
        EXPECT_EQ(logits.scalar_type(), at::kHalf);
        return torch::nn::functional::cross_entropy(logits.to(torch::kFloat), y);
    };
    opt.zero_grad();
    auto loss = fp16Loss();
    scaler.scale(loss).backward();
    EXPECT_TRUE(scaler.step(opt));
    EXPECT_TRUE(std::isfinite(loss.item<double>()));
    EXPECT_FALSE(torch::equal(before, model->parameters()[0].detach()));
    EXPECT_EQ(scaler.scaleValue(), 1024.0);

    // An inf gradient: the step is skipped, the weights stay, the scale backs off.
    auto kept = model->parameters()[0].detach().clone();
    opt.zero_grad();
    loss = fp16Loss();
    scaler.scale(loss).backward();
    model->parameters()[0].mutable_grad().fill_(std::numeric_limits<float>::infinity());
    EXPECT_FALSE(scaler.step(opt));
    EXPECT_TRUE(torch::equal(kept, model->parameters()[0].detach()));
    EXPECT_EQ(scaler.scaleValue(), 512.0);
    EXPECT_EQ(scaler.skippedSteps(), 1);
}

TEST_F(Cuda, ChannelsLastGivesTheSameLogits) {
    torch::manual_seed(4);
    nn::ResNet model(nn::Architecture::ResNet18, 4);
    model->to(gpu);
    model->eval();
    torch::NoGradGuard noGrad;
    auto x = torch::randn({2, 3, 64, 64}).to(gpu);
    auto ref = model->forward(x);
    for (auto& p : model->parameters())
        if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
    auto cl = model->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_TRUE(model->parameters()[0].is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_LT((cl - ref).abs().max().item<float>(), 1e-3f * (ref.abs().max().item<float>() + 1.f));
}

TEST_F(Cuda, TrainLoopLearnsOnTheGpu) {
    auto data = test::synthTrainData(12, 40, 7);
    TrainOptions o;
    o.epochs = 3;
    o.imageSize = 32;
    o.batchSize = 8;
    o.augmentation = AugmentPreset::Light;
    o.cutmixAlpha = 1.0;
    o.mixupAlpha = 0.2;
    torch::manual_seed(5);
    nn::ResNet model(nn::Architecture::ResNet18, data.numClasses());
    TrainLoop loop(o, gpu, {});
    auto out = loop.run(model, data, false, nullptr, JobContext{});
    ASSERT_TRUE(out.ok()) << out.error();
    ASSERT_EQ(out->history.size(), 3u);
    for (const auto& e : out->history) EXPECT_TRUE(std::isfinite(e.trainLoss) && std::isfinite(e.valLoss));
    EXPECT_FALSE(out->bestWeights.empty());
    EXPECT_EQ(out->precision, tessera::learn::cuda::supportsBf16() ? "bf16" : "fp16 (loss scaling)");  // precision auto

    // Each requested precision is what the run reports (bf16 falls back to fp16 on a GPU without it).
    for (const std::string p : {"fp32", "fp16", "bf16"}) {
        o.epochs = 1;
        o.precision = *parseComputePrecision(p);
        torch::manual_seed(5);
        nn::ResNet m(nn::Architecture::ResNet18, data.numClasses());
        auto r = TrainLoop(o, gpu, {}).run(m, data, false, nullptr, JobContext{});
        ASSERT_TRUE(r.ok()) << p << ": " << r.error();
        const std::string expected = p == "fp32" ? "fp32"
                                     : (p == "bf16" && tessera::learn::cuda::supportsBf16()) ? "bf16"
                                                                                   : "fp16 (loss scaling)";
        EXPECT_EQ(r->precision, expected) << p;
        EXPECT_TRUE(std::isfinite(r->history.back().valLoss)) << p;
    }
}

TEST_F(Cuda, OutOfMemoryHalvesTheBatchAndGoesOn) {
    // A batch far beyond any GPU's memory at this size (about 130 MB of activations per 512 px image in training:
    // 2,048 of them need some 260 GB), so the first step runs out of memory for real, on an H100 and an H200 alike.
    const int canvas = 520, size = 512, n = 2048;
    TrainData data;
    data.pixels = torch::randint(0, 256, {n, 3, canvas, canvas}, torch::kLong).to(torch::kUInt8);
    data.boxes.assign(n, Canvas::fullBox());
    for (int i = 0; i < n; ++i) data.labels.push_back(i % 2), data.trainIndex.push_back(i);
    data.classNames = {"a", "b"};
    TrainOptions o;
    o.epochs = 1;
    o.imageSize = size;
    o.batchSize = n;
    o.augmentation = AugmentPreset::None;
    torch::manual_seed(6);
    nn::ResNet model(nn::Architecture::ResNet18, 2);
    MessageObserver obs;
    TrainLoop loop(o, gpu, {});
    auto out = loop.run(model, data, false, &obs, JobContext{});
    ASSERT_TRUE(out.ok()) << out.error();
    EXPECT_LT(out->finalBatchSize, n);
    bool told = false;
    for (const auto& l : obs.lines) told = told || l.find("batch size halved") != std::string::npos;
    EXPECT_TRUE(told);
    ASSERT_EQ(out->history.size(), 1u);
    EXPECT_TRUE(std::isfinite(out->history[0].trainLoss));
}

TEST_F(Cuda, FusedAdamWOnTheGpuFollowsTorchAdamW) {
    torch::manual_seed(7);
    auto w0 = torch::randn({16, 8, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast).to(gpu);
    auto b0 = torch::randn({16}).to(gpu);
    auto ref = std::vector<torch::Tensor>{w0.clone().set_requires_grad(true), b0.clone().set_requires_grad(true)};
    auto fused = std::vector<torch::Tensor>{w0.clone().set_requires_grad(true), b0.clone().set_requires_grad(true)};
    torch::optim::AdamW refOpt(ref, torch::optim::AdamWOptions(3e-3).weight_decay(0.05));
    FusedAdamW fusedOpt(fused, torch::optim::AdamWOptions(3e-3).weight_decay(0.05));
    for (int step = 0; step < 5; ++step) {
        auto x = torch::randn({4, 8, 10, 10}).to(gpu).contiguous(at::MemoryFormat::ChannelsLast);
        for (auto* params : {&ref, &fused}) {
            for (auto& p : *params) p.mutable_grad() = torch::Tensor();
            torch::conv2d(x, (*params)[0], (*params)[1]).pow(2).mean().backward();
        }
        refOpt.step();
        fusedOpt.step();
        for (size_t i = 0; i < ref.size(); ++i)
            EXPECT_TRUE(torch::allclose(fused[i].detach(), ref[i].detach(), 1e-5, 1e-6)) << "parameter " << i;
    }
}

TEST_F(Cuda, StepsAreReportedOnceEachInOrderThoughReadInGroups) {
    // On a GPU the loop reads losses every few steps: every step must still reach the observer, once, in order,
    // with a finite loss, and the epoch's figures must count every photo.
    auto data = test::synthTrainData(12, 40, 8);  // 48 photos, 36 training: 18 steps an epoch, over two read windows
    TrainOptions o;
    o.epochs = 2;
    o.imageSize = 32;
    o.batchSize = 2;
    o.augmentation = AugmentPreset::Light;
    torch::manual_seed(9);
    nn::ResNet model(nn::Architecture::ResNet18, data.numClasses());
    StepObserver obs;
    auto out = TrainLoop(o, gpu, {}).run(model, data, false, &obs, JobContext{});
    ASSERT_TRUE(out.ok()) << out.error();
    const int64_t n = int64_t(data.trainIndex.size());
    const int spe = int(n / 2 + (n % 2 >= 2 ? 1 : 0));
    ASSERT_EQ(obs.steps.size(), size_t(2 * spe));
    for (int e = 0; e < 2; ++e)
        for (int k = 0; k < spe; ++k) EXPECT_EQ(obs.steps[size_t(e * spe + k)], std::make_pair(e, k));
    for (double l : obs.losses) EXPECT_TRUE(std::isfinite(l));
    for (const auto& e : out->history) EXPECT_GT(e.trainAcc + e.trainLoss, 0.0);
}

TEST_F(Cuda, PhotosThatDoNotFitBesideTrainingWaitInHostMemory) {
    // Leave about 3.5 GiB of the GPU free, then train on 2.2 GB of decoded photos: with the room training needs
    // (cuda::pixelsFitOnGpu), they cannot live on the GPU. Training must say so and go on from host memory.
    const int64_t free = learn::cuda::freeMemoryBytes();
    ASSERT_GT(free, int64_t(4) << 30);
    auto hog = torch::empty({free - (int64_t(7) << 29)}, torch::TensorOptions().dtype(torch::kUInt8).device(gpu));
    const int n = 2000, canvas = 600;
    TrainData data;
    data.pixels = torch::zeros({n, 3, canvas, canvas}, torch::kUInt8);
    data.pixels.narrow(0, 0, 48).copy_(torch::randint(0, 256, {48, 3, canvas, canvas}, torch::kLong).to(torch::kUInt8));
    data.boxes.assign(n, Canvas::fullBox());
    for (int i = 0; i < n; ++i) data.labels.push_back(i % 2);
    for (int i = 0; i < 40; ++i) data.trainIndex.push_back(i);
    for (int i = 40; i < 48; ++i) data.valIndex.push_back(i);
    data.classNames = {"a", "b"};
    TrainOptions o;
    o.epochs = 1;
    o.imageSize = 64;
    o.batchSize = 8;
    o.augmentation = AugmentPreset::Strong;
    torch::manual_seed(10);
    nn::ResNet model(nn::Architecture::ResNet18, 2);
    MessageObserver obs;
    auto out = TrainLoop(o, gpu, {}).run(model, data, false, &obs, JobContext{});
    ASSERT_TRUE(out.ok()) << out.error();
    bool told = false;
    for (const auto& l : obs.lines) told = told || l.find("stay in host memory") != std::string::npos;
    EXPECT_TRUE(told);
    ASSERT_EQ(out->history.size(), 1u);
    EXPECT_TRUE(std::isfinite(out->history[0].trainLoss) && std::isfinite(out->history[0].valLoss));
}
