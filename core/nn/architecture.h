#pragma once
// The network architectures Tessera can train, with their canonical names ("resnet18", matching torchvision) and
// embedding sizes. Torch-free so that the UI and the CLI can list and parse them.
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::nn {

enum class Architecture { ResNet18, ResNet34, ResNet50, ResNet101 };

// "resnet18", "resnet34", "resnet50", "resnet101" (torchvision's function names).
std::string architectureName(Architecture arch);
// Accepts the canonical name, case-insensitively, also "ResNet-18" / "resnet_18".
Expected<Architecture> parseArchitecture(const std::string& name);
// Channels of the pooled embedding that feeds the head: 512 (BasicBlock nets) or 2048 (Bottleneck nets).
int embeddingDim(Architecture arch);
// Every architecture, in menu order.
std::vector<Architecture> allArchitectures();

}  // namespace tessera::nn
