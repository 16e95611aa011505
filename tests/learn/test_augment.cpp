// Batched augmentation: exact identity and flips, crops inside the canvas, determinism under a seed, previews.
#include <gtest/gtest.h>

#include "core/train/augment_torch.h"
#include "core/train/canvas.h"

using namespace tessera::learn;

namespace {

torch::Tensor randomCanvas(int64_t n, int64_t c, uint64_t seed) {
    torch::manual_seed(seed);
    return torch::randint(0, 256, {n, 3, c, c}, torch::kLong).to(torch::kUInt8);
}

std::vector<ContentBox> fullBoxes(size_t n) { return std::vector<ContentBox>(n, Canvas::fullBox()); }

}  // namespace

TEST(Augment, NonePresetIsIdentityAtCanvasSize) {
    auto canvas = randomCanvas(3, 24, 1);
    BatchAugmenter aug(AugmentConfig::forPreset(AugmentPreset::None), 24);
    auto out = aug.apply(canvas, fullBoxes(3), 99, false);
    auto expected = canvas.to(torch::kFloat) / 255.0;
    EXPECT_LT((out - expected).abs().max().item<float>() * 255.f, 1e-3f);
}

TEST(Augment, HorizontalFlipMatchesAtFlip) {
    auto canvas = randomCanvas(4, 20, 2);
    AugmentConfig c;  // no crop, no colour: only the flip
    c.hflipP = 1.0;
    BatchAugmenter aug(c, 20);
    auto out = aug.apply(canvas, fullBoxes(4), 5, false);
    auto expected = at::flip(canvas, {3}).to(torch::kFloat) / 255.0;
    EXPECT_LT((out - expected).abs().max().item<float>() * 255.f, 1e-3f);
    c.hflipP = 0.0;
    c.vflipP = 1.0;
    BatchAugmenter vaug(c, 20);
    auto vout = vaug.apply(canvas, fullBoxes(4), 5, false);
    EXPECT_LT((vout - at::flip(canvas, {2}).to(torch::kFloat) / 255.0).abs().max().item<float>() * 255.f, 1e-3f);
}

TEST(Augment, CropsStayInsideCanvasAndContent) {
    for (auto preset : {AugmentPreset::Light, AugmentPreset::Strong, AugmentPreset::Archaeology}) {
        BatchAugmenter aug(AugmentConfig::forPreset(preset), 16);
        std::vector<ContentBox> boxes(64, ContentBox{-1.f, -0.5f, 1.f, 0.5f});  // a wide photo, padded above/below
        for (uint64_t seed = 0; seed < 5; ++seed) {
            auto g = aug.samplingGrid(boxes, seed);
            ASSERT_EQ(g.sizes(), (torch::IntArrayRef{64, 16, 16, 2}));
            EXPECT_LE(g.abs().max().item<float>(), 1.0f);
            if (preset == AugmentPreset::Light) {  // no rotation: the crop lies inside the photo itself
                auto y = g.select(3, 1);
                EXPECT_GE(y.min().item<float>(), -0.5f - 1e-5f);
                EXPECT_LE(y.max().item<float>(), 0.5f + 1e-5f);
            }
        }
    }
}

TEST(Augment, APlanHoldsEveryRandomChoiceOfItsBatch) {
    // What training does (draw the plan, move it, apply it) gives exactly what apply(boxes, seed) gives.
    auto canvas = randomCanvas(5, 40, 4);
    std::vector<ContentBox> boxes(5, ContentBox{-0.8f, -1.f, 0.8f, 1.f});
    for (auto preset : {AugmentPreset::Light, AugmentPreset::Strong, AugmentPreset::Archaeology}) {
        BatchAugmenter aug(AugmentConfig::forPreset(preset), 32);
        const AugmentPlan plan = aug.plan(boxes, 17);
        EXPECT_EQ(plan.params.size(0), 5);
        EXPECT_EQ(plan.params.scalar_type(), torch::kFloat);
        EXPECT_TRUE(torch::equal(aug.apply(canvas, plan.on(torch::kCPU)), aug.apply(canvas, boxes, 17)));
        EXPECT_FALSE(torch::equal(aug.plan(boxes, 18).params, plan.params));
    }
}

