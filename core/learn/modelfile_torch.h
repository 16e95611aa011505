#pragma once
// LEGACY: model.tsm, the trained-model file of Tessera before model bundles (a LibTorch archive with the weights
// and a JSON header). The trainer now writes bundles (core/nn/modelbundle.h); this stays only so that older .tsm
// files can still be read (embeddingcache.cpp). Delete it when nothing reads .tsm any more.
#include <filesystem>
#include <string>
#include <vector>

#include "core/nn/resnet_torch.h"
#include "core/util/expected.h"

namespace tessera::learn {

struct ModelMeta {
    std::string arch = "resnet18";
    std::vector<std::string> classNames;
    int imageSize = 128;  // crop side the network was trained on
    int canvas = 160;     // canvas side the photos were fitted to (Canvas::fit)
    std::string runId;
};

struct LoadedModel {
    nn::ResNet model{nullptr};
    ModelMeta meta;
};

class ModelFile {
public:
    static Status save(nn::ResNet& model, const ModelMeta& meta, const std::filesystem::path& file);
    static Expected<LoadedModel> load(const std::filesystem::path& file);
    // Copies every tensor of a torchvision state dict (.pth) whose name and shape match, except the head (fc.*).
    // Returns a one-line report; fails when the trunk does not match (wrong architecture or not a ResNet).
    static Expected<std::string> loadBackbone(nn::ResNet& model, const std::filesystem::path& weights);
};

}  // namespace tessera::learn
