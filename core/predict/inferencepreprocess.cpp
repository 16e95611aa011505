#include "core/predict/inferencepreprocess.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/train/canvas.h"

namespace tessera::learn {

namespace {

// torchvision's CenterCrop offset: int(round(d / 2.0)) with Python's round-half-to-even.
int centreOffset(int d) {
    if (d <= 0) return 0;
    if (d % 2 == 0) return d / 2;
    const int lo = d / 2;
    return lo % 2 == 0 ? lo : lo + 1;
}

int shorterSideTarget(int inputSize) { return int(std::lround(inputSize * 256.0 / 224.0)); }

cv::Mat resizeTo(const cv::Mat& src, int w, int h) {
    if (src.cols == w && src.rows == h) return src;
    cv::Mat out;
    // Averaging when shrinking (no aliasing, like PIL's antialiased resize); bilinear when a small photo must grow.
    const bool shrink = w <= src.cols && h <= src.rows;
    cv::resize(src, out, cv::Size(w, h), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

}  // namespace

InferencePreprocess::InferencePreprocess(nn::BundlePreprocessing p)
    : p_(std::move(p)), framing_(framingNamed(p_.framing)) {}

InferencePreprocess::Geometry InferencePreprocess::geometry(int w, int h) const {
    Geometry g;
    const int S = p_.inputSize;
    const auto& policy = p_.resizePolicy;
    if (policy == "canvas_then_center_crop" || policy == "pad_to_square") {
        const int C = policy == "pad_to_square" ? S : p_.canvasSize;
        // Same arithmetic as Canvas::fit.
        const double scale = double(C) / double(std::max(w, h));
        g.rw = std::clamp(int(std::lround(w * scale)), 1, C);
        g.rh = std::clamp(int(std::lround(h * scale)), 1, C);
        g.left = (C - g.rw) / 2;
        g.top = (C - g.rh) / 2;
        g.cw = g.ch = C;
        g.cx = g.cy = (C - S) / 2;
    } else if (policy == "stretch") {
        g.rw = g.rh = g.cw = g.ch = S;
    } else {  // shorter_side_then_center_crop; torchvision truncates the long side
        const int R = shorterSideTarget(S);
        if (w <= h) {
            g.rw = R;
            g.rh = std::max(R, int(int64_t(R) * h / w));
        } else {
            g.rh = R;
            g.rw = std::max(R, int(int64_t(R) * w / h));
        }
        g.cw = g.rw, g.ch = g.rh;
        g.cx = centreOffset(g.rw - S);
        g.cy = centreOffset(g.rh - S);
    }
    return g;
}

int InferencePreprocess::decodeLongSide(int w, int h) const {
    if (w <= 0 || h <= 0) return 0;
    const Geometry g = geometry(w, h);
    // The find's box is not known before decoding: decode enough for a find a quarter as wide as its photo.
    return std::max(g.rw, g.rh) * (framing_ == Framing::Find ? kFindDecodeFactor : 1);
}

cv::Mat InferencePreprocess::crop(const cv::Mat& rgb, cv::Matx23d* toCrop) const {
    const cv::Rect part = framedRect(rgb, framing_);
    if (toCrop) *toCrop = partToCrop(part);
    const cv::Mat photo = rgb(part);
    const int S = p_.inputSize;
    const auto& policy = p_.resizePolicy;
    cv::Mat full;
    if (policy == "canvas_then_center_crop")
        full = Canvas::fit(photo, p_.canvasSize, nullptr);
    else if (policy == "pad_to_square")
        full = Canvas::fit(photo, S, nullptr);
    else {
        const Geometry g = geometry(photo.cols, photo.rows);
        full = resizeTo(photo, g.rw, g.rh);
    }
    const Geometry g = geometry(photo.cols, photo.rows);
    return full(cv::Rect(g.cx, g.cy, S, S)).clone();
}

void InferencePreprocess::normalizeInto(const cv::Mat& crop, float* dst) const {
    // One lookup table per channel: 256 values instead of a divide per sample.
    float lut[3][256];
    for (int c = 0; c < 3; ++c)
        for (int v = 0; v < 256; ++v) lut[c][v] = (float(v) / 255.f - p_.mean[size_t(c)]) / p_.std[size_t(c)];
    const int S = p_.inputSize;
    const size_t plane = size_t(S) * size_t(S);
    for (int y = 0; y < S; ++y) {
        const uint8_t* row = crop.ptr<uint8_t>(y);
        float* r = dst + size_t(y) * S;
        float* g = r + plane;
        float* b = g + plane;
        for (int x = 0; x < S; ++x) {
            r[x] = lut[0][row[3 * x]];
            g[x] = lut[1][row[3 * x + 1]];
            b[x] = lut[2][row[3 * x + 2]];
        }
    }
}

cv::Matx23d InferencePreprocess::photoToCrop(const cv::Mat& photo) const {
    return partToCrop(framedRect(photo, framing_));
}

cv::Matx23d InferencePreprocess::partToCrop(const cv::Rect& part) const {
    const Geometry g = geometry(part.width, part.height);
    const double sx = double(g.rw) / part.width, sy = double(g.rh) / part.height;
    // Pixel centres: (x - part.x + 0.5) * s - 0.5 in the resized part, then shifted by the padding and the crop.
    return cv::Matx23d(sx, 0, 0.5 * sx - 0.5 + g.left - g.cx - sx * part.x,  //
                       0, sy, 0.5 * sy - 0.5 + g.top - g.cy - sy * part.y);
}

}  // namespace tessera::learn
