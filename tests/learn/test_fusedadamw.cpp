// FusedAdamW (at::_fused_adamw_) against LibTorch's own AdamW: the same trajectory over several steps with two
// parameter groups, channels_last weights and a parameter without a gradient; and checkpoints that load either way.
#include <gtest/gtest.h>

#include <sstream>

#include "core/train/fusedadamw_torch.h"

using namespace tessera::learn;

namespace {

struct Rig {
    torch::Tensor conv, bias, frozen;
    explicit Rig(uint64_t seed) {
        torch::manual_seed(seed);
        conv = torch::randn({8, 3, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast).set_requires_grad(true);
        bias = torch::randn({8}).set_requires_grad(true);
        frozen = torch::randn({4}).set_requires_grad(true);  // never gets a gradient: must stay untouched
    }
    std::vector<torch::optim::OptimizerParamGroup> groups() const {
        std::vector<torch::optim::OptimizerParamGroup> g;
        g.emplace_back(std::vector<torch::Tensor>{conv},
                       std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(3e-3).weight_decay(0.05)));
        g.emplace_back(std::vector<torch::Tensor>{bias, frozen},
                       std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-2).weight_decay(0.0)));
        return g;
    }
    void backward(int step) const {
        conv.mutable_grad() = torch::Tensor();
        bias.mutable_grad() = torch::Tensor();
        torch::manual_seed(100 + step);
        auto x = torch::randn({2, 3, 6, 6}).contiguous(at::MemoryFormat::ChannelsLast);
        auto y = torch::conv2d(x, conv, bias);
        (y * y).mean().backward();
    }
};

void expectClose(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
    EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-6)) << what << ": max difference "
                                                   << (a - b).abs().max().item<float>();
}

}  // namespace

TEST(FusedAdamW, FollowsTorchAdamWStepForStep) {
    Rig ref(1), fused(1);
    torch::optim::AdamW refOpt(ref.groups(), torch::optim::AdamWOptions(1e-3));
    FusedAdamW fusedOpt(fused.groups(), torch::optim::AdamWOptions(1e-3));
    const auto frozenBefore = fused.frozen.detach().clone();
    for (int step = 0; step < 6; ++step) {
        ref.backward(step);
        fused.backward(step);
        EXPECT_TRUE(fused.conv.grad().is_contiguous(at::MemoryFormat::ChannelsLast));
        refOpt.step();
        fusedOpt.step();
        expectClose(fused.conv.detach(), ref.conv.detach(), "conv weights");
        expectClose(fused.bias.detach(), ref.bias.detach(), "bias");
    }
    EXPECT_TRUE(torch::equal(fused.frozen.detach(), frozenBefore));
    EXPECT_TRUE(fused.conv.is_contiguous(at::MemoryFormat::ChannelsLast));
}

TEST(FusedAdamW, CheckpointsLoadEitherWay) {
    // Three steps with LibTorch's AdamW, saved; FusedAdamW loads that state and continues exactly as AdamW would.
    Rig a(2), b(2);
    torch::optim::AdamW first(a.groups(), torch::optim::AdamWOptions(1e-3));
    for (int step = 0; step < 3; ++step) a.backward(step), first.step();
    std::stringstream saved;
    {
        torch::serialize::OutputArchive archive;
        first.save(archive);
        archive.save_to(saved);
    }
    {
        torch::NoGradGuard noGrad;
        b.conv.copy_(a.conv), b.bias.copy_(a.bias);
    }
    FusedAdamW resumed(b.groups(), torch::optim::AdamWOptions(1e-3));
    torch::serialize::InputArchive in;
    in.load_from(saved);
    resumed.load(in);
    for (int step = 3; step < 6; ++step) {
        a.backward(step), b.backward(step);
        first.step(), resumed.step();
        expectClose(b.conv.detach(), a.conv.detach(), "conv weights after resume");
        expectClose(b.bias.detach(), a.bias.detach(), "bias after resume");
    }
    // ... and what FusedAdamW saves reads back into LibTorch's AdamW: same step counts and moments.
    std::stringstream again;
    {
        torch::serialize::OutputArchive archive;
        resumed.save(archive);
        archive.save_to(again);
    }
    torch::optim::AdamW reread(a.groups(), torch::optim::AdamWOptions(1e-3));
    torch::serialize::InputArchive in2;
    in2.load_from(again);
    reread.load(in2);
    const auto& state = reread.state();
    auto it = state.find(a.conv.unsafeGetTensorImpl());
    ASSERT_NE(it, state.end());
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    EXPECT_EQ(s.step(), 6);
    const auto& fusedState = static_cast<const torch::optim::AdamWParamState&>(
        *resumed.state().at(b.conv.unsafeGetTensorImpl()));
    expectClose(s.exp_avg(), fusedState.exp_avg(), "first moment");
    expectClose(s.exp_avg_sq(), fusedState.exp_avg_sq(), "second moment");
}
