#pragma once
// Where the find lies in its photo. Find photos are mostly one object on a plain backdrop, often small in the frame:
// a sherd 300 px wide in a 1200 px photo shrinks to 25 px in a 96 px network input and its decoration is lost.
// locateFind returns the box around what stands out from the backdrop (with a margin), so training and prediction
// can look at the find rather than at empty background. A photo without a plain backdrop (a close-up, a find in
// situ, a photo already cropped to the find) keeps its whole frame: the answer is never worse than the photo.
#include <opencv2/core.hpp>

namespace tessera::imaging {

// rgb: CV_8UC3. The rectangle of rgb to keep; the whole image when no plain backdrop is found or the find fills
// most of the frame already. Deterministic, and nearly scale-free: the same photo decoded at another size gives
// the same box in relative coordinates (to 2 % of the photo down to a 200 px decode; the box is found on a copy
// with a 256 px long side).
cv::Rect locateFind(const cv::Mat& rgb);

}  // namespace tessera::imaging
