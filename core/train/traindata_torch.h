#pragma once
// What the training loop consumes: the decoded canvases of every usable photo in one uint8 tensor, their content
// boxes and class indices, and which of them train and which validate. Built by Trainer from a project, or directly
// by tests and benchmarks.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/train/canvas.h"

namespace tessera::learn {

struct TrainData {
    torch::Tensor pixels;             // uint8 (N, 3, C, C)
    std::vector<ContentBox> boxes;    // N
    std::vector<int64_t> labels;      // N, class index in [0, classNames.size())
    std::vector<std::string> classNames;
    std::vector<int64_t> trainIndex;  // rows of pixels
    std::vector<int64_t> valIndex;

    int64_t numClasses() const { return int64_t(classNames.size()); }
};

}  // namespace tessera::learn
