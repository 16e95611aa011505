#include "core/nn/architecture.h"

#include <cctype>

namespace tessera::nn {

std::string architectureName(Architecture arch) {
    switch (arch) {
    case Architecture::ResNet18: return "resnet18";
    case Architecture::ResNet34: return "resnet34";
    case Architecture::ResNet50: return "resnet50";
    case Architecture::ResNet101: return "resnet101";
    }
    return "unknown";
}

Expected<Architecture> parseArchitecture(const std::string& name) {
    // Normalise "ResNet-18", "resnet_18", " RESNET18 " to "resnet18".
    std::string key;
    for (char c : name) {
        if (c == '-' || c == '_' || std::isspace(static_cast<unsigned char>(c))) continue;
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (Architecture a : allArchitectures())
        if (architectureName(a) == key) return a;
    std::string known;
    for (Architecture a : allArchitectures()) known += (known.empty() ? "" : ", ") + architectureName(a);
    return makeError("unknown architecture '" + name + "' (known: " + known + ")");
}

int embeddingDim(Architecture arch) {
    switch (arch) {
    case Architecture::ResNet18:
    case Architecture::ResNet34: return 512;
    case Architecture::ResNet50:
    case Architecture::ResNet101: return 2048;
    }
    return 0;
}

std::vector<Architecture> allArchitectures() {
    return {Architecture::ResNet18, Architecture::ResNet34, Architecture::ResNet50, Architecture::ResNet101};
}

}  // namespace tessera::nn
