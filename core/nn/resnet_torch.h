#pragma once
// torchvision-compatible ResNet-18/34/50/101: parameter and buffer names equal torchvision's state_dict keys, so
// official and fine-tuned weights load by name. Exposes the last feature map (Grad-CAM), the pooled embedding
// (linear probe) and the logits, and lets the head be replaced for a new class count.
#include <torch/torch.h>

#include "core/nn/architecture.h"

namespace tessera::nn {

class ResNetImpl : public torch::nn::Module {
public:
    explicit ResNetImpl(Architecture arch, int64_t numClasses = 1000);

    // Logits (N, numClasses).
    torch::Tensor forward(const torch::Tensor& x);
    // Output of layer4 (N, C, H/32, W/32) before pooling: the map Grad-CAM weighs.
    torch::Tensor features(const torch::Tensor& x);
    // Global-average-pooled features (N, embeddingDim()).
    torch::Tensor embed(const torch::Tensor& x);
    // Logits from an embedding, so a cached embedding need not run the trunk again.
    torch::Tensor head(const torch::Tensor& embedding);

    // New fc (embeddingDim -> numClasses) with torchvision's default init, on the device/dtype of the old one.
    void resetHead(int64_t numClasses);

    Architecture architecture() const { return arch_; }
    int64_t numClasses() const { return numClasses_; }
    int64_t embeddingDim() const { return nn::embeddingDim(arch_); }

private:
    template <class Block>
    torch::nn::Sequential makeLayer(int64_t planes, int64_t blocks, int64_t stride);
    void initWeights();

    Architecture arch_;
    int64_t numClasses_;
    int64_t inplanes_ = 64;
    torch::nn::Conv2d conv1{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr};
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
    torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace tessera::nn
