#include "core/nn/resnet_torch.h"

#include <array>

#include "core/nn/resnetblocks_torch.h"

namespace tessera::nn {

namespace {
std::array<int64_t, 4> blockCounts(Architecture arch) {
    switch (arch) {
    case Architecture::ResNet18: return {2, 2, 2, 2};
    case Architecture::ResNet34: return {3, 4, 6, 3};
    case Architecture::ResNet50: return {3, 4, 6, 3};
    case Architecture::ResNet101: return {3, 4, 23, 3};
    }
    return {0, 0, 0, 0};
}
bool usesBottleneck(Architecture arch) { return arch == Architecture::ResNet50 || arch == Architecture::ResNet101; }
}  // namespace

ResNetImpl::ResNetImpl(Architecture arch, int64_t numClasses) : arch_(arch), numClasses_(numClasses) {
    conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(64)));
    const auto counts = blockCounts(arch);
    const std::array<int64_t, 4> planes{64, 128, 256, 512};
    std::array<torch::nn::Sequential, 4> layers{nullptr, nullptr, nullptr, nullptr};
    for (size_t i = 0; i < 4; ++i) {
        const int64_t stride = i == 0 ? 1 : 2;
        layers[i] = usesBottleneck(arch) ? makeLayer<Bottleneck>(planes[i], counts[i], stride)
                                         : makeLayer<BasicBlock>(planes[i], counts[i], stride);
    }
    layer1 = register_module("layer1", layers[0]);
    layer2 = register_module("layer2", layers[1]);
    layer3 = register_module("layer3", layers[2]);
    layer4 = register_module("layer4", layers[3]);
    fc = register_module("fc", torch::nn::Linear(nn::embeddingDim(arch), numClasses));
    initWeights();
}

template <class Block>
torch::nn::Sequential ResNetImpl::makeLayer(int64_t planes, int64_t blocks, int64_t stride) {
    constexpr int64_t expansion = Block::Impl::kExpansion;
    torch::nn::Sequential layer;
    const bool downsample = stride != 1 || inplanes_ != planes * expansion;
    layer->push_back(Block(inplanes_, planes, stride, downsample));
    inplanes_ = planes * expansion;
    for (int64_t i = 1; i < blocks; ++i) layer->push_back(Block(inplanes_, planes, 1, false));
    return layer;
}

void ResNetImpl::initWeights() {
    // torchvision: kaiming_normal_(fan_out, relu) for convolutions, BN weight 1 / bias 0; Linear keeps its default.
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto* norm = module->as<torch::nn::BatchNorm2d>()) {
            torch::nn::init::ones_(norm->weight);
            torch::nn::init::zeros_(norm->bias);
        }
    }
}

torch::Tensor ResNetImpl::features(const torch::Tensor& x) {
    auto y = torch::relu(bn1(conv1(x)));
    y = torch::max_pool2d(y, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
    y = layer1->forward(y);
    y = layer2->forward(y);
    y = layer3->forward(y);
    return layer4->forward(y);
}

torch::Tensor ResNetImpl::embed(const torch::Tensor& x) {
    return torch::adaptive_avg_pool2d(features(x), {1, 1}).flatten(1);
}

torch::Tensor ResNetImpl::head(const torch::Tensor& embedding) { return fc(embedding); }

torch::Tensor ResNetImpl::forward(const torch::Tensor& x) { return fc(embed(x)); }

void ResNetImpl::resetHead(int64_t numClasses) {
    auto old = fc->weight;
    auto fresh = torch::nn::Linear(nn::embeddingDim(arch_), numClasses);
    fresh->to(old.device(), old.scalar_type());
    fc = replace_module("fc", fresh);
    numClasses_ = numClasses;
}

}  // namespace tessera::nn
