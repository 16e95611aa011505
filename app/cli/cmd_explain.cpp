// tessera-cli explain MODEL IMAGE --out heatmap.png [--class NAME]: Grad-CAM of one photo — which region drove the
// score of the predicted (or the named) class — written as the photo blended with a colour map of the heat.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/predict/predictor.h"

namespace fs = std::filesystem;

namespace tessera::cli {
namespace {

struct ExplainArgs {
    std::string model, image, out, className, device = "auto";
};

int runExplain(ExplainArgs& a) {
    std::error_code ec;
    if (!fs::is_regular_file(a.model, ec)) return userError(a.model + ": no such model file");
    if (!fs::is_regular_file(a.image, ec)) return userError(a.image + ": no such image file");
    auto options = learn::PredictOptions::defaults();
    options.device = a.device;
    auto predictor = learn::Predictor::open(a.model, options);
    if (!predictor) return userError(predictor.error());
    int classIndex = -1;
    if (!a.className.empty()) {
        const auto& names = predictor->classNames();
        std::string known;
        for (size_t i = 0; i < names.size(); ++i) {
            if (names[i] == a.className) classIndex = int(i);
            known += (i ? ", " : "") + names[i];
        }
        if (classIndex < 0) return userError("--class " + a.className + ": the model's classes are " + known);
    }
    auto cam = predictor->gradCam(a.image, classIndex);
    if (!cam) return userError(cam.error());
    cv::Mat bgr;
    cv::cvtColor(cam->overlay, bgr, cv::COLOR_RGB2BGR);
    try {
        if (!cv::imwrite(a.out, bgr)) return userError(a.out + ": cannot write the image (use .png or .jpg)");
    } catch (const cv::Exception& e) {
        return userError(a.out + ": cannot write the image: " + e.what());
    }
    std::printf("%s: %s (p = %.4f); heat map written to %s\n", a.image.c_str(),
                predictor->classNames()[size_t(cam->classIndex)].c_str(), cam->probability, a.out.c_str());
    return kOk;
}

const CommandRegistrar registrar{
    "explain", "Grad-CAM heat map: which part of a photo drove the prediction", [](CLI::App& sub) {
        auto a = std::make_shared<ExplainArgs>();
        sub.add_option("MODEL", a->model, "Model bundle (.tessera-model)")->required();
        sub.add_option("IMAGE", a->image, "Photo to explain")->required();
        sub.add_option("--out", a->out, "Overlay image to write (.png)")->required();
        sub.add_option("--class", a->className, "Explain this class instead of the predicted one");
        sub.add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
        return [a] { return runExplain(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
