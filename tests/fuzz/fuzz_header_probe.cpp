// libFuzzer target: the first bytes of a photo -> HeaderProbe::probe (JPEG, PNG, TIFF, BMP, WebP, EXIF orientation).
// The probe must never read past the buffer (ASan) and what it accepts must be a plausible image.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/imaging/headerprobe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto probed = tessera::imaging::HeaderProbe::probe(data, size, "fuzz.img");
    if (!probed) {
        if (probed.error().empty()) std::abort();
        return 0;
    }
    const auto& r = *probed;
    if (r.storedWidth <= 0 || r.storedHeight <= 0 || r.header.width <= 0 || r.header.height <= 0) std::abort();
    if (r.jpegScanOffset > size || r.header.exifOrientation < 1 || r.header.exifOrientation > 8) std::abort();
    return 0;
}
