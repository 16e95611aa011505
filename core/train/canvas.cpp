#include "core/train/canvas.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/imaging/findframe.h"

namespace tessera::learn {



cv::Rect framedRect(const cv::Mat& rgb, Framing framing) {
    return framing == Framing::Find ? imaging::locateFind(rgb) : cv::Rect(0, 0, rgb.cols, rgb.rows);
}

cv::Mat framed(const cv::Mat& rgb, Framing framing) { return rgb(framedRect(rgb, framing)); }

cv::Mat Canvas::fit(const cv::Mat& rgb, int canvas, ContentBox* box) {
    const int w = rgb.cols, h = rgb.rows;
    const double scale = double(canvas) / double(std::max(w, h));
    const int nw = std::clamp(int(std::lround(w * scale)), 1, canvas);
    const int nh = std::clamp(int(std::lround(h * scale)), 1, canvas);
    cv::Mat resized;
    if (nw == w && nh == h)
        resized = rgb;
    else  // INTER_AREA when shrinking avoids aliasing; linear when a small photo must grow.
        cv::resize(rgb, resized, cv::Size(nw, nh), 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    const int left = (canvas - nw) / 2, top = (canvas - nh) / 2;
    cv::Mat out;
    cv::copyMakeBorder(resized, out, top, canvas - nh - top, left, canvas - nw - left, cv::BORDER_REPLICATE);
    if (box) {
        const float c = float(canvas);
        *box = {2.f * left / c - 1.f, 2.f * top / c - 1.f, 2.f * (left + nw) / c - 1.f, 2.f * (top + nh) / c - 1.f};
    }
    return out;
}

}  // namespace tessera::learn
