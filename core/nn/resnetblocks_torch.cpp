#include "core/nn/resnetblocks_torch.h"

namespace tessera::nn {

namespace {
torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}
torch::nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}
torch::nn::BatchNorm2d bn(int64_t channels) {
    // torchvision's defaults: eps 1e-5, momentum 0.1, affine, tracking running stats.
    return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(1e-5).momentum(0.1));
}
}  // namespace

torch::nn::Sequential makeDownsample(int64_t inplanes, int64_t outplanes, int64_t stride) {
    return torch::nn::Sequential(conv1x1(inplanes, outplanes, stride), bn(outplanes));
}

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool withDownsample) {
    conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
    bn1 = register_module("bn1", bn(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, 1));
    bn2 = register_module("bn2", bn(planes));
    if (withDownsample) downsample = register_module("downsample", makeDownsample(inplanes, planes, stride));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
    auto out = torch::relu(bn1(conv1(x)));
    out = bn2(conv2(out));
    out += downsample ? downsample->forward(x) : x;
    return torch::relu(out);
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool withDownsample) {
    conv1 = register_module("conv1", conv1x1(inplanes, planes));
    bn1 = register_module("bn1", bn(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes, stride));
    bn2 = register_module("bn2", bn(planes));
    conv3 = register_module("conv3", conv1x1(planes, planes * kExpansion));
    bn3 = register_module("bn3", bn(planes * kExpansion));
    if (withDownsample)
        downsample = register_module("downsample", makeDownsample(inplanes, planes * kExpansion, stride));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
    auto out = torch::relu(bn1(conv1(x)));
    out = torch::relu(bn2(conv2(out)));
    out = bn3(conv3(out));
    out += downsample ? downsample->forward(x) : x;
    return torch::relu(out);
}

}  // namespace tessera::nn
