#pragma once
// Paints one synthetic sherd photo: a table-top background with a soft shadow, an irregular clay-coloured sherd
// polygon with mottled texture and a darker break edge, and the decoration of its class clipped to the sherd.
// All randomness comes from DemoRandom and all drawing is integer OpenCV primitives, so output is reproducible.
#include <cstdint>

#include <opencv2/core.hpp>

namespace tessera::demo {

enum class Decoration { Incised = 0, Dots = 1, Painted = 2, Plain = 3 };

class SherdPainter {
public:
    static cv::Mat paint(Decoration decoration, int width, int height, uint64_t seed);
};

}  // namespace tessera::demo
