// ResNet models: torchvision's parameter/buffer names and shapes for all four depths, the feature map / embedding /
// logits shapes, head replacement and architecture parsing.
#include <gtest/gtest.h>

#include "core/nn/architecture.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/autocast_torch.h"
#include "core/nn/weightloader_torch.h"
#include "nnfixtures.h"

using namespace tessera;
using namespace tessera::nn;

class ResNetNames : public ::testing::TestWithParam<Architecture> {};

TEST_P(ResNetNames, StateDictEqualsTorchvisionInOrderAndShape) {
    const auto dir = nntest::fixtureDir(nntest::kAllSets);
    const auto lines = nntest::readLines(dir / (architectureName(GetParam()) + "_names.txt"));
    ResNet model(GetParam(), 1000);
    const StateDict sd = WeightLoader::stateDict(*model);
    ASSERT_EQ(sd.size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string shape;
        for (int64_t d : sd.entries[i].second.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
        EXPECT_EQ(sd.entries[i].first + " " + shape, lines[i]);
    }
}

INSTANTIATE_TEST_SUITE_P(AllDepths, ResNetNames,
                         ::testing::Values(Architecture::ResNet18, Architecture::ResNet34, Architecture::ResNet50,
                                           Architecture::ResNet101),
                         [](const auto& info) { return architectureName(info.param); });

TEST(ResNet, FeaturesEmbeddingAndLogitsShapes) {
    torch::NoGradGuard noGrad;
    ResNet r18(Architecture::ResNet18, 7);
    r18->eval();
    const auto x = torch::randn({2, 3, 64, 64});
    EXPECT_EQ(r18->features(x).sizes(), (std::vector<int64_t>{2, 512, 2, 2}));
    EXPECT_EQ(r18->embed(x).sizes(), (std::vector<int64_t>{2, 512}));
    EXPECT_EQ(r18->forward(x).sizes(), (std::vector<int64_t>{2, 7}));
    EXPECT_TRUE(r18->head(r18->embed(x)).allclose(r18->forward(x)));
    ResNet r50(Architecture::ResNet50, 3);
    r50->eval();
    EXPECT_EQ(r50->features(x).sizes(), (std::vector<int64_t>{2, 2048, 2, 2}));
    EXPECT_EQ(r50->embed(x).sizes(), (std::vector<int64_t>{2, 2048}));
    EXPECT_EQ(r50->embeddingDim(), 2048);
}

TEST(ResNet, ResetHeadChangesClassCountOnly) {
    ResNet model(Architecture::ResNet18, 1000);
    const auto conv = model->named_parameters()["conv1.weight"].clone();
    model->resetHead(5);
    EXPECT_EQ(model->numClasses(), 5);
    auto params = model->named_parameters();
    EXPECT_EQ(params["fc.weight"].sizes(), (std::vector<int64_t>{5, 512}));
    EXPECT_EQ(params["fc.bias"].sizes(), (std::vector<int64_t>{5}));
    EXPECT_TRUE(params["conv1.weight"].equal(conv));
    torch::NoGradGuard noGrad;
    model->eval();
    EXPECT_EQ(model->forward(torch::randn({1, 3, 32, 32})).sizes(), (std::vector<int64_t>{1, 5}));
}

TEST(Architecture, ParsesNamesAndListsAll) {
    EXPECT_EQ(parseArchitecture("resnet50").value(), Architecture::ResNet50);
    EXPECT_EQ(parseArchitecture("ResNet-18").value(), Architecture::ResNet18);
    EXPECT_EQ(parseArchitecture(" resnet_101 ").value(), Architecture::ResNet101);
    auto bad = parseArchitecture("vgg16");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("vgg16"), std::string::npos);
    EXPECT_NE(bad.error().find("resnet34"), std::string::npos);
    EXPECT_EQ(allArchitectures().size(), 4u);
    EXPECT_EQ(embeddingDim(Architecture::ResNet34), 512);
    EXPECT_EQ(architectureName(Architecture::ResNet101), "resnet101");
}

TEST(TorchCompat, AutocastGuardRunsBf16OnCpuAndRestores) {
    ResNet model(Architecture::ResNet18, 4);
    model->eval();
    torch::NoGradGuard noGrad;
    const bool before = at::autocast::is_autocast_enabled(c10::DeviceType::CPU);
    {
        nn::AutocastGuard guard(c10::DeviceType::CPU, at::kBFloat16);
        EXPECT_TRUE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
        EXPECT_EQ(model->forward(torch::randn({1, 3, 32, 32})).scalar_type(), at::kBFloat16);
    }
    EXPECT_EQ(at::autocast::is_autocast_enabled(c10::DeviceType::CPU), before);
    EXPECT_EQ(model->forward(torch::randn({1, 3, 32, 32})).scalar_type(), at::kFloat);
}
