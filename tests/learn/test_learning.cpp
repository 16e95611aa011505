// End-to-end learning check: a ResNet-18 from scratch on four generated, visually separable classes (40 photos each)
// reaches >= 95 % validation accuracy on the CPU in well under a minute, and its training loss falls.
#include <gtest/gtest.h>

#include <chrono>

#include "core/train/trainloop_torch.h"
#include "learn/synthdata_torch.h"

using namespace tessera;
using namespace tessera::learn;

TEST(Learning, ResNet18FromScratchSeparatesFourClasses) {
    at::set_num_threads(1);  // deterministic and immune to OpenMP spin-waits on a loaded machine
    auto data = test::synthTrainData(40, 48, 2024);
    ASSERT_EQ(data.valIndex.size(), 40u);
    TrainOptions o;
    o.epochs = 12;
    o.imageSize = 40;
    o.batchSize = 16;
    o.augmentation = AugmentPreset::Light;
    o.labelSmoothing = 0.0;
    o.seed = 1;
    torch::manual_seed(o.seed);
    nn::ResNet model(nn::Architecture::ResNet18, 4);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = TrainLoop(o, torch::kCPU, {}).run(model, data, false, nullptr, tessera::JobContext{});
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r->history.size(), 12u);
    EXPECT_LT(r->history.back().trainLoss, 0.5 * r->history.front().trainLoss);
    EXPECT_GE(r->history.back().valAcc, 0.95) << "val loss " << r->history.back().valLoss;
    RecordProperty("seconds", std::to_string(secs));
    std::printf("learning run: %.1f s, final val acc %.3f, train loss %.3f -> %.3f\n", secs,
                r->history.back().valAcc, r->history.front().trainLoss, r->history.back().trainLoss);
}
