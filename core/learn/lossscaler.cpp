#include "core/learn/lossscaler_torch.h"

namespace tessera::learn {

LossScaler::LossScaler(LossScalerOptions options)
    : options_(options), scale_(options.enabled ? options.initScale : 1.0) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const {
    return options_.enabled ? loss * scale_ : loss;
}

bool LossScaler::unscale(torch::optim::Optimizer& optimizer) {
    torch::NoGradGuard noGrad;
    unscaled_ = true;
    finite_ = true;
    if (!options_.enabled) return true;
    const double inv = 1.0 / scale_;
    // One device sync for the whole model: accumulate a non-finite count on the device, read it once.
    torch::Tensor bad;
    for (auto& group : optimizer.param_groups())
        for (auto& p : group.params()) {
            auto& g = p.mutable_grad();
            if (!g.defined()) continue;
            g.mul_(inv);
            auto n = torch::logical_not(torch::isfinite(g)).sum();
            bad = bad.defined() ? bad + n : n;
        }
    finite_ = !bad.defined() || bad.item<int64_t>() == 0;
    return finite_;
}

bool LossScaler::step(torch::optim::Optimizer& optimizer) {
    if (!unscaled_) unscale(optimizer);
    const bool finite = finite_;
    if (finite)
        optimizer.step();
    else
        ++skipped_;
    update(finite);
    return finite;
}

void LossScaler::update(bool finite) {
    unscaled_ = false;
    if (!options_.enabled) return;
    if (!finite) {
        scale_ *= options_.backoffFactor;
        growthTracker_ = 0;
        return;
    }
    if (++growthTracker_ >= options_.growthInterval) {
        scale_ *= options_.growthFactor;
        growthTracker_ = 0;
    }
}

std::vector<double> LossScaler::state() const { return {scale_, double(growthTracker_), double(skipped_)}; }

void LossScaler::loadState(const std::vector<double>& state) {
    if (state.size() != 3) return;
    scale_ = state[0];
    growthTracker_ = int(state[1]);
    skipped_ = int64_t(state[2]);
}

}  // namespace tessera::learn
