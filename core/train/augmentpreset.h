#pragma once
// Augmentation presets (none | light | strong | archaeology) with the parameters they stand for, and a torch-free
// preview of what a preset does to one photo (for the GUI's augmentation dialog).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/train/canvas.h"
#include "core/util/expected.h"
#include "core/util/namedchoice.h"

namespace tessera::learn {

enum class AugmentPreset { None, Light, Strong, Archaeology };
inline constexpr std::array kAugmentPresetNames{
    Named<AugmentPreset>{AugmentPreset::None, "none"}, Named<AugmentPreset>{AugmentPreset::Light, "light"},
    Named<AugmentPreset>{AugmentPreset::Strong, "strong"}, Named<AugmentPreset>{AugmentPreset::Archaeology, "archaeology"}};

inline std::string augmentPresetName(AugmentPreset preset) { return nameOf(kAugmentPresetNames, preset); }
inline Expected<AugmentPreset> parseAugmentPreset(std::string_view name) {
    return parseNamed(kAugmentPresetNames, name, "augmentation preset");
}

// What one preset does; probabilities are per image.
struct AugmentConfig {
    bool randomCrop = false;      // RandomResizedCrop inside the photo's content box
    double scaleMin = 1.0, scaleMax = 1.0;        // crop area / content area
    double ratioMin = 3.0 / 4.0, ratioMax = 4.0 / 3.0;
    double maxRotationDeg = 0.0;  // uniform in [-max, max]; 180 = any angle
    double hflipP = 0.0, vflipP = 0.0;
    double brightness = 0.0, contrast = 0.0, saturation = 0.0, hue = 0.0;  // torchvision ColorJitter ranges
    double grayscaleP = 0.0;
    double blurP = 0.0, blurSigmaMin = 0.1, blurSigmaMax = 2.0;
    double perspectiveP = 0.0, perspectiveScale = 0.0;  // corner displacement, fraction of the half side

    // none: the whole canvas resized; light: crop 0.35..1, h-flip, mild jitter; strong: crop 0.08..1, h-flip,
    // +-20 deg, jitter 0.4/0.4/0.4/0.1, grayscale 0.1, blur 0.2; archaeology: strong + any rotation, v-flip,
    // grayscale 0.2, blur 0.3, perspective 0.3 (sherds have no canonical orientation, photos vary in light/tilt).
    static AugmentConfig forPreset(AugmentPreset preset);
};

// `n` augmented views of an 8-bit RGB photo at `size` x `size`, as CV_8UC3 RGB, framed as training frames it.
// Same seed, same views.
Expected<std::vector<cv::Mat>> augmentPreviews(const cv::Mat& rgb, int n, AugmentPreset preset, Framing framing,
                                               uint64_t seed, int size = 224);

}  // namespace tessera::learn
