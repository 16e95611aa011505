#include "core/imaging/thumbnailer.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace tessera::imaging {

Expected<cv::Mat> Thumbnailer::make(const std::filesystem::path& path, int longSide, int64_t maxPixels) {
    if (longSide <= 0) return makeError(path.string() + ": thumbnail size must be positive, got " + std::to_string(longSide));
    DecodeOptions options;
    options.maxPixels = maxPixels;
    options.minLongSide = longSide;
    auto image = ImageDecoder::decode(path, options);
    if (!image) return image.takeError();
    try {
        return resizeToLongSide(*image, longSide, ResizeQuality::Best);
    } catch (const cv::Exception& e) {
        return makeError(path.string() + ": cannot make thumbnail (OpenCV: " + e.msg + ")");
    }
}

Expected<cv::Mat> makeThumbnail(const std::filesystem::path& path, int longSide) {
    return Thumbnailer::make(path, longSide);
}

}  // namespace tessera::imaging
