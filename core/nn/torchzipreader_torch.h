#pragma once
// Reads PyTorch zip checkpoints (torch.save since 1.6, including 2.x's extra entries) into a StateDict without
// executing anything: the container is opened with libzip, data.pkl goes through the restricted PickleUnpickler,
// and each tensor is rebuilt from its storage entry after its size, offset and strides are checked against it.
#include <cstdint>
#include <string>

#include "core/nn/statedict_torch.h"
#include "core/util/expected.h"

namespace tessera::nn {

class TorchZipReader {
public:
    static Expected<StateDict> readFile(const std::string& path);
    // For tests and fuzzing: the whole file's bytes. name is used in messages.
    static Expected<StateDict> readBytes(const uint8_t* data, size_t size, const std::string& name = "<memory>");
};

}  // namespace tessera::nn
