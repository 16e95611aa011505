#pragma once
// Reads the first image file directory (IFD0) of a TIFF structure held in memory: TIFF files themselves and the
// EXIF blocks that JPEG (APP1), PNG (eXIf) and WebP (EXIF) embed. Every read is bounds-checked against the buffer.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tessera::imaging {

// The IFD0 tags the header probe needs; absent tags stay empty.
struct TiffTags {
    std::optional<uint32_t> imageWidth;       // 256
    std::optional<uint32_t> imageLength;      // 257
    std::optional<uint32_t> bitsPerSample;    // 258 (first value)
    std::optional<uint32_t> photometric;      // 262
    std::optional<uint32_t> orientation;      // 274
    std::optional<uint32_t> samplesPerPixel;  // 277
    std::optional<uint32_t> sampleFormat;     // 339 (1 uint, 2 int, 3 float)
};

class TiffIfdReader {
public:
    // Parses "II*\0" / "MM\0*" + IFD0. Returns false and sets `problem` (e.g. "IFD0 offset past the end") when the
    // structure is malformed; tags read before the problem are kept.
    static bool read(const uint8_t* data, size_t size, TiffTags& tags, std::string& problem);

    // Only the orientation of an EXIF block; 1 when it is absent, malformed or out of range. An EXIF block that
    // cannot be read must not make an otherwise fine photo unreadable, so this never fails.
    static int exifOrientation(const uint8_t* data, size_t size);
};

}  // namespace tessera::imaging
