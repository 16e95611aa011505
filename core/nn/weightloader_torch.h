#pragma once
// Copies a StateDict into a model by name and reports what did not fit. Strict mode refuses (naming the first
// mismatch, before touching the model) unless everything fits; a classifier head whose shape differs (new class
// count) is skipped and reported rather than failing, since that is what fine-tuning needs.
#include <string>

#include <torch/torch.h>

#include "core/nn/statedict_torch.h"
#include "core/nn/weightloadreport.h"
#include "core/util/expected.h"

namespace tessera::nn {

struct WeightLoadOptions {
    bool strict = true;              // any missing / unexpected / mis-shaped tensor is an error
    bool skipMismatchedHead = true;  // head of another shape: keep the model's fresh head, say so in the report
    std::string headPrefix = "fc.";  // torchvision's ResNet head

    static WeightLoadOptions defaults() { return {}; }
};

class WeightLoader {
public:
    // sourceName names the file in the report and in errors.
    static Expected<WeightLoadReport> load(torch::nn::Module& model, const StateDict& weights,
                                           const std::string& sourceName,
                                           const WeightLoadOptions& options = WeightLoadOptions::defaults());
    // Reads a .pth (zip) or .safetensors file (by content, not extension) and loads it.
    static Expected<WeightLoadReport> loadFile(torch::nn::Module& model, const std::string& path,
                                               const WeightLoadOptions& options = WeightLoadOptions::defaults());
    // The model's parameters and buffers in registration order, as a StateDict (views, not copies).
    static StateDict stateDict(const torch::nn::Module& model);
    // The weights in a model bundle (.tessera-model), a PyTorch zip checkpoint or a safetensors file, told apart
    // by content rather than by name.
    static Expected<StateDict> readFile(const std::string& path);
};

}  // namespace tessera::nn
