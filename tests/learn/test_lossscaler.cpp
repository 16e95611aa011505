// Dynamic loss scaler: skip + back off on inf/nan gradients, grow after the interval, scale/unscale round trip.
#include <gtest/gtest.h>

#include <limits>

#include "core/train/lossscaler_torch.h"

using namespace tessera::learn;

namespace {

struct Rig {
    torch::Tensor w = torch::ones({4}).set_requires_grad(true);
    std::unique_ptr<torch::optim::SGD> opt =
        std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{w}, torch::optim::SGDOptions(0.1));
};

}  // namespace

TEST(LossScaler, SkipsStepAndHalvesScaleOnInfOrNan) {
    for (float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
        Rig s;
        LossScalerOptions o;
        o.initScale = 1024;
        LossScaler scaler(o);
        s.w.mutable_grad() = torch::tensor({1.f, bad, 1.f, 1.f});  // injected overflow
        const auto before = s.w.detach().clone();
        EXPECT_FALSE(scaler.step(*s.opt));
        EXPECT_TRUE(torch::equal(s.w.detach(), before)) << "weights changed on a skipped step";
        EXPECT_DOUBLE_EQ(scaler.scaleValue(), 512.0);
        EXPECT_EQ(scaler.skippedSteps(), 1);
    }
}

TEST(LossScaler, UnscalesAndStepsOnFiniteGradients) {
    Rig s;
    LossScalerOptions o;
    o.initScale = 256;
    LossScaler scaler(o);
    auto loss = (s.w * 2).sum();
    scaler.scale(loss).backward();  // grad = 2 * 256
    EXPECT_TRUE(scaler.step(*s.opt));
    // unscaled gradient 2, lr 0.1: 1 - 0.2
    EXPECT_TRUE(torch::allclose(s.w.detach(), torch::full({4}, 0.8f)));
    EXPECT_DOUBLE_EQ(scaler.scaleValue(), 256.0);
}

TEST(LossScaler, GrowsAfterInterval) {
    Rig s;
    LossScalerOptions o;
    o.initScale = 8;
    o.growthInterval = 3;
    LossScaler scaler(o);
    for (int i = 0; i < 3; ++i) {
        s.w.mutable_grad() = torch::ones({4});
        EXPECT_TRUE(scaler.step(*s.opt));
        EXPECT_DOUBLE_EQ(scaler.scaleValue(), i < 2 ? 8.0 : 16.0);
    }
    // An overflow resets the growth count: two clean steps later the scale has not grown yet.
    s.w.mutable_grad() = torch::full({4}, std::numeric_limits<float>::infinity());
    EXPECT_FALSE(scaler.step(*s.opt));
    EXPECT_DOUBLE_EQ(scaler.scaleValue(), 8.0);
    for (int i = 0; i < 2; ++i) {
        s.w.mutable_grad() = torch::ones({4});
        scaler.step(*s.opt);
    }
    EXPECT_DOUBLE_EQ(scaler.scaleValue(), 8.0);
    auto st = scaler.state();
    LossScaler restored(o);
    restored.loadState(st);
    EXPECT_DOUBLE_EQ(restored.scaleValue(), 8.0);
    s.w.mutable_grad() = torch::ones({4});
    restored.step(*s.opt);
    EXPECT_DOUBLE_EQ(restored.scaleValue(), 16.0);  // the growth count travelled with the state
}

TEST(LossScaler, DisabledIsTransparent) {
    Rig s;
    LossScalerOptions o;
    o.enabled = false;
    LossScaler scaler(o);
    auto l = torch::tensor(3.f);
    EXPECT_TRUE(torch::equal(scaler.scale(l), l));
    EXPECT_DOUBLE_EQ(scaler.scaleValue(), 1.0);
}

TEST(LossScaler, AnOptimiserStepThatThrowsLeavesTheNextStepScaled) {
    // An out-of-memory error inside the optimiser's step (after the unscale) must not leave the scaler "already
    // unscaled": the retried step's fresh, scaled gradients would be applied scale-times too large.
    struct FailingOnce : torch::optim::SGD {
        using torch::optim::SGD::SGD;
        bool fail = true;
        torch::Tensor step(LossClosure closure = nullptr) override {
            if (fail) {
                fail = false;
                TORCH_CHECK(false, "simulated out of memory");
            }
            return torch::optim::SGD::step(closure);
        }
    };
    auto w = torch::ones({4}).set_requires_grad(true);
    FailingOnce opt(std::vector<torch::Tensor>{w}, torch::optim::SGDOptions(0.1));
    LossScalerOptions o;
    o.initScale = 256;
    LossScaler scaler(o);
    scaler.scale((w * 2).sum()).backward();
    EXPECT_THROW(scaler.step(opt), c10::Error);
    w.mutable_grad() = torch::Tensor();
    scaler.scale((w * 2).sum()).backward();  // the retry: gradient 2 * 256 again
    EXPECT_TRUE(scaler.step(opt));
    EXPECT_TRUE(torch::allclose(w.detach(), torch::full({4}, 0.8f)));  // 1 - 0.1 * 2, not 1 - 0.1 * 512
}
