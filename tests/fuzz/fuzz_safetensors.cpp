// libFuzzer target: bytes of a .safetensors file -> Safetensors::readBytes (8-byte header length, JSON header,
// dtypes, shapes, data offsets). A refused file is an error that names it; an accepted one holds only tensors whose
// every byte came from the file (each one is read here, so ASan sees a read past the data), and writes back to bytes
// that read again as the same tensors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "core/nn/safetensors_torch.h"

namespace {

volatile uint64_t sink;

// Reads every byte of every tensor; returns the bytes seen.
uint64_t touchAll(const tessera::nn::StateDict& dict, uint64_t& checksum) {
    uint64_t total = 0;
    for (const auto& [name, t] : dict.entries) {
        if (!t.defined() || !t.is_contiguous() || t.device().type() != c10::DeviceType::CPU) std::abort();
        const auto n = static_cast<uint64_t>(t.numel()) * t.element_size();
        if (n != static_cast<uint64_t>(t.nbytes())) std::abort();
        const auto* p = static_cast<const uint8_t*>(t.data_ptr());
        for (uint64_t i = 0; i < n; ++i) checksum = checksum * 31 + p[i];
        total += n;
    }
    return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using tessera::nn::Safetensors;
    auto dict = Safetensors::readBytes(data, size, "fuzz.safetensors");
    if (!dict) {
        if (dict.error().find("fuzz.safetensors") == std::string::npos) std::abort();  // errors name the file
        return 0;
    }
    uint64_t checksum = 0;
    if (touchAll(*dict, checksum) > size) std::abort();  // tensors hold bytes of the file, never invented ones

    // What was read writes back and reads again as the same tensors (by name: zero-byte tensors have no order).
    auto bytes = Safetensors::toBytes(*dict);
    if (!bytes) std::abort();
    auto again = Safetensors::readBytes(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), "again");
    if (!again || again->size() != dict->size()) std::abort();
    std::map<std::string, const at::Tensor*> byName;
    for (const auto& [name, t] : again->entries) byName[name] = &t;
    for (const auto& [name, t] : dict->entries) {
        const auto found = byName.find(name);
        if (found == byName.end()) std::abort();
        const at::Tensor& u = *found->second;
        if (u.scalar_type() != t.scalar_type() || u.sizes() != t.sizes() || u.nbytes() != t.nbytes() ||
            (t.nbytes() > 0 && std::memcmp(u.data_ptr(), t.data_ptr(), t.nbytes()) != 0))
            std::abort();
    }
    sink = checksum;  // keeps the reads
    return 0;
}
