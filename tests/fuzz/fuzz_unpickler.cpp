// libFuzzer target: bytes -> the restricted pickle unpickler (data.pkl of a PyTorch checkpoint). Any opcode stream
// must end in a document or an error that names the source; nothing outside the allow-list is ever built.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/nn/pickleunpickler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto doc = tessera::nn::PickleUnpickler().unpickle(data, size, "fuzz.pkl");
    if (!doc && doc.error().find("fuzz.pkl") == std::string::npos) std::abort();
    return 0;
}
