#pragma once
// Header-only parsers for JPEG, PNG, TIFF, BMP and WebP: size, channels, bit depth, EXIF orientation and CMYK,
// read without decoding pixels and without ever reading past the buffer. Used by ImageDecoder::probe* and to
// refuse oversized images before OpenCV allocates anything.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/imaging/imagedecoder.h"
#include "core/util/expected.h"

namespace tessera::imaging {

struct ProbeResult {
    ImageHeader header;
    int storedWidth = 0;   // as stored, before EXIF orientation
    int storedHeight = 0;
    // JPEG: offset just past the first start-of-scan segment header, 0 when the buffer holds no scan. The decoder
    // looks for the end-of-image marker after it to tell a truncated file from a complete one.
    size_t jpegScanOffset = 0;
    // JPEG: the least compressed data a frame of the header's size can hold: every 8x8 block of every component
    // codes its DC difference in at least one bit (Huffman coding, baseline or progressive). A file with less has
    // a header that lies about its size. 0 for arithmetic coding, where a block can take less than a bit.
    uint64_t jpegMinScanBytes = 0;
    bool animated = false;  // WebP with the animation flag: OpenCV 4.6 cannot decode those
};

class HeaderProbe {
public:
    // Errors read "<nameForErrors>: <problem>", e.g. "a.png: truncated PNG header".
    static Expected<ProbeResult> probe(const uint8_t* data, size_t size, const std::string& nameForErrors);
};

}  // namespace tessera::imaging
