#pragma once
// Saving and loading a trained ResNet as a model bundle (see modelbundle.h): the weights go in as safetensors and
// come back strictly, so a loaded bundle gives the same logits as the model that was saved.
#include <string>

#include <nlohmann/json.hpp>

#include "core/nn/modelbundle.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/weightloadreport.h"
#include "core/util/expected.h"

namespace tessera::nn {

struct LoadedBundle {
    BundleManifest manifest;
    ResNet model{nullptr};        // on the CPU, in eval mode
    nlohmann::json runcard;       // null when the bundle has none
    WeightLoadReport report;
};

class ModelBundleIO {
public:
    // manifest.arch and the class count must match the model; created/tesseraVersion are filled when empty.
    static Status save(const std::string& path, ResNet& model, BundleManifest manifest,
                       const nlohmann::json& runcard = nlohmann::json());
    static Expected<LoadedBundle> load(const std::string& path);
    // Rewrites the bundle (atomically) with `calibration` in its manifest and run card; weights and all else as
    // they were.
    static Status replaceCalibration(const std::string& path, const BundleCalibration& calibration);
    // The run card's "calibration" entry.
    static nlohmann::json calibrationCardJson(const BundleCalibration& calibration);
};

}  // namespace tessera::nn
