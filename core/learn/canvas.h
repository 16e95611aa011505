#pragma once
// Fits a photo into the square training canvas: the LONG side is resized to the canvas and the short side padded by
// replicating the border, so the whole find is kept (a centre crop would cut the ends of long sherds). The content
// box records where the photo lies, so random crops are drawn from the photo and not from the padding.
#include <array>

#include <opencv2/core.hpp>

namespace tessera::learn {

// Normalised [-1, 1] coordinates of the photo inside its canvas: x0, y0, x1, y1.
using ContentBox = std::array<float, 4>;

class Canvas {
public:
    // rgb: CV_8UC3. Returns a CV_8UC3 canvas x canvas image; box receives the content box.
    static cv::Mat fit(const cv::Mat& rgb, int canvas, ContentBox* box);
    static ContentBox fullBox() { return {-1.f, -1.f, 1.f, 1.f}; }
};

}  // namespace tessera::learn
