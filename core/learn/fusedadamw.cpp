#include "core/learn/fusedadamw_torch.h"

#include "core/learn/cudadevice_torch.h"

namespace tessera::learn {
namespace {

// The fused kernel walks a parameter, its gradient and its moments as flat arrays: they must share one memory layout.
// A gradient or a moment in another layout (contiguous moments loaded from a checkpoint into channels_last weights,
// say) is copied into the parameter's.
torch::Tensor inLayoutOf(const torch::Tensor& t, const torch::Tensor& param) {
    if (t.strides() == param.strides()) return t;
    return torch::empty_like(param, torch::MemoryFormat::Preserve).copy_(t);
}

}  // namespace

torch::Tensor FusedAdamW::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        torch::AutoGradMode enable(true);
        loss = closure();
    }
    for (auto& group : param_groups()) {
        const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
        std::vector<torch::Tensor> params, grads, expAvgs, expAvgSqs, maxExpAvgSqs;
        std::vector<float> steps;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            TORCH_CHECK(!p.grad().is_sparse(), "AdamW does not support sparse gradients");
            auto& slot = state_[p.unsafeGetTensorImpl()];
            if (!slot) {
                auto fresh = std::make_unique<torch::optim::AdamWParamState>();
                fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                if (o.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                slot = std::move(fresh);
            }
            auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
            s.exp_avg(inLayoutOf(s.exp_avg(), p));
            s.exp_avg_sq(inLayoutOf(s.exp_avg_sq(), p));
            if (o.amsgrad()) {
                if (!s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                s.max_exp_avg_sq(inLayoutOf(s.max_exp_avg_sq(), p));
                maxExpAvgSqs.push_back(s.max_exp_avg_sq());
            }
            s.step(s.step() + 1);
            params.push_back(p);
            grads.push_back(inLayoutOf(p.grad(), p));
            expAvgs.push_back(s.exp_avg());
            expAvgSqs.push_back(s.exp_avg_sq());
            steps.push_back(float(s.step()));
        }
        if (params.empty()) continue;
        // The kernel reads each parameter's step count (already advanced) from a tensor on its device: all of them
        // travel in one copy.
        const auto stepTensors = cuda::upload(torch::tensor(steps), params.front().device()).unbind(0);
        const auto [beta1, beta2] = o.betas();
        at::_fused_adamw_(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, stepTensors, o.lr(), beta1, beta2,
                          o.weight_decay(), o.eps(), o.amsgrad(), /*maximize=*/false);
    }
    return loss;
}

}  // namespace tessera::learn
