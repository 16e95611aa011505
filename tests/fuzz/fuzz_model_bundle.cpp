// libFuzzer target: bytes of a .tessera-model file -> ZipArchive::openBytes, every entry read under a size limit
// (CRC-checked), and ModelBundle::readManifest. A bundle from someone else is data: nothing is inflated past its
// limit, a damaged entry is an error, and an accepted manifest obeys the documented limits. The bytes also go to
// the manifest parser directly, which mutations of a zip (CRC-checked) would rarely reach.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/nn/modelbundle.h"
#include "core/nn/ziparchive.h"

namespace {

void checkManifest(const tessera::Expected<tessera::nn::BundleManifest>& manifest) {
    using tessera::nn::ModelBundle;
    if (!manifest) return;
    if (manifest->classNames.empty() || manifest->classNames.size() > ModelBundle::kMaxClasses) std::abort();
    if (std::set<std::string>(manifest->classNames.begin(), manifest->classNames.end()).size() !=
        manifest->classNames.size())
        std::abort();
    // What was read writes back and reads again as the same manifest.
    auto again = ModelBundle::manifestFromJson(ModelBundle::manifestToJson(*manifest), "again");
    if (!again || again->classNames != manifest->classNames || again->arch != manifest->arch) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using tessera::nn::ModelBundle;
    checkManifest(ModelBundle::manifestFromJson(std::string(reinterpret_cast<const char*>(data), size), "manifest.json"));
    auto zip = tessera::nn::ZipArchive::openBytes(data, size, "fuzz.tessera-model");
    if (!zip) return 0;
    for (const std::string& entry : zip->entryNames()) {
        constexpr uint64_t kLimit = 1u << 20;
        auto bytes = zip->read(entry, kLimit);
        if (bytes && bytes->size() > kLimit) std::abort();
    }
    checkManifest(ModelBundle::readManifest(*zip, "fuzz.tessera-model"));
    return 0;
}
