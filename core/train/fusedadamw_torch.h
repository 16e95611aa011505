#pragma once
// AdamW through LibTorch's fused kernel (at::_fused_adamw_): one multi-tensor kernel per parameter group and step,
// where torch::optim::AdamW launches about eight small kernels per parameter (500-1,300 launches per ResNet step on a
// GPU, each waiting its turn on the host). Same update rule (decoupled weight decay, bias-corrected moments) and the
// same state (torch::optim::AdamWParamState), so a checkpoint written by either optimiser loads into the other.
#include <torch/torch.h>

namespace tessera::learn {

class FusedAdamW : public torch::optim::AdamW {
public:
    using torch::optim::AdamW::AdamW;
    torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace tessera::learn
