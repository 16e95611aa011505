#pragma once
// Restricted unpickler for torch.save's data.pkl: decodes pickle protocols 2-5 into PickleValues without ever
// importing or calling anything. GLOBAL is refused unless it names one of the few callables a state dict needs
// (OrderedDict, the tensor/parameter rebuilders, typed storages), so a malicious checkpoint fails before any data
// is read. Torch-free: the interpretation into tensors lives in TorchZipReader.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/nn/picklevalue.h"
#include "core/util/expected.h"

namespace tessera::nn {

struct UnpicklerOptions {
    std::vector<std::string> allowedGlobals;  // "module.name"
    size_t maxValues = 2'000'000;  // arena cap (~300 MB); a ResNet-101 state dict needs ~10k values

    // The state-dict whitelist: collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter,
    // torch.{Float,Half,BFloat16,Double,Long,Int,Bool,Byte}Storage.
    static UnpicklerOptions defaults();
};

class PickleUnpickler {
public:
    explicit PickleUnpickler(UnpicklerOptions options = UnpicklerOptions::defaults());

    // sourceName (a file or "file:entry") is used in error messages only.
    Expected<PickleDocument> unpickle(const uint8_t* data, size_t size, const std::string& sourceName) const;

private:
    UnpicklerOptions options_;
};

}  // namespace tessera::nn
