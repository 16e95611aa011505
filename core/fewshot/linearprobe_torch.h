#pragma once
// Trains only the classifier head on cached embeddings (frozen backbone): full-batch AdamW with cosine decay. With
// 1,000 embeddings of 512 dims this takes a fraction of a second, so predictions can refresh after a few labels.
#include <cstdint>

#include <torch/torch.h>

namespace tessera::learn {

struct LinearProbeOptions {
    int iterations = 300;
    double lr = 1e-2;
    double weightDecay = 1e-3;
    double labelSmoothing = 0.0;
    uint64_t seed = 42;
    static LinearProbeOptions defaults() { return LinearProbeOptions{}; }
};

struct LinearHead {
    torch::Tensor weight;  // (classes, dim)
    torch::Tensor bias;    // (classes)
    double finalLoss = 0.0;
};

class LinearProbe {
public:
    // embeddings (N, D) float, labels (N) int64 in [0, classes).
    static LinearHead train(const torch::Tensor& embeddings, const torch::Tensor& labels, int64_t classes,
                            const LinearProbeOptions& options = LinearProbeOptions::defaults());
};

}  // namespace tessera::learn
