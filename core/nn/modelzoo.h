#pragma once
// The known pretrained weights (models/zoo.json): for each entry the architecture, the official URL and file name,
// the SHA-256 prefix the file must match, and the preprocessing it was trained with. Torch-free for the UI and CLI.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::nn {

struct ZooEntry {
    std::string name;          // what users type: "resnet18", "resnet50-v2"
    std::string arch;          // torchvision function name: "resnet18" ... "resnet101"
    std::string weights;       // torchvision enum member: "IMAGENET1K_V1"
    bool defaultForArch = false;
    std::string url;
    std::string fileName;      // "resnet18-f37072fd.pth"
    std::string sha256Prefix;  // lower-case hex, at least 8 digits
    int inputSize = 224;       // crop fed to the network
    int resizeSize = 256;      // shorter side before the centre crop at evaluation
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}};
    std::array<float, 3> std{{0.229f, 0.224f, 0.225f}};
    int numClasses = 1000;
    int64_t numParams = 0;     // 0 when unknown
    int64_t sizeBytes = 0;     // 0 when unknown
    double imagenetTop1 = 0;   // 0 when unknown
    std::string licence;
};

class ModelZoo {
public:
    // Parses a zoo file; every problem names the file, the entry and the field.
    static Expected<ModelZoo> fromFile(const std::filesystem::path& path);
    static Expected<ModelZoo> fromJson(const std::string& text, const std::string& origin);
    // Where load() looks, in order: $TESSERA_ZOO; share/tessera/zoo.json and models/zoo.json beside or above the
    // executable (installed tree, build tree inside the source tree); models/zoo.json under the working folder.
    static std::vector<std::filesystem::path> searchPaths();
    // The first zoo file on the search path; an error lists the places tried.
    static Expected<ModelZoo> load();

    const std::vector<ZooEntry>& entries() const { return entries_; }
    const ZooEntry* find(const std::string& name) const;  // case-insensitive
    const ZooEntry* defaultFor(const std::string& arch) const;
    std::vector<std::string> names() const;
    const std::filesystem::path& source() const { return source_; }

private:
    std::vector<ZooEntry> entries_;
    std::filesystem::path source_;
};

}  // namespace tessera::nn
