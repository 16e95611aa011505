#pragma once
// Named tensors in file order, the C++ twin of a PyTorch state_dict(). Shared by the weights readers and writers
// (.pth, safetensors), the ResNet models and the exporters. Torch header: core sources and tests only.
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

namespace tessera::nn {

struct StateDict {
    std::vector<std::pair<std::string, at::Tensor>> entries;

    const at::Tensor* find(const std::string& name) const {
        for (const auto& e : entries)
            if (e.first == name) return &e.second;
        return nullptr;
    }
    void add(std::string name, at::Tensor tensor) { entries.emplace_back(std::move(name), std::move(tensor)); }
    size_t size() const { return entries.size(); }
};

}  // namespace tessera::nn
