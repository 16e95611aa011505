#include "core/imaging/findframe.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace tessera::imaging {

namespace {

constexpr int kWorkSide = 256;             // the box is found on a copy with this long side
constexpr int kMaxBackdropSpread = 30;     // 90th percentile of the border's deviation from its median colour
constexpr int kMinContrast = 28;           // least difference (one channel, 0-255) that marks a pixel as the find
constexpr double kMinFindShare = 0.002;    // a largest blob under this share of the photo is noise, not a find
constexpr double kPartShare = 0.2;         // blobs at least this share of the largest belong to the find too
constexpr double kMargin = 0.08;           // of the box's long side, on every side
constexpr double kKeepWholeShare = 0.85;   // a box this wide and this high already: keep the whole photo

// The pixels of a ring `width` wide along the image border, as rows of 3 bytes.
std::vector<cv::Vec3b> borderRing(const cv::Mat& img, int width) {
    std::vector<cv::Vec3b> ring;
    for (int y = 0; y < img.rows; ++y) {
        const auto* row = img.ptr<cv::Vec3b>(y);
        const bool fullRow = y < width || y >= img.rows - width;
        for (int x = 0; x < img.cols; ++x)
            if (fullRow || x < width || x >= img.cols - width) ring.push_back(row[x]);
    }
    return ring;
}

int maxChannelDistance(const cv::Vec3b& p, const std::array<int, 3>& c) {
    return std::max({std::abs(p[0] - c[0]), std::abs(p[1] - c[1]), std::abs(p[2] - c[2])});
}

}  // namespace

cv::Rect locateFind(const cv::Mat& rgb) {
    const cv::Rect whole(0, 0, rgb.cols, rgb.rows);
    if (rgb.type() != CV_8UC3 || rgb.cols < 16 || rgb.rows < 16) return whole;

    const double scale = std::min(1.0, double(kWorkSide) / std::max(rgb.cols, rgb.rows));
    cv::Mat small = rgb;
    if (scale < 1.0)
        cv::resize(rgb, small, cv::Size(std::max(1, int(std::lround(rgb.cols * scale))),
                                        std::max(1, int(std::lround(rgb.rows * scale)))),
                   0, 0, cv::INTER_AREA);

    // The backdrop: the median colour of the border, which must be nearly uniform.
    auto ring = borderRing(small, std::max(2, std::min(small.cols, small.rows) / 32));
    std::array<int, 3> backdrop{};
    for (int c = 0; c < 3; ++c) {
        std::vector<uint8_t> v(ring.size());
        for (size_t i = 0; i < ring.size(); ++i) v[i] = ring[i][c];
        std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
        backdrop[size_t(c)] = v[v.size() / 2];
    }
    std::vector<int> spread(ring.size());
    for (size_t i = 0; i < ring.size(); ++i) spread[i] = maxChannelDistance(ring[i], backdrop);
    auto p90 = spread.begin() + long(spread.size() * 9 / 10);
    std::nth_element(spread.begin(), p90, spread.end());
    if (*p90 > kMaxBackdropSpread) return whole;
    const int threshold = std::max(kMinContrast, 2 * *p90 + 8);

    cv::Mat mask(small.size(), CV_8UC1);
    for (int y = 0; y < small.rows; ++y) {
        const auto* row = small.ptr<cv::Vec3b>(y);
        auto* out = mask.ptr<uint8_t>(y);
        for (int x = 0; x < small.cols; ++x) out[x] = maxChannelDistance(row[x], backdrop) > threshold ? 255 : 0;
    }
    cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));

    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    int largest = 0;
    for (int i = 1; i < n; ++i) largest = std::max(largest, stats.at<int>(i, cv::CC_STAT_AREA));
    if (largest < kMinFindShare * small.cols * small.rows) return whole;
    cv::Rect box;
    for (int i = 1; i < n; ++i) {
        if (stats.at<int>(i, cv::CC_STAT_AREA) < kPartShare * largest) continue;
        const cv::Rect part(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                            stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        box = box.area() == 0 ? part : (box | part);
    }

    // Back to the photo's pixels, with the margin.
    const double margin = kMargin * std::max(box.width, box.height);
    const int x0 = std::max(0, int(std::floor((box.x - margin) / scale)));
    const int y0 = std::max(0, int(std::floor((box.y - margin) / scale)));
    const int x1 = std::min(rgb.cols, int(std::ceil((box.x + box.width + margin) / scale)));
    const int y1 = std::min(rgb.rows, int(std::ceil((box.y + box.height + margin) / scale)));
    const cv::Rect found(x0, y0, x1 - x0, y1 - y0);
    if (found.width >= kKeepWholeShare * rgb.cols && found.height >= kKeepWholeShare * rgb.rows) return whole;
    return found;
}

}  // namespace tessera::imaging
