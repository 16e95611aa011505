#pragma once
// Batched augmentation on the training device: one 3x3 sampling matrix per image (random resized crop, rotation,
// flips, perspective) applied with grid_sample, then colour jitter, grayscale and Gaussian blur as tensor ops, then
// ImageNet normalisation. Random parameters come from SplitRng on the CPU, so a seed gives the same batch anywhere.
#include <array>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "core/learn/augmentpreset.h"
#include "core/learn/canvas.h"

namespace tessera::learn {

class BatchAugmenter {
public:
    BatchAugmenter(AugmentConfig config, int outputSize);

    // Sampling grid (B, S, S, 2) in grid_sample coordinates, on the CPU. Every coordinate lies in [-1, 1].
    torch::Tensor samplingGrid(const std::vector<ContentBox>& boxes, uint64_t seed) const;
    // canvas: uint8 (B, 3, C, C) on any device; returns float (B, 3, S, S), normalised with ImageNet mean/std
    // unless normalize is false (then in [0, 1]).
    torch::Tensor apply(const torch::Tensor& canvas, const std::vector<ContentBox>& boxes, uint64_t seed,
                        bool normalize = true) const;

    const AugmentConfig& config() const { return config_; }
    int outputSize() const { return size_; }

    static torch::Tensor normalizeImageNet(const torch::Tensor& x01);

private:
    struct ImageParams;
    void colour(torch::Tensor& x, const std::vector<ImageParams>& params) const;
    void blur(torch::Tensor& x, const std::vector<ImageParams>& params) const;
    std::vector<ImageParams> sample(const std::vector<ContentBox>& boxes, uint64_t seed) const;
    torch::Tensor gridFrom(const std::vector<ImageParams>& params) const;

    AugmentConfig config_;
    int size_;
};

}  // namespace tessera::learn