TEST(Augment, SameSeedSameBatchDifferentSeedDifferent) {
    auto canvas = randomCanvas(6, 40, 3);
    BatchAugmenter aug(AugmentConfig::forPreset(AugmentPreset::Archaeology), 32);
    auto a = aug.apply(canvas, fullBoxes(6), 1234);
    auto b = aug.apply(canvas, fullBoxes(6), 1234);
    auto c = aug.apply(canvas, fullBoxes(6), 1235);
    EXPECT_TRUE(torch::equal(a, b));
    EXPECT_FALSE(torch::allclose(a, c));
    EXPECT_EQ(a.sizes(), (torch::IntArrayRef{6, 3, 32, 32}));
    EXPECT_FALSE(torch::isnan(a).any().item<bool>());
}

TEST(Augment, NormalisationUsesImageNetStatistics) {
    auto canvas = torch::full({1, 3, 8, 8}, 255, torch::kUInt8);
    BatchAugmenter aug(AugmentConfig::forPreset(AugmentPreset::None), 8);
    auto out = aug.apply(canvas, fullBoxes(1), 0, true);
    EXPECT_NEAR(out[0][0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-4f);
    EXPECT_NEAR(out[0][2][3][3].item<float>(), (1.0f - 0.406f) / 0.225f, 1e-4f);
}

TEST(Augment, ColourOpsKeepRangeAndGrayscaleIsGray) {
    auto canvas = randomCanvas(8, 16, 4);
    AugmentConfig c = AugmentConfig::forPreset(AugmentPreset::Strong);
    c.grayscaleP = 1.0;
    c.blurP = 1.0;
    BatchAugmenter aug(c, 16);
    auto out = aug.apply(canvas, fullBoxes(8), 9, false);
    EXPECT_GE(out.min().item<float>(), 0.0f);
    EXPECT_LE(out.max().item<float>(), 1.0f);
    EXPECT_LT((out.select(1, 0) - out.select(1, 1)).abs().max().item<float>(), 1e-5f);
}

TEST(Augment, CanvasKeepsWholePhotoAndReportsContentBox) {
    cv::Mat wide(20, 40, CV_8UC3, cv::Scalar(10, 20, 30));  // half as high as wide
    ContentBox box;
    cv::Mat c = Canvas::fit(wide, 20, &box);
    EXPECT_EQ(c.rows, 20);
    EXPECT_EQ(c.cols, 20);
    EXPECT_FLOAT_EQ(box[0], -1.f);
    EXPECT_FLOAT_EQ(box[2], 1.f);
    EXPECT_NEAR(box[1], -0.5f, 1e-6);
    EXPECT_NEAR(box[3], 0.5f, 1e-6);
    EXPECT_EQ(c.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));  // replicated border, not black
}

TEST(Augment, PreviewsAreDeterministicRgbImages) {
    cv::Mat img(30, 50, CV_8UC3);
    cv::randu(img, 0, 255);
    auto a = augmentPreviews(img, 4, AugmentPreset::Archaeology, Framing::Find, 7, 24);
    auto b = augmentPreviews(img, 4, AugmentPreset::Archaeology, Framing::Find, 7, 24);
    ASSERT_TRUE(a.ok()) << a.error();
    ASSERT_EQ(a->size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ((*a)[i].type(), CV_8UC3);
        EXPECT_EQ((*a)[i].rows, 24);
        EXPECT_EQ(cv::norm((*a)[i], (*b)[i], cv::NORM_INF), 0.0);
    }
    EXPECT_GT(cv::norm((*a)[0], (*a)[1], cv::NORM_INF), 0.0);
    EXPECT_FALSE(augmentPreviews(cv::Mat(), 2, AugmentPreset::None, Framing::Photo, 0).ok());
    EXPECT_FALSE(parseAugmentPreset("wild").ok());
    EXPECT_EQ(*parseAugmentPreset("Archaeology"), AugmentPreset::Archaeology);
}

