#pragma once
// The geometry and normalisation a model bundle asks for at inference (BundlePreprocessing): which resolution to
// decode, how to turn a decoded photo into the network's square input, and where each input pixel came from in the
// photo (Grad-CAM maps its heat back through that). Torch-free: it runs on the decode threads.
#include <opencv2/core.hpp>

#include "core/train/canvas.h"
#include "core/nn/modelbundle.h"

namespace tessera::learn {

class InferencePreprocess {
public:
    explicit InferencePreprocess(nn::BundlePreprocessing p);

    // The long side DecodeOptions::minLongSide should request for a photo of this displayed size, so that the
    // DCT-reduced decode still holds every pixel the resize needs (0: decode at full size).
    int decodeLongSide(int width, int height) const;

    // Decoded RGB photo (CV_8UC3) -> the inputSize x inputSize RGB crop the network sees (CV_8UC3). With the
    // "find" framing the steps below apply to the find's box (learn::framed), not to the whole photo:
    //  canvas_then_center_crop: learn::Canvas::fit to canvasSize (long side, replicated border), centre crop;
    //  shorter_side_then_center_crop: shorter side to inputSize*256/224 (torchvision eval), centre crop;
    //  stretch: both sides to inputSize; pad_to_square: Canvas::fit to inputSize.
    // `toCrop`, when given, receives photoToCrop(rgb) from the same framing (the find is located once).
    cv::Mat crop(const cv::Mat& rgb, cv::Matx23d* toCrop = nullptr) const;

    // Crop -> normalised float CHW planes ((x/255 - mean)/std) at dst (3*inputSize*inputSize floats).
    void normalizeInto(const cv::Mat& crop, float* dst) const;

    // Affine map from pixel coordinates of this decoded photo to pixel coordinates of its crop (pixel centres
    // at +0.5, as cv::resize and cv::warpAffine use them).
    cv::Matx23d photoToCrop(const cv::Mat& photo) const;

    int inputSize() const { return p_.inputSize; }
    const nn::BundlePreprocessing& settings() const { return p_; }

private:
    cv::Matx23d partToCrop(const cv::Rect& part) const;  // photoToCrop for the framed part `part`
    struct Geometry {  // resize the photo to (rw, rh), pad by (left, top) on a (cw, ch) canvas, crop at (cx, cy)
        int rw = 0, rh = 0, left = 0, top = 0, cw = 0, ch = 0, cx = 0, cy = 0;
    };
    Geometry geometry(int width, int height) const;

    nn::BundlePreprocessing p_;
    Framing framing_;
};

}  // namespace tessera::learn
