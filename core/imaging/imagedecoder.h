#pragma once
// Decodes photos with OpenCV into 8-bit RGB, whatever the file holds (gray, alpha, 16-bit, CMYK, EXIF-rotated),
// refusing images over a pixel limit before allocating, and decoding big JPEGs at a DCT-reduced scale on request.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/util/expected.h"

namespace tessera::imaging {

// What the file's header says, read without decoding pixels.
struct ImageHeader {
    int width = 0;             // as displayed: EXIF orientation 5..8 swaps the stored width and height
    int height = 0;
    int channels = 0;          // as stored: 1 gray, 2 gray+alpha, 3 colour, 4 colour+alpha or CMYK
    int bitDepth = 0;          // bits per channel: 8 or 16 (1/2/4-bit palette or gray images report 8)
    std::string format;        // "jpeg", "png", "tiff", "bmp", "webp"
    int exifOrientation = 1;   // 1..8, 1 when absent
    bool cmyk = false;

    int64_t pixels() const { return int64_t(width) * int64_t(height); }
};

struct DecodeOptions {
    int64_t maxPixels = 200'000'000;  // refuse larger images (clear error, nothing allocated)
    // 0: full resolution. Otherwise the caller needs only this long side: JPEGs are decoded with DCT scaling
    // (IMREAD_REDUCED_*) at the largest reduction that keeps the long side >= minLongSide; other formats decode
    // at full size. The result is NOT resized to exactly minLongSide.
    int minLongSide = 0;
    bool applyExifOrientation = true;
    // CV_8UC1 luma instead of RGB, for callers that only need gray (analysis): JPEGs then skip chroma decoding
    // and colour conversion, which roughly halves their decode time.
    bool grayscale = false;

    static DecodeOptions defaults() { return DecodeOptions{}; }
};

class ImageDecoder {
public:
    // Header-only probe (JPEG SOF/APP1, PNG IHDR, TIFF IFD0, BMP, WebP VP8/VP8L/VP8X).
    static Expected<ImageHeader> probe(const std::filesystem::path& path);
    static Expected<ImageHeader> probeBuffer(const uint8_t* data, size_t size, const std::string& nameForErrors);

    // Decoded pixels: CV_8UC3 in RGB order (CV_8UC1 with DecodeOptions::grayscale), orientation applied. Alpha is
    // composited over white, 16-bit and float samples are scaled to 8 bits, CMYK is converted to RGB. Errors name
    // the file and the problem.
    static Expected<cv::Mat> decode(const std::filesystem::path& path,
                                    const DecodeOptions& options = DecodeOptions::defaults());
    static Expected<cv::Mat> decodeBuffer(const std::vector<uint8_t>& bytes, const std::string& nameForErrors,
                                          const DecodeOptions& options = DecodeOptions::defaults());

    // Ok when the header's pixel count is within maxPixels and its decoded size within maxPixels x 3 bytes (an 8-bit
    // RGB image of maxPixels; so a 16-bit RGB image may have half as many pixels) (maxPixels <= 0: no limit);
    // otherwise an error naming the file, its size and the limit. decode*() call this before OpenCV allocates.
    static Status checkPixelLimit(const ImageHeader& header, int64_t maxPixels, const std::string& nameForErrors);
};

// Resizes so that the long side is exactly longSide, keeping the aspect ratio (short side at least 1).
// Quality::Best averages (INTER_AREA) for any reduction: thumbnails a person looks at. Quality::Fast averages only
// below half size: OpenCV 4.6's INTER_AREA at a non-integer factor takes a generic path ~5x slower than bilinear
// (8.5 vs 1.7 ms for 640x480 RGB -> 512), and between half and full size bilinear touches every pixel anyway.
enum class ResizeQuality { Best, Fast };
cv::Mat resizeToLongSide(const cv::Mat& src, int longSide, ResizeQuality quality);

// Reads a whole file into memory; the error names the file and the OS reason.
Expected<std::vector<uint8_t>> readFileBytes(const std::filesystem::path& path);

}  // namespace tessera::imaging
