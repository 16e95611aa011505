#pragma once
// Writes a StateDict as a PyTorch zip checkpoint that torch.load (1.6+ and 2.x, also weights_only=True) and hence
// torchvision's load_state_dict read directly: data.pkl (an OrderedDict of tensors), one STORED data/<n> record per
// tensor, 64-byte aligned like torch.save, and the version record. Torch-free (StateDict is only declared): the
// CLI and UI convert files; core code that holds a StateDict includes statedict_torch.h.
#include <string>

#include "core/util/expected.h"

namespace tessera::nn {

struct StateDict;

struct PthWriteOptions {
    // The folder every record sits in. torch.save uses "archive"; torch.load accepts any single top folder.
    std::string archiveName = "archive";
    static PthWriteOptions defaults() { return PthWriteOptions{}; }
};

class PthWriter {
public:
    // The file appears complete or not at all (libzip writes a temporary and renames it on success).
    static Status writeFile(const StateDict& stateDict, const std::string& path,
                            const PthWriteOptions& options = PthWriteOptions::defaults());
    // Re-writes a model bundle's weights or a weights file (.pth zip or .safetensors; told apart by content) as a
    // clean .pth: hands Tessera's models to torchvision users, strips anything but tensors from a checkpoint.
    // The weights must fit a torchvision ResNet (`arch`, or the one their layers show) exactly, with the class count
    // of their fc layer, and be finite: what is written is what torchvision's load_state_dict accepts.
    static Status convertFile(const std::string& weightsPath, const std::string& outPath,
                              const std::string& arch = std::string(),
                              const PthWriteOptions& options = PthWriteOptions::defaults());
};

}  // namespace tessera::nn
