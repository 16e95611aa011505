// Loading weights into a model: the report (missing / unexpected / mis-shaped), strict refusal naming the first
// mismatch, the skipped head of the fine-tuning case, old files without num_batches_tracked, half-precision files.
#include <gtest/gtest.h>

#include "core/nn/resnet_torch.h"
#include "core/nn/torchzipreader_torch.h"
#include "core/nn/weightloader_torch.h"
#include "nnfixtures.h"

using namespace tessera;
using namespace tessera::nn;

namespace {
std::string fixture(const std::string& name) { return (nntest::fixtureDir(nntest::kAllSets) / name).string(); }
StateDict copyOf(const StateDict& sd) {
    StateDict out;
    for (const auto& [k, v] : sd.entries) out.add(k, v.clone());
    return out;
}
}  // namespace

TEST(WeightLoader, WrongArchitectureStrictNamesFirstMismatch) {
    ResNet model(Architecture::ResNet50, 1000);
    const auto before = model->named_parameters()["layer1.0.conv1.weight"].clone();
    auto r = WeightLoader::loadFile(*model, fixture("resnet18.pth"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("'layer1.0.conv1.weight' has shape [64, 64, 3, 3] in the file but [64, 64, 1, 1]"),
              std::string::npos) << r.error();
    EXPECT_NE(r.error().find("resnet18.pth"), std::string::npos) << r.error();
    EXPECT_TRUE(model->named_parameters()["layer1.0.conv1.weight"].equal(before)) << "strict failure changed the model";
}

TEST(WeightLoader, WrongArchitectureLenientReportsEverything) {
    ResNet model(Architecture::ResNet50, 1000);
    WeightLoadOptions opts;
    opts.strict = false;
    auto r = WeightLoader::loadFile(*model, fixture("resnet18.pth"), opts);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_FALSE(r->clean());
    EXPECT_FALSE(r->missing.empty());               // conv3, bn3 of the bottlenecks
    EXPECT_FALSE(r->shapeMismatches.empty());
    EXPECT_TRUE(r->unexpected.empty() || !r->unexpected.empty());
    EXPECT_GT(r->loaded, 0u);                       // conv1, bn1 fit
    EXPECT_NE(r->summary().find("missing"), std::string::npos) << r->summary();
    EXPECT_NE(std::find(r->missing.begin(), r->missing.end(), "layer1.0.conv3.weight"), r->missing.end());
}

TEST(WeightLoader, FineTuningSkipsHeadOfOtherClassCount) {
    auto weights = TorchZipReader::readFile(fixture("resnet18.pth"));
    ASSERT_TRUE(weights.ok()) << weights.error();
    ResNet model(Architecture::ResNet18, 10);
    const auto freshHead = model->named_parameters()["fc.weight"].clone();
    auto r = WeightLoader::load(*model, *weights, "resnet18.pth");  // strict by default
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r->headSkipped);
    EXPECT_TRUE(r->clean()) << r->summary();
    EXPECT_EQ(r->skippedHead, (std::vector<std::string>{"fc.weight", "fc.bias"}));
    EXPECT_EQ(r->loaded, weights->size() - 2);
    EXPECT_NE(r->summary().find("head"), std::string::npos);
    auto params = model->named_parameters();
    EXPECT_TRUE(params["fc.weight"].equal(freshHead));
    EXPECT_TRUE(params["conv1.weight"].equal(*weights->find("conv1.weight")));
    EXPECT_TRUE(model->named_buffers()["bn1.running_var"].equal(*weights->find("bn1.running_var")));
    EXPECT_EQ(model->named_buffers()["bn1.num_batches_tracked"].item<int64_t>(), 7);

    ResNet big(Architecture::ResNet18, 1000);  // 10-class file into a 1000-class model
    auto back = WeightLoader::loadFile(*big, fixture("resnet18_10class.pth"));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_TRUE(back->headSkipped);
}

TEST(WeightLoader, HeadMismatchIsAnErrorWhenNotSkipping) {
    ResNet model(Architecture::ResNet18, 10);
    WeightLoadOptions opts;
    opts.skipMismatchedHead = false;
    auto r = WeightLoader::loadFile(*model, fixture("resnet18.pth"), opts);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("'fc.weight'"), std::string::npos) << r.error();
}

TEST(WeightLoader, OldFilesWithoutBatchCountersAndHalfPrecision) {
    auto weights = TorchZipReader::readFile(fixture("resnet18.pth"));
    ASSERT_TRUE(weights.ok()) << weights.error();
    StateDict old;
    for (const auto& [k, v] : weights->entries)
        if (k.find("num_batches_tracked") == std::string::npos)
            old.add(k, v.is_floating_point() ? v.to(at::kHalf) : v);
    ResNet model(Architecture::ResNet18, 1000);
    auto r = WeightLoader::load(*model, old, "old.pth");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r->clean());
    EXPECT_EQ(r->defaulted.size(), 20u);  // one per BatchNorm in resnet18
    EXPECT_EQ(model->named_parameters()["conv1.weight"].scalar_type(), at::kFloat);
    EXPECT_TRUE(model->named_parameters()["conv1.weight"].allclose(weights->find("conv1.weight")->to(at::kHalf).to(at::kFloat)));
}

TEST(WeightLoader, UnexpectedAndMissingKeysInStrictMode) {
    auto weights = TorchZipReader::readFile(fixture("resnet18.pth"));
    ASSERT_TRUE(weights.ok()) << weights.error();
    StateDict extra = copyOf(*weights);
    extra.add("aux.weight", torch::zeros({3}));
    ResNet model(Architecture::ResNet18, 1000);
    auto r = WeightLoader::load(*model, extra, "extra.pth");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("'aux.weight' in the file is not part of the model"), std::string::npos) << r.error();

    StateDict missing;
    for (const auto& [k, v] : weights->entries)
        if (k != "layer2.1.bn2.weight") missing.add(k, v);
    auto m = WeightLoader::load(*model, missing, "missing.pth");
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().find("'layer2.1.bn2.weight' is missing"), std::string::npos) << m.error();

    WeightLoadOptions lenient;
    lenient.strict = false;
    auto l = WeightLoader::load(*model, extra, "extra.pth", lenient);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->unexpected, (std::vector<std::string>{"aux.weight"}));
    EXPECT_EQ(l->loaded, weights->size());
}
