#pragma once
// The two residual blocks of torchvision's ResNets (0.14), with torchvision's child names (conv1, bn1, ...,
// downsample.0/1) so that state_dict keys match the official files. Torch header: core sources and tests only.
#include <torch/torch.h>

namespace tessera::nn {

// Two 3x3 convolutions (ResNet-18/34). expansion = 1.
class BasicBlockImpl : public torch::nn::Module {
public:
    static constexpr int64_t kExpansion = 1;
    BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool withDownsample);
    torch::Tensor forward(const torch::Tensor& x);

private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// 1x1 -> 3x3 -> 1x1 (ResNet-50/101). The stride sits on the 3x3 convolution ("ResNet v1.5"), as in torchvision.
class BottleneckImpl : public torch::nn::Module {
public:
    static constexpr int64_t kExpansion = 4;
    BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool withDownsample);
    torch::Tensor forward(const torch::Tensor& x);

private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

// conv1x1 + BatchNorm projection used when a block changes resolution or width; children "0" and "1".
torch::nn::Sequential makeDownsample(int64_t inplanes, int64_t outplanes, int64_t stride);

}  // namespace tessera::nn
