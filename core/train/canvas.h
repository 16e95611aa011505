#pragma once
// Fits a photo into the square training canvas: the LONG side is resized to the canvas and the short side padded by
// replicating the border, so the whole find is kept (a centre crop would cut the ends of long sherds). The content
// box records where the photo lies, so random crops are drawn from the photo and not from the padding.
#include <array>
#include <string>

#include <opencv2/core.hpp>

#include "core/util/expected.h"
#include "core/util/namedchoice.h"

namespace tessera::learn {

// Which part of a photo the canvas shows: the whole photo, or the find (imaging::locateFind: the box around the
// object on a plain backdrop, the whole photo when there is none). Training records its choice in the model
// bundle, so prediction frames every photo the same way.
enum class Framing { Photo, Find };
inline constexpr std::array kFramingNames{Named<Framing>{Framing::Find, "find"}, Named<Framing>{Framing::Photo, "photo"}};
inline std::string framingName(Framing framing) { return nameOf(kFramingNames, framing); }
inline Expected<Framing> parseFraming(std::string_view name) { return parseNamed(kFramingNames, name, "framing"); }
// For a name checked already (a bundle manifest): Find for "find", else Photo.
inline Framing framingNamed(std::string_view name) { return name == "find" ? Framing::Find : Framing::Photo; }
// The part of rgb that `framing` keeps (a view, no copy).
cv::Mat framed(const cv::Mat& rgb, Framing framing);
// Where that part lies in rgb.
cv::Rect framedRect(const cv::Mat& rgb, Framing framing);
// With Framing::Find a photo is decoded at this many times the long side its canvas needs: a find a quarter as
// wide as its photo still fills the canvas at full detail.
constexpr int kFindDecodeFactor = 4;

// Normalised [-1, 1] coordinates of the photo inside its canvas: x0, y0, x1, y1.
using ContentBox = std::array<float, 4>;

class Canvas {
public:
    // rgb: CV_8UC3. Returns a CV_8UC3 canvas x canvas image; box receives the content box.
    static cv::Mat fit(const cv::Mat& rgb, int canvas, ContentBox* box);
    static ContentBox fullBox() { return {-1.f, -1.f, 1.f, 1.f}; }
};

}  // namespace tessera::learn
