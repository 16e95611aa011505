// OnnxExporter: ResNets with random weights (BN statistics included) exported to ONNX, run by OpenCV's DNN module,
// must give the logits of the LibTorch ResNet in eval mode (max |diff| <= 1e-4 * max |logit|), plus softmax.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <opencv2/dnn.hpp>

#include "core/nn/onnxexporter.h"
#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/pthwriter.h"
#include "core/nn/torchzipreader_torch.h"
#include "core/nn/statedict_torch.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/weightloader_torch.h"

namespace fs = std::filesystem;
using namespace tessera::nn;

namespace {

ResNet randomResNet(Architecture arch, int64_t classes, uint64_t seed) {
    at::manual_seed(seed);
    ResNet model(arch, classes);
    torch::NoGradGuard noGrad;
    for (auto& p : model->named_parameters(true)) {
        const bool bnWeight = p.key().find("bn") != std::string::npos || p.key().find("downsample.1") != std::string::npos;
        if (bnWeight && p.key().find(".weight") != std::string::npos)
            p.value().uniform_(0.5, 1.5);
        else if (p.value().dim() == 4)
            p.value().normal_(0, std::sqrt(2.0 / double(p.value()[0].numel())));  // keeps activations O(1)
        else
            p.value().uniform_(-0.1, 0.1);
    }
    for (auto& b : model->named_buffers(true)) {
        if (b.key().find("running_var") != std::string::npos)
            b.value().uniform_(0.5, 1.5);
        else if (b.key().find("running_mean") != std::string::npos)
            b.value().uniform_(-0.2, 0.2);
    }
    model->eval();
    return model;
}

class OnnxTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        dir_ = fs::temp_directory_path() / ("tessera_onnx_" + std::to_string(getpid()) + "_" + std::to_string(stamp));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // Exports, runs both, compares; returns the relative max difference.
    void checkAgainstTorch(Architecture arch, int64_t classes, int side) {
        ResNet model = randomResNet(arch, classes, 17);
        const StateDict sd = WeightLoader::stateDict(*model);
        OnnxExportOptions opt;
        opt.inputSize = side;
        for (int64_t i = 0; i < classes; ++i) opt.classNames.push_back("class" + std::to_string(i));
        const fs::path onnx = dir_ / (architectureName(arch) + ".onnx");
        auto st = OnnxExporter::writeFile(arch, sd, onnx.string(), opt);
        ASSERT_TRUE(st.ok()) << st.error();

        const at::Tensor x = at::sin(0.01 * at::arange(2 * 3 * side * side, at::kFloat)).reshape({2, 3, side, side});
        at::Tensor ref;
        {
            torch::NoGradGuard noGrad;
            ref = model->forward(x);
        }
        cv::dnn::Net net;
        try {
            net = cv::dnn::readNetFromONNX(onnx.string());
        } catch (const cv::Exception& e) {
            FAIL() << "OpenCV could not read " << onnx << ": " << e.what();
        }
        const int shape[] = {2, 3, side, side};
        cv::Mat blob(4, shape, CV_32F, x.data_ptr<float>());
        net.setInput(blob, "input");
        std::vector<cv::Mat> outs;
        net.forward(outs, std::vector<cv::String>{"logits", "probabilities"});
        ASSERT_EQ(outs.size(), 2u);
        ASSERT_EQ(outs[0].total(), size_t(2 * classes));
        const at::Tensor got = at::from_blob(outs[0].ptr<float>(), {2, classes}, at::kFloat).clone();
        const at::Tensor prob = at::from_blob(outs[1].ptr<float>(), {2, classes}, at::kFloat).clone();
        const double scale = ref.abs().max().item<double>();
        const double diff = (got - ref).abs().max().item<double>();
        ASSERT_GT(scale, 0.0);
        EXPECT_LE(diff / scale, 1e-4) << "max |logit| " << scale << ", max diff " << diff;
        EXPECT_LE((prob - at::softmax(ref, 1)).abs().max().item<double>(), 1e-4);
        RecordProperty("relative_diff", std::to_string(diff / scale));
        std::printf("%s: max |logit| %.4g, max |onnx - torch| %.3g (relative %.3g)\n",
                    architectureName(arch).c_str(), scale, diff, diff / scale);
    }

    fs::path dir_;
};

TEST_F(OnnxTest, ResNet18MatchesLibTorch) { checkAgainstTorch(Architecture::ResNet18, 7, 64); }

TEST_F(OnnxTest, ResNet50MatchesLibTorch) { checkAgainstTorch(Architecture::ResNet50, 3, 64); }

TEST_F(OnnxTest, ConvertsWeightsFileAndInfersArchitecture) {
    ResNet model = randomResNet(Architecture::ResNet34, 6, 5);
    const StateDict sd = WeightLoader::stateDict(*model);
    auto arch = OnnxExporter::inferArchitecture(sd);
    ASSERT_TRUE(arch.ok()) << arch.error();
    EXPECT_EQ(*arch, Architecture::ResNet34);
    auto r50 = OnnxExporter::inferArchitecture(WeightLoader::stateDict(*ResNet(Architecture::ResNet50, 2)));
    ASSERT_TRUE(r50.ok()) << r50.error();
    EXPECT_EQ(*r50, Architecture::ResNet50);

    const fs::path pth = dir_ / "resnet34.pth";
    ASSERT_TRUE(PthWriter::writeFile(sd, pth.string()).ok());
    const fs::path onnx = dir_ / "resnet34.onnx";
    OnnxExportOptions opt;
    opt.inputSize = 64;
    opt.addSoftmax = false;
    auto st = OnnxExporter::convertFile(pth.string(), onnx.string(), "", opt);
    ASSERT_TRUE(st.ok()) << st.error();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
    const at::Tensor x = at::sin(0.01 * at::arange(3 * 64 * 64, at::kFloat)).reshape({1, 3, 64, 64});
    const int shape[] = {1, 3, 64, 64};
    net.setInput(cv::Mat(4, shape, CV_32F, x.data_ptr<float>()));
    cv::Mat out = net.forward("logits");
    const at::Tensor got = at::from_blob(out.ptr<float>(), {1, 6}, at::kFloat).clone();
    torch::NoGradGuard noGrad;
    const at::Tensor ref = model->forward(x);
    EXPECT_LE((got - ref).abs().max().item<double>(), 1e-4 * ref.abs().max().item<double>());

    auto missing = OnnxExporter::convertFile((dir_ / "nope.pth").string(), onnx.string(), "");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("nope.pth"), std::string::npos) << missing.error();
}

