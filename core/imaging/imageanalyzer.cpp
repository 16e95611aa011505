#include "core/imaging/imageanalyzer.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include <opencv2/img_hash.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/util/sha256.h"

namespace tessera::imaging {
namespace {

uint64_t perceptualHash(const cv::Mat& gray) {
    // PHash shrinks its input to 32x32 with a point-sampling resize, which aliases at 512 px; averaging down with
    // INTER_AREA first makes the hash follow the picture, not the noise, so re-encodes stay within a few bits.
    thread_local cv::Ptr<cv::img_hash::PHash> phash = cv::img_hash::PHash::create();
    cv::Mat small, hash;
    cv::resize(gray, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    phash->compute(small, hash);
    uint64_t packed = 0;
    for (int i = 0; i < hash.cols && i < 8; ++i) packed = (packed << 8) | hash.at<uint8_t>(0, i);
    return packed;
}

double laplacianVariance(const cv::Mat& gray) {
    cv::Mat lap;
    cv::Laplacian(gray, lap, CV_64F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(lap, mean, stddev);
    return stddev[0] * stddev[0];
}

void analyzeBytes(const std::vector<uint8_t>& bytes, const std::string& name, const AnalyzeOptions& options,
                  ImageAnalysis& out) {
    auto header = ImageDecoder::probeBuffer(bytes.data(), bytes.size(), name);
    if (!header) {
        out.error = header.error();
        return;
    }
    out.width = header->width;
    out.height = header->height;
    out.channels = header->channels;
    out.bitDepth = header->bitDepth;
    out.format = header->format;
    if (!options.computePerceptual) {
        // Without a decode only the size limit can be checked; say so rather than call a huge image readable.
        if (auto limit = ImageDecoder::checkPixelLimit(*header, options.maxPixels, name); !limit) {
            out.error = limit.error();
            return;
        }
        out.readable = true;
        return;
    }
    DecodeOptions decode;
    decode.maxPixels = options.maxPixels;
    decode.minLongSide = std::max(1, options.analysisLongSide);
    decode.grayscale = true;  // both measures are on luma; JPEG then skips chroma
    auto image = ImageDecoder::decodeBuffer(bytes, name, decode);
    if (!image) {
        out.error = image.error();
        return;
    }
    const cv::Mat gray = resizeToLongSide(*image, decode.minLongSide, ResizeQuality::Fast);
    out.blur = laplacianVariance(gray);
    out.perceptualHash = perceptualHash(gray);
    out.readable = true;
}

}  // namespace

ImageAnalysis ImageAnalyzer::analyze(const std::filesystem::path& path, const AnalyzeOptions& options) {
    ImageAnalysis out;
    std::string name;
    try {
        name = path.string();
        auto bytes = readFileBytes(path);
        if (!bytes) {
            out.error = bytes.error();
            return out;
        }
        out.fileSize = int64_t(bytes->size());
        out.contentHash = util::sha256Hex(bytes->data(), bytes->size());
        analyzeBytes(*bytes, name, options, out);
    } catch (const cv::Exception& e) {
        out.readable = false;
        out.error = name + ": cannot analyse image (OpenCV: " + e.msg + ")";
    } catch (const std::exception& e) {
        out.readable = false;
        out.error = name + ": cannot analyse image (" + std::string(e.what()) + ")";
    } catch (...) {
        out.readable = false;
        out.error = name + ": cannot analyse image (unknown error)";
    }
    return out;
}

int hammingDistance(uint64_t a, uint64_t b) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(a ^ b);
#else
    uint64_t x = a ^ b;
    int n = 0;
    for (; x; x &= x - 1) ++n;
    return n;
#endif
}

}  // namespace tessera::imaging
