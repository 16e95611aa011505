#pragma once
// The one place where a user's choice of starting weights becomes a file, for `tessera-cli train` and `evaluate`,
// the GUI's Train form and the quick model's features. A choice is a word:
//   "auto"     the ImageNet weights of the network when they are in the cache, else a random start (with advice
//              on how to get them); nothing is downloaded unasked
//   "none"     a random start ("" means the same)
//   a name     a model-zoo entry ("resnet18", "resnet50-v2"): its file in the cache, downloaded and hash-checked
//              first when the caller allows it
//   a path     an existing file (.pth, .safetensors, .tessera-model), as it is
// Torch-free, for the UI and the CLI.
#include <filesystem>
#include <string>

#include "core/nn/weightscache.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::nn {

inline constexpr const char* kAutoWeights = "auto";
inline constexpr const char* kNoWeights = "none";

enum class WeightsFetch {
    CacheOnly,  // a zoo name whose file is not in the cache is an error that says how to get it
    Download,   // a zoo name whose file is not in the cache is downloaded (resuming a .part)
};

struct StartingWeights {
    std::filesystem::path file;  // empty: a random start
    std::string zooName;         // the model-zoo entry the file is, when it came from the cache
    std::string description;     // for the user: "ImageNet-pretrained resnet18 (PATH)", "none (random start)", ...
    std::string advice;          // "auto" found nothing: how to get the weights (empty otherwise)

    bool randomStart() const { return file.empty(); }
    std::string weightsPath() const { return file.empty() ? std::string(kNoWeights) : file.string(); }  // TrainOptions
};

// `arch` is the network the weights are for (used by "auto"). Errors name the choice: an unknown name, weights not
// in the cache under CacheOnly, a failed download.
Expected<StartingWeights> resolveStartingWeights(const std::string& choice, const std::string& arch, WeightsFetch fetch,
                                                 const JobContext& ctx, const WeightsCache& cache = WeightsCache());

// The ImageNet weights the quick model takes features from when the project has no trained model: resnet18's when
// they are in the cache, else those of any network's default entry that are; a random start when none is.
StartingWeights cachedFeatureWeights(const WeightsCache& cache = WeightsCache());

}  // namespace tessera::nn
