#include "core/train/augmentpreset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "core/train/augment_torch.h"
#include "core/train/canvas.h"

namespace tessera::learn {

AugmentConfig AugmentConfig::forPreset(AugmentPreset preset) {
    AugmentConfig c;
    if (preset == AugmentPreset::None) return c;
    c.randomCrop = true;
    c.hflipP = 0.5;
    if (preset == AugmentPreset::Light) {
        c.scaleMin = 0.35;
        c.brightness = c.contrast = c.saturation = 0.2;
        return c;
    }
    c.scaleMin = 0.08;
    c.maxRotationDeg = 20;
    c.brightness = c.contrast = c.saturation = 0.4;
    c.hue = 0.1;
    c.grayscaleP = 0.1;
    c.blurP = 0.2;
    if (preset == AugmentPreset::Archaeology) {
        c.maxRotationDeg = 180;
        c.vflipP = 0.5;
        c.grayscaleP = 0.2;
        c.blurP = 0.3;
        c.perspectiveP = 0.3;
        c.perspectiveScale = 0.3;
    }
    return c;
}

Expected<std::vector<cv::Mat>> augmentPreviews(const cv::Mat& rgb, int n, AugmentPreset preset, Framing framing,
                                               uint64_t seed, int size) {
    if (rgb.empty() || rgb.type() != CV_8UC3) return makeError("augmentPreviews: expected an 8-bit RGB image");
    if (n <= 0 || size <= 0) return std::vector<cv::Mat>{};
    try {
        ContentBox box;
        const int canvasSide = int(std::lround(size * 1.25));
        cv::Mat canvas = Canvas::fit(framed(rgb, framing), canvasSide, &box);
        auto t = torch::from_blob(canvas.data, {canvasSide, canvasSide, 3}, torch::kUInt8)
                     .permute({2, 0, 1}).unsqueeze(0).expand({n, 3, canvasSide, canvasSide}).contiguous();
        BatchAugmenter aug(AugmentConfig::forPreset(preset), size);
        auto out = aug.apply(t, std::vector<ContentBox>(size_t(n), box), seed, false);
        out = out.mul(255.0).round().clamp(0, 255).to(torch::kUInt8).permute({0, 2, 3, 1}).contiguous();
        std::vector<cv::Mat> views;
        for (int i = 0; i < n; ++i) {
            cv::Mat m(size, size, CV_8UC3);
            std::memcpy(m.data, out[i].data_ptr(), size_t(size) * size * 3);
            views.push_back(m);
        }
        return views;
    } catch (const std::exception& e) {
        return makeError(std::string("augmentPreviews: ") + e.what());
    }
}

}  // namespace tessera::learn
