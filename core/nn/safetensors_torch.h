#pragma once
// safetensors (Hugging Face's format: 8-byte little-endian header length, JSON header, raw little-endian data):
// read with every offset, size and dtype checked before data is touched, and write. The safe interchange format
// for weights (no code in it) and the weights inside Tessera's model bundle.
#include <cstdint>
#include <map>
#include <string>

#include "core/nn/statedict_torch.h"
#include "core/util/expected.h"

namespace tessera::nn {

class Safetensors {
public:
    // Tensors come back in file-data order (writers store them in state-dict order). __metadata__ is ignored.
    static Expected<StateDict> readFile(const std::string& path);
    static Expected<StateDict> readBytes(const uint8_t* data, size_t size, const std::string& name = "<memory>");
    // The __metadata__ string map of a file (empty when absent).
    static Expected<std::map<std::string, std::string>> readMetadata(const std::string& path);

    // Supported dtypes: F32 F16 BF16 F64 I64 I32 U8 BOOL. Tensors are written contiguous, from any device.
    static Expected<std::string> toBytes(const StateDict& tensors, const std::map<std::string, std::string>& metadata = {});
    static Status writeFile(const std::string& path, const StateDict& tensors,
                            const std::map<std::string, std::string>& metadata = {});

    static constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit
};

}  // namespace tessera::nn