TEST(Augment, CenterCropTakesTheMiddleOfTheCanvas) {
    auto canvas = randomCanvas(2, 20, 5);
    auto out = BatchAugmenter::centerCrop(canvas, 15);  // offset (20 - 15) / 2 = 2
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 3, 15, 15}));
    auto expected = BatchAugmenter::normalizeImageNet(canvas.narrow(2, 2, 15).narrow(3, 2, 15).to(torch::kFloat) / 255.0);
    EXPECT_LT((out - expected).abs().max().item<float>(), 1e-5f);
}

TEST(Augment, CutmixLabelWeightEqualsTheUnpastedArea) {
    // Image i is filled with the value i, so after CutMix the share of pixels that still hold i is the area kept.
    const int64_t B = 6, S = 16;
    auto x = torch::arange(B, torch::kFloat).view({B, 1, 1, 1}).expand({B, 3, S, S}).contiguous();
    int cutmixBatches = 0, mixupBatches = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        const MixPlan plan = BatchAugmenter::planMix(0.0, 1.0, B, S, seed);
        ASSERT_EQ(plan.kind, MixPlan::Kind::Cutmix);
        auto mixed = BatchAugmenter::applyMix(x, plan);
        for (int64_t i = 0; i < B; ++i) {
            if (plan.perm[size_t(i)] == i) continue;  // pasted onto itself: nothing to measure
            const double kept = mixed[i].eq(float(i)).to(torch::kDouble).mean().item<double>();
            EXPECT_NEAR(kept, plan.lambda, 1e-9) << "seed " << seed << " image " << i;
            const double pasted = mixed[i].eq(float(plan.perm[size_t(i)])).to(torch::kDouble).mean().item<double>();
            EXPECT_NEAR(pasted, 1.0 - plan.lambda, 1e-9);
        }
        ++cutmixBatches;
    }
    EXPECT_EQ(cutmixBatches, 40);
    // Both on: one or the other per batch, reproducibly under the seed.
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        const MixPlan a = BatchAugmenter::planMix(0.4, 1.0, B, S, seed), b = BatchAugmenter::planMix(0.4, 1.0, B, S, seed);
        EXPECT_EQ(a.kind, b.kind);
        EXPECT_EQ(a.lambda, b.lambda);
        EXPECT_EQ(a.perm, b.perm);
        if (a.kind == MixPlan::Kind::Mixup) {
            ++mixupBatches;
            auto m = BatchAugmenter::applyMix(x, a);
            EXPECT_NEAR(m[0][0][0][0].item<double>(), a.lambda * 0 + (1 - a.lambda) * double(a.perm[0]), 1e-5);
        }
    }
    EXPECT_GT(mixupBatches, 5);
    EXPECT_LT(mixupBatches, 35);
    EXPECT_EQ(BatchAugmenter::planMix(0, 0, B, S, 1).kind, MixPlan::Kind::None);
}

TEST(Augment, CenterCropRoundsTheOffsetLikeTorchvision) {
    auto canvas = randomCanvas(1, 24, 6);
    // d = 24 - 17 = 7: round(3.5) = 4 (half to even), as torchvision's CenterCrop and the predictor.
    auto out = BatchAugmenter::centerCrop(canvas, 17);
    auto expected = BatchAugmenter::normalizeImageNet(canvas.narrow(2, 4, 17).narrow(3, 4, 17).to(torch::kFloat) / 255.0);
    EXPECT_LT((out - expected).abs().max().item<float>(), 1e-5f);
}
