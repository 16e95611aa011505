// libFuzzer target: bytes -> Safetensors::readBytes (header length, JSON header, offsets, sizes).
#include <cstddef>
#include <cstdint>

#include "core/nn/safetensors_torch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto sd = tessera::nn::Safetensors::readBytes(data, size, "fuzz.safetensors");
    if (sd.ok())
        for (const auto& e : sd->entries) (void)e.second.sum();
    return 0;
}
