#include "core/imaging/thumbnailer.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace tessera::imaging {

Expected<cv::Mat> Thumbnailer::make(const std::filesystem::path& path, int longSide, int64_t maxPixels) {
    if (longSide <= 0) return makeError(path.u8string() + ": thumbnail size must be positive, got " + std::to_string(longSide));
    DecodeOptions options;
    options.maxPixels = maxPixels;
    options.minLongSide = longSide;
    auto image = ImageDecoder::decode(path, options);
    if (!image) return image.takeError();
    try {
        const cv::Mat& src = *image;
        const int srcLong = std::max(src.cols, src.rows);
        if (srcLong == longSide) return src;
        const double scale = double(longSide) / srcLong;
        cv::Size size = src.cols >= src.rows
                            ? cv::Size(longSide, std::max(1, int(std::lround(src.rows * scale))))
                            : cv::Size(std::max(1, int(std::lround(src.cols * scale))), longSide);
        cv::Mat out;
        cv::resize(src, out, size, 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
        return out;
    } catch (const cv::Exception& e) {
        return makeError(path.u8string() + ": cannot make thumbnail (OpenCV: " + e.msg + ")");
    }
}

Expected<cv::Mat> makeThumbnail(const std::filesystem::path& path, int longSide) {
    return Thumbnailer::make(path, longSide);
}

}  // namespace tessera::imaging
