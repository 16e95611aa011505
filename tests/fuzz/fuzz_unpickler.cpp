// libFuzzer target: PyTorch checkpoint bytes -> TorchZipReader::readBytes (zip container, restricted unpickler,
// tensor rebuild). Also feeds the raw bytes straight to the unpickler, which the zip layer would rarely reach.
#include <cstddef>
#include <cstdint>

#include "core/nn/pickleunpickler.h"
#include "core/nn/torchzipreader_torch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto doc = tessera::nn::PickleUnpickler().unpickle(data, size, "fuzz.pkl");
    (void)doc.ok();
    auto sd = tessera::nn::TorchZipReader::readBytes(data, size, "fuzz.pth");
    if (sd.ok())
        for (const auto& e : sd->entries) (void)e.second.numel();
    return 0;
}