TEST_F(OnnxTest, ExportsModelBundle) {
    ResNet model = randomResNet(Architecture::ResNet18, 3, 11);
    {
        torch::NoGradGuard noGrad;
        model->named_parameters()["fc.weight"].mul_(0.01);  // logits close enough for the temperature to show
    }
    BundleManifest manifest;
    manifest.arch = "resnet18";
    manifest.classNames = {"amphora", "bowl", "coin"};
    manifest.preprocessing.inputSize = 64;
    manifest.calibration.temperature = 2.5;  // the bundle's calibration carries over to "probabilities"
    manifest.calibration.fittedOn = "validation";
    manifest.calibration.photos = 40;
    const fs::path bundle = dir_ / "finds.tessera-model";
    auto saved = ModelBundleIO::save(bundle.string(), model, manifest);
    ASSERT_TRUE(saved.ok()) << saved.error();

    // .pth from the bundle: the exact tensors of the model.
    const fs::path pth = dir_ / "finds.pth";
    auto st = PthWriter::convertFile(bundle.string(), pth.string());
    ASSERT_TRUE(st.ok()) << st.error();
    auto back = TorchZipReader::readFile(pth.string());
    ASSERT_TRUE(back.ok()) << back.error();
    const StateDict sd = WeightLoader::stateDict(*model);
    ASSERT_EQ(back->size(), sd.size());
    for (const auto& [name, t] : sd.entries) {
        const at::Tensor* got = back->find(name);
        ASSERT_NE(got, nullptr) << name;
        EXPECT_TRUE(at::equal(*got, t)) << name;
    }

    // ONNX from the bundle: architecture and input size from the manifest (the "--arch" argument is not needed).
    const fs::path onnx = dir_ / "finds.onnx";
    auto ost = OnnxExporter::convertFile(bundle.string(), onnx.string(), "");
    ASSERT_TRUE(ost.ok()) << ost.error();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
    const at::Tensor x = at::cos(0.02 * at::arange(3 * 64 * 64, at::kFloat)).reshape({1, 3, 64, 64});
    const int shape[] = {1, 3, 64, 64};
    net.setInput(cv::Mat(4, shape, CV_32F, x.data_ptr<float>()));
    std::vector<cv::Mat> outs;
    net.forward(outs, std::vector<cv::String>{"logits", "probabilities"});
    ASSERT_EQ(outs.size(), 2u);
    const at::Tensor got = at::from_blob(outs[0].ptr<float>(), {1, 3}, at::kFloat).clone();
    const at::Tensor prob = at::from_blob(outs[1].ptr<float>(), {1, 3}, at::kFloat).clone();
    torch::NoGradGuard noGrad;
    const at::Tensor ref = model->forward(x);
    EXPECT_LE((got - ref).abs().max().item<double>(), 1e-4 * ref.abs().max().item<double>());
    EXPECT_LE((prob - at::softmax(ref / 2.5, 1)).abs().max().item<double>(), 1e-5);
    EXPECT_GT((prob - at::softmax(ref, 1)).abs().max().item<double>(), 1e-3)
        << "the temperature was not applied; logits " << ref;
}

TEST_F(OnnxTest, MismatchedWeightsAreRefused) {
    ResNet model = randomResNet(Architecture::ResNet18, 4, 1);
    StateDict sd = WeightLoader::stateDict(*model);
    const std::string path = (dir_ / "bad.onnx").string();
    // resnet34 needs layer1.2.*, which resnet18 weights lack.
    auto wrongArch = OnnxExporter::writeFile(Architecture::ResNet34, sd, path);
    ASSERT_FALSE(wrongArch.ok());
    EXPECT_NE(wrongArch.error().find("layer1.2.conv1.weight"), std::string::npos) << wrongArch.error();
    EXPECT_NE(wrongArch.error().find("bad.onnx"), std::string::npos) << wrongArch.error();
    // resnet50 expects 2048 embedding channels.
    auto wrongFc = OnnxExporter::writeFile(Architecture::ResNet50, sd, path);
    ASSERT_FALSE(wrongFc.ok());
    EXPECT_NE(wrongFc.error().find("fc.weight"), std::string::npos) << wrongFc.error();
    // Class names must match the head.
    OnnxExportOptions opt;
    opt.classNames = {"a", "b"};
    auto wrongNames = OnnxExporter::writeFile(Architecture::ResNet18, sd, path, opt);
    ASSERT_FALSE(wrongNames.ok());
    EXPECT_NE(wrongNames.error().find("2 class names for 4 outputs"), std::string::npos) << wrongNames.error();
    EXPECT_FALSE(fs::exists(path));
}

}  // namespace
