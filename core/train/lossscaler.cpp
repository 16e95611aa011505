#include "core/train/lossscaler_torch.h"

namespace tessera::learn {

LossScaler::LossScaler(LossScalerOptions options)
    : options_(options), scale_(options.enabled ? options.initScale : 1.0) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const {
    return options_.enabled ? loss * scale_ : loss;
}

bool LossScaler::unscale(torch::optim::Optimizer& optimizer) {
    torch::NoGradGuard noGrad;
    bool finite = true;
    std::vector<torch::Tensor> grads;
    if (options_.enabled)
        for (auto& group : optimizer.param_groups())
            for (auto& p : group.params())
                if (p.grad().defined()) grads.push_back(p.mutable_grad());
    if (!grads.empty()) {
        // One multi-tensor kernel divides every gradient and flags any inf/nan on the device; one read for the model.
        const auto options = grads.front().options().dtype(torch::kFloat);
        auto foundInf = torch::zeros({1}, options);
        at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, torch::full({1}, 1.0 / scale_, options));
        finite = foundInf.item<float>() == 0.f;
    }
    // Marked unscaled only once it is done: an error above (out of memory) leaves the next try to unscale again.
    unscaled_ = true;
    finite_ = finite;
    return finite;
}

bool LossScaler::step(torch::optim::Optimizer& optimizer) {
    if (!unscaled_) unscale(optimizer);
    const bool finite = finite_;
    // The next step's gradients are new, and scaled, whatever happens below: an out-of-memory error inside the
    // optimiser's step must not leave this "already unscaled" (the next step would apply gradients scale-times
    // too large).
    unscaled_ = false;
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
