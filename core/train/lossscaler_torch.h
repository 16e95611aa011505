#pragma once
// Dynamic loss scaling for fp16 training (what torch.cuda.amp.GradScaler does): the loss is multiplied by a large
// scale so small gradients survive fp16; a step whose gradients hold inf/nan is skipped and the scale backed off,
// and after `growthInterval` clean steps the scale grows again. Works on any device, so it is tested on the CPU.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace tessera::learn {

struct LossScalerOptions {
    double initScale = 65536.0;
    double growthFactor = 2.0;
    double backoffFactor = 0.5;
    int growthInterval = 2000;
    bool enabled = true;  // disabled: scale 1, never skips (bf16 / fp32 training)
    static LossScalerOptions defaults() { return LossScalerOptions{}; }
};

class LossScaler {
public:
    explicit LossScaler(LossScalerOptions options = LossScalerOptions::defaults());

    torch::Tensor scale(const torch::Tensor& loss) const;
    // Divides every gradient of `optimizer` by the scale; returns false if any is inf/nan. Call once per step,
    // before gradient clipping (clipping must see true gradients).
    bool unscale(torch::optim::Optimizer& optimizer);
    // Steps the optimizer unless the gradients were not finite, then updates the scale. Returns whether it stepped.
    // Calls unscale() itself if the caller did not.
    bool step(torch::optim::Optimizer& optimizer);
    void update(bool finite);

    double scaleValue() const { return scale_; }
    int64_t skippedSteps() const { return skipped_; }
    bool enabled() const { return options_.enabled; }

    // For checkpoints.
    std::vector<double> state() const;
    void loadState(const std::vector<double>& state);

private:
    LossScalerOptions options_;
    double scale_;
    int growthTracker_ = 0;
    int64_t skipped_ = 0;
    bool unscaled_ = false;
    bool finite_ = true;
};

}  // namespace tessera::learn
