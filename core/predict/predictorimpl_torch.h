#pragma once
// Predictor's private state, shared by predictor.cpp (batched prediction) and gradcam.cpp (explanations): the loaded
// network on its device, the bundle's preprocessing and the options. Core sources only.
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/predict/inferencepreprocess.h"
#include "core/predict/predictor.h"
#include "core/nn/modelbundle.h"
#include "core/nn/resnet_torch.h"

namespace tessera::learn {

struct Predictor::Impl {
    std::filesystem::path bundlePath;
    nn::BundleManifest manifest;
    nn::ResNet model{nullptr};
    PredictOptions options;
    torch::Device device{torch::kCPU};
    bool bf16 = false;  // bf16 autocast (CUDA with compute capability >= 8.0 only)
    std::string deviceName;
    int torchThreads = 1;    // LibTorch intra-op threads
    int decodeThreads = 1;   // decode pool size
    InferencePreprocess prep{nn::BundlePreprocessing::defaults()};
    double temperature = 1.0;  // the logits are divided by it before the softmax (the bundle's calibration)

    // x: normalised float (N, 3, S, S) on the CPU. Softmax probabilities of the logits / temperature (N, classes),
    // float, on the CPU; with TTA the mean over the 8 symmetries of the square.
    torch::Tensor probabilities(const torch::Tensor& x);
    // Fills top/probabilities/unknown of `p` from one row of probabilities.
    void describe(const float* probs, Prediction& p) const;
    // softmax(logits / temperature) in float.
    torch::Tensor calibratedSoftmax(const torch::Tensor& logits) const;
};

}  // namespace tessera::learn
