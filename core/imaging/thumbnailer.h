#pragma once
// Thumbnails for the UI's image grid: 8-bit RGB with the long side at the requested size, decoded through
// ImageDecoder (EXIF orientation, alpha over white, pixel limit) with a DCT-reduced decode for big JPEGs.
#include <filesystem>

#include <opencv2/core.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/util/expected.h"

namespace tessera::imaging {

class Thumbnailer {
public:
    // CV_8UC3 RGB whose long side is exactly longSide (small images are enlarged). Errors name the file.
    static Expected<cv::Mat> make(const std::filesystem::path& path, int longSide,
                                  int64_t maxPixels = DecodeOptions::defaults().maxPixels);
};

// Convenience for callers that want a free function.
Expected<cv::Mat> makeThumbnail(const std::filesystem::path& path, int longSide);

}  // namespace tessera::imaging
