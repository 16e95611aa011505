#pragma once
// Exports a torchvision-layout ResNet (architecture + StateDict) as an ONNX model (opset 13) for inference
// elsewhere: BatchNorm is folded into the convolutions, input "input" [N,3,H,W] with a symbolic batch size, output
// "logits" and optionally "probabilities" (Softmax). Torch-free (StateDict is only declared) so the CLI and UI can
// convert files; core code that holds a StateDict includes statedict_torch.h.
#include <array>
#include <string>
#include <vector>

#include "core/nn/architecture.h"
#include "core/util/expected.h"

namespace tessera::nn {

struct StateDict;

struct OnnxExportOptions {
    int inputSize = 224;       // H = W of the declared input (the network itself accepts other sizes)
    bool addSoftmax = true;    // second output "probabilities"
    double temperature = 1.0;  // "probabilities" = Softmax(logits / temperature) (a bundle's calibration)
    double bnEpsilon = 1e-5;   // torchvision's BatchNorm2d eps
    // Written as metadata_props so a colleague's program knows the classes and the preprocessing.
    std::vector<std::string> classNames;
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}};
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};
    std::string framing;       // a bundle's preprocessing.framing ("find": crop to the find first); empty: unknown
    static OnnxExportOptions defaults() { return OnnxExportOptions{}; }
};

class OnnxExporter {
public:
    // Fails, naming the file and the tensor, when the state dict does not match the architecture.
    static Status writeFile(Architecture arch, const StateDict& stateDict, const std::string& path,
                            const OnnxExportOptions& options = OnnxExportOptions::defaults());
    // Exports a model bundle (architecture, class names and preprocessing from its manifest, overriding `options`)
    // or a weights file (.pth zip or .safetensors; told apart by content). An empty `arch` is inferred.
    static Status convertFile(const std::string& weightsPath, const std::string& outPath, const std::string& arch,
                              const OnnxExportOptions& options = OnnxExportOptions::defaults());
    // Which ResNet a torchvision-layout state dict is, from its blocks (layer3 depth, bottleneck conv3).
    static Expected<Architecture> inferArchitecture(const StateDict& stateDict);
};

}  // namespace tessera::nn
