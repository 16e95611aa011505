#pragma once
// Batched augmentation on the training device: one 3x3 sampling matrix per image (random resized crop, rotation,
// flips, perspective) applied with grid_sample, then colour jitter, grayscale and Gaussian blur as tensor ops, then
// ImageNet normalisation. Random parameters come from SplitRng on the CPU, so a seed gives the same batch anywhere;
// they travel to the device packed in one small tensor (AugmentPlan), and everything per pixel, the sampling grid
// included, is computed on the device.
#include <array>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "core/train/augmentpreset.h"
#include "core/train/canvas.h"

namespace tessera::learn {

// Mixup or CutMix for one batch: image i is blended with image perm[i]; the loss is
// lambda * CE(y) + (1 - lambda) * CE(y[perm]). For CutMix, lambda is the share of the image NOT pasted over, so it
// equals 1 - (pasted box area / image area) exactly.
struct MixPlan {
    enum class Kind { None, Mixup, Cutmix } kind = Kind::None;
    double lambda = 1.0;
    std::vector<int64_t> perm;
    int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;  // CutMix box, [y0, y1) x [x0, x1) in output pixels
};

// One batch's random augmentation parameters, one row of floats per image (layout in batchaugmenter.cpp), drawn on
// the CPU. on(device) moves them in one copy that does not wait for the GPU.
struct AugmentPlan {
    torch::Tensor params;  // float (B, kColumns)
    bool anyGray = false, anyBlur = false;
    AugmentPlan on(torch::Device device) const;
};

class BatchAugmenter {
public:
    BatchAugmenter(AugmentConfig config, int outputSize);

    // The random parameters of a batch with these content boxes, from `seed`.
    AugmentPlan plan(const std::vector<ContentBox>& boxes, uint64_t seed) const;
    // Sampling grid (B, S, S, 2) in grid_sample coordinates, on the CPU. Every coordinate lies in [-1, 1].
    torch::Tensor samplingGrid(const std::vector<ContentBox>& boxes, uint64_t seed) const;
    // canvas: uint8 (B, 3, C, C) on any device; returns float (B, 3, S, S), normalised with ImageNet mean/std
    // unless normalize is false (then in [0, 1]). The plan is moved to the canvas' device if it is not there.
    torch::Tensor apply(const torch::Tensor& canvas, const AugmentPlan& plan, bool normalize = true) const;
    torch::Tensor apply(const torch::Tensor& canvas, const std::vector<ContentBox>& boxes, uint64_t seed,
                        bool normalize = true) const;

    const AugmentConfig& config() const { return config_; }
    int outputSize() const { return size_; }

    static torch::Tensor normalizeImageNet(const torch::Tensor& x01);

    // Validation / inference input: the centre size x size square of the canvas (torchvision's CenterCrop offset,
    // round((C - size) / 2) half-to-even), normalised. The predictor crops a freshly fitted canvas the same way.
    static torch::Tensor centerCrop(const torch::Tensor& canvas, int size);

    // Draws mixup / CutMix for a batch of `batch` images of side `size` from `seed` (Beta(alpha, alpha) weight, a
    // seeded pairing; with both alphas > 0 one or the other with even odds). Both alphas 0: Kind::None.
    static MixPlan planMix(double mixupAlpha, double cutmixAlpha, int64_t batch, int64_t size, uint64_t seed);
    // Applies a plan to normalised images (B, 3, S, S); returns a new tensor. `perm`, when given, is plan.perm
    // already on x's device.
    static torch::Tensor applyMix(const torch::Tensor& x, const MixPlan& plan, const torch::Tensor& perm = {});

private:
    struct ImageParams;
    std::vector<ImageParams> sample(const std::vector<ContentBox>& boxes, uint64_t seed) const;
    torch::Tensor gridFrom(const torch::Tensor& params) const;  // on the params' device
    void colour(torch::Tensor& x, const AugmentPlan& plan) const;
    static void blur(torch::Tensor& x, const AugmentPlan& plan);

    AugmentConfig config_;
    int size_;
};

}  // namespace tessera::learn
