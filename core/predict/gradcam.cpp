// Predictor::gradCam: Grad-CAM (Selvaraju et al. 2017) on the output of the last residual stage (layer4). The
// gradient of the class score with respect to that map, averaged over space, weighs its channels; the ReLU of the
// weighted sum, scaled to [0, 1], is mapped back through the bundle's resize/pad/crop onto the photo.
#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/predict/predictorimpl_torch.h"

namespace fs = std::filesystem;

namespace tessera::learn {

namespace {
constexpr int kPhotoLongSide = 1024;  // the photo returned for display
}

Expected<GradCamResult> Predictor::gradCam(const fs::path& file, int classIndex) {
    Impl& m = *impl_;
    try {
        auto bytes = imaging::readFileBytes(file);
        if (!bytes) return bytes.takeError();
        auto header = imaging::ImageDecoder::probeBuffer(bytes->data(), bytes->size(), file.string());
        if (!header) return header.takeError();
        imaging::DecodeOptions dopt;
        const int longSide = std::max(header->width, header->height);
        dopt.minLongSide = std::max(m.prep.decodeLongSide(header->width, header->height),
                                    std::min(kPhotoLongSide, longSide));
        auto img = imaging::ImageDecoder::decodeBuffer(*bytes, file.string(), dopt);
        if (!img) return img.takeError();

        const int64_t S = m.prep.inputSize();
        auto x = torch::empty({1, 3, S, S}, torch::kFloat);
        cv::Matx23d toCrop;  // decoded photo -> crop
        m.prep.normalizeInto(m.prep.crop(*img, &toCrop), x.data_ptr<float>());
        torch::Tensor A;
        {
            torch::NoGradGuard noGrad;
            auto in = x.to(m.device);
            if (m.device.is_cuda()) in = in.contiguous(at::MemoryFormat::ChannelsLast);
            A = m.model->features(in).to(torch::kFloat);
        }
        // Gradients flow from the head back to the map only: the trunk ran once without a graph.
        A = A.detach().contiguous().requires_grad_(true);
        torch::AutoGradMode grad(true);
        auto logits = m.model->head(torch::adaptive_avg_pool2d(A, {1, 1}).flatten(1));
        auto probs = m.calibratedSoftmax(logits.detach()).to(torch::kCPU);
        const int K = int(probs.size(1));
        const int c = classIndex < 0 ? int(probs.argmax(1).item<int64_t>()) : classIndex;
        if (c < 0 || c >= K)
            return makeError("class index " + std::to_string(c) + " is out of range: the model has " +
                             std::to_string(K) + " classes");
        auto g = torch::autograd::grad({logits[0][c]}, {A})[0];
        auto alpha = g.mean({2, 3}, /*keepdim=*/true);
        auto cam = torch::relu((alpha * A.detach()).sum(1))[0].to(torch::kCPU).contiguous();
        const float peak = cam.max().item<float>();
        if (peak > 0.f) cam = cam / peak;

        GradCamResult out;
        out.classIndex = c;
        out.probability = probs[0][c].item<float>();
        cv::Mat camMat(int(cam.size(0)), int(cam.size(1)), CV_32FC1, cam.data_ptr<float>());
        cv::Mat heatCrop;
        cv::resize(camMat, heatCrop, cv::Size(int(S), int(S)), 0, 0, cv::INTER_LINEAR);

        const cv::Mat& full = *img;
        out.photo = std::max(full.cols, full.rows) > kPhotoLongSide
                        ? imaging::resizeToLongSide(full, kPhotoLongSide, imaging::ResizeQuality::Best)
                        : full.clone();
        // Display photo -> decoded photo -> crop, all in pixel-centre coordinates.
        const double kx = double(full.cols) / out.photo.cols, ky = double(full.rows) / out.photo.rows;
        const cv::Matx33d P(toCrop(0, 0), toCrop(0, 1), toCrop(0, 2), toCrop(1, 0), toCrop(1, 1), toCrop(1, 2), 0, 0,
                            1);
        const cv::Matx33d D(kx, 0, 0.5 * kx - 0.5, 0, ky, 0.5 * ky - 0.5, 0, 0, 1);
        const cv::Matx33d M = P * D;
        const cv::Matx23d M23(M(0, 0), M(0, 1), M(0, 2), M(1, 0), M(1, 1), M(1, 2));
        // Outside the crop the network saw nothing: no heat there.
        cv::warpAffine(heatCrop, out.heat, M23, out.photo.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                       cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::Mat nonNegative = cv::max(out.heat, 0.0);
        out.heat = cv::min(nonNegative, 1.0);

        cv::Mat heat8, colour;
        out.heat.convertTo(heat8, CV_8UC1, 255.0);
        cv::applyColorMap(heat8, colour, cv::COLORMAP_JET);
        cv::cvtColor(colour, colour, cv::COLOR_BGR2RGB);
        cv::addWeighted(out.photo, 0.55, colour, 0.45, 0.0, out.overlay);
        return out;
    } catch (const c10::Error& e) {
        return makeError(file.string() + ": Grad-CAM failed: " + e.what_without_backtrace());
    } catch (const cv::Exception& e) {
        return makeError(file.string() + ": Grad-CAM failed: " + e.what());
    } catch (const std::exception& e) {
        return makeError(file.string() + ": Grad-CAM failed: " + e.what());
    }
}

}  // namespace tessera::learn
