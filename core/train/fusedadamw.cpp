#include "core/train/fusedadamw_torch.h"

#include "core/device/cudadevice_torch.h"

namespace tessera::learn {
namespace {

// Same memory layout: equal strides wherever the size is not 1 (a size-1 dimension's stride is arbitrary; cuDNN's
// gradient of a 1x1 convolution's weight differs from the weight there).
bool sameLayout(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.sizes() != b.sizes()) return false;
    for (int64_t d = 0; d < a.dim(); ++d)
        if (a.size(d) != 1 && a.stride(d) != b.stride(d)) return false;
    return true;
}

// The fused kernel walks a parameter, its gradient and its moments as flat arrays on one device: they must share one
// memory layout. A gradient or a moment in another layout or on another device (contiguous moments loaded from a
// checkpoint into channels_last weights, say) is copied into the parameter's.
torch::Tensor inLayoutOf(const torch::Tensor& t, const torch::Tensor& param) {
    if (t.device() == param.device() && sameLayout(t, param)) return t;
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
        std::vector<torch::optim::AdamWParamState*> counted;
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
            params.push_back(p);
            grads.push_back(inLayoutOf(p.grad(), p));
            expAvgs.push_back(s.exp_avg());
            expAvgSqs.push_back(s.exp_avg_sq());
            counted.push_back(&s);
            steps.push_back(float(s.step() + 1));
        }
        if (params.empty()) continue;
        // The kernel reads each parameter's step count (this step's) from a tensor on its device: all of them travel
        // in one copy. The counts advance only once the update has run, so a step that fails (out of memory) and is
        // retried counts once.
        const auto stepTensors = cuda::upload(torch::tensor(steps), params.front().device()).unbind(0);
        const auto [beta1, beta2] = o.betas();
        at::_fused_adamw_(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, stepTensors, o.lr(), beta1, beta2,
                          o.weight_decay(), o.eps(), o.amsgrad(), /*maximize=*/false);
        for (auto* s : counted) s->step(s->step() + 1);
    }
    return loss;
}

}  // namespace tessera::learn
