// libFuzzer target: bytes of a .tessera-model file -> ZipArchive::openBytes, every entry read under a size limit
// (CRC-checked), and ModelBundle::readManifest. A bundle from someone else is data: nothing is inflated past its
// limit, a damaged entry is an error, and an accepted manifest obeys the documented limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/nn/modelbundle.h"
#include "core/nn/ziparchive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using tessera::nn::ModelBundle;
    auto zip = tessera::nn::ZipArchive::openBytes(data, size, "fuzz.tessera-model");
    if (!zip) return 0;
    for (const std::string& entry : zip->entryNames()) {
        constexpr uint64_t kLimit = 1u << 20;
        auto bytes = zip->read(entry, kLimit);
        if (bytes && bytes->size() > kLimit) std::abort();
    }
    auto manifest = ModelBundle::readManifest(*zip, "fuzz.tessera-model");
    if (!manifest) return 0;
    if (manifest->classNames.empty() || manifest->classNames.size() > ModelBundle::kMaxClasses) std::abort();
    if (std::set<std::string>(manifest->classNames.begin(), manifest->classNames.end()).size() !=
        manifest->classNames.size())
        std::abort();
    // What was read writes back and reads again as the same manifest.
    auto again = ModelBundle::manifestFromJson(ModelBundle::manifestToJson(*manifest), "again");
    if (!again || again->classNames != manifest->classNames || again->arch != manifest->arch) std::abort();
    return 0;
}
