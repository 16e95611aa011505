// Statistics over hand-made records whose every number is known: counts, summaries, resolution table, classes,
// health flags and the flag words persisted after a scan.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/stats/projectstatistics.h"

using namespace tessera;
using project::ImageRecord;

namespace {

ImageRecord rec(int64_t id, const std::string& path, int w, int h, const std::string& hash, uint64_t phash,
                double blur, uint32_t flags = project::FlagNone) {
    ImageRecord r;
    r.id = id;
    r.relPath = path;
    r.width = w;
    r.height = h;
    r.contentHash = hash;
    r.perceptualHash = phash;
    r.blur = blur;
    r.flags = flags;
    r.format = "jpeg";
    return r;
}

constexpr uint64_t P1 = 0x0123456789ABCDEFull;
constexpr uint64_t P9 = 0x7E3C18A55AC3E781ull;
constexpr uint64_t P11 = 0xDEADBEEF12345678ull;

struct Fixture {
    std::vector<ImageRecord> images;
    std::vector<project::ClassInfo> classes;
    std::unordered_map<int64_t, int64_t> labels;

    Fixture() {
        images = {
            rec(1, "a/img1.jpg", 640, 480, "h1", P1, 300),
            rec(2, "a/img2.jpg", 640, 480, "h1", P1, 300),                   // exact copy of 1
            rec(3, "a/img3.jpg", 800, 600, "h3", P1 ^ 0x7ull, 250),          // 3 bits from 1
            rec(4, "b/img4.jpg", 1024, 768, "h4", ~P1, 5),                  // blurry
            rec(5, "b/small.jpg", 200, 150, "h5", 0x5555555555555555ull, 400),  // too small
            rec(6, "b/portrait.jpg", 480, 640, "h6", 0xAAAAAAAA00000000ull, 500, project::FlagBlurry),  // stale
            rec(7, "b/broken.jpg", 0, 0, "h7", 0, 0, project::FlagUnreadable),
            rec(8, "gone.jpg", 640, 480, "h8", P1, 300, project::FlagMissing),
            rec(9, "c/x.jpg", 640, 480, "h9", P9, 300),
            rec(10, "c/y.jpg", 640, 480, "h10", P9 ^ 0x1Full, 300),          // 5 bits from 9: not near
            rec(11, "d/z1.jpg", 1200, 900, "h11", P11, 200),
            rec(12, "d/z2.jpg", 1200, 900, "h12", P11 ^ (0xFull << 20), 200),  // exactly 4 bits from 11
        };
        images[6].error = "truncated JPEG data";
        // Reverse so that the computation cannot rely on input order.
        std::reverse(images.begin(), images.end());
        classes = {{10, "A", "#ff0000", 1, 0}, {11, "B", "#00ff00", 2, 1}, {12, "C", "#0000ff", 3, 2}};
        labels = {{1, 10}, {2, 10}, {3, 10}, {4, 11}, {5, 11}, {8, 10}, {9, 99}};
    }
};

}  // namespace

TEST(ProjectStatistics, CountsAndSummaries) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    EXPECT_EQ(s.images, 11);
    EXPECT_EQ(s.readable, 10);
    EXPECT_EQ(s.unreadable, 1);
    EXPECT_EQ(s.missing, 1);

    EXPECT_DOUBLE_EQ(s.width.min, 200);
    EXPECT_DOUBLE_EQ(s.width.median, 640);
    EXPECT_DOUBLE_EQ(s.width.max, 1200);
    EXPECT_DOUBLE_EQ(s.height.min, 150);
    EXPECT_DOUBLE_EQ(s.height.median, 540);  // (480 + 600) / 2
    EXPECT_DOUBLE_EQ(s.height.max, 900);
    EXPECT_DOUBLE_EQ(s.megapixels.min, 0.03);
    EXPECT_DOUBLE_EQ(s.megapixels.median, 0.3072);
    EXPECT_DOUBLE_EQ(s.megapixels.max, 1.08);
    EXPECT_DOUBLE_EQ(s.aspect.min, 0.75);
    EXPECT_DOUBLE_EQ(s.aspect.median, 640.0 / 480.0);
    EXPECT_DOUBLE_EQ(s.aspect.max, 640.0 / 480.0);
}

TEST(ProjectStatistics, ResolutionTableSortedByCountThenPixels) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    const std::vector<std::tuple<int, int, int64_t>> expected = {
        {640, 480, 4}, {1200, 900, 2}, {1024, 768, 1}, {800, 600, 1}, {480, 640, 1}, {200, 150, 1}};
    ASSERT_EQ(s.resolutions.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(s.resolutions[i].width, std::get<0>(expected[i])) << i;
        EXPECT_EQ(s.resolutions[i].height, std::get<1>(expected[i])) << i;
        EXPECT_EQ(s.resolutions[i].count, std::get<2>(expected[i])) << i;
    }
}

TEST(ProjectStatistics, Histograms) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    // 0.03 .. 1.08 in 10 bins of 0.105: 0.03 | 5 x 0.3072 | 0.48 | 0.786 | 2 x 1.08 (last bin includes hi).
    EXPECT_DOUBLE_EQ(s.megapixelHistogram.lo, 0.03);
    EXPECT_DOUBLE_EQ(s.megapixelHistogram.hi, 1.08);
    EXPECT_EQ(s.megapixelHistogram.counts, (std::vector<int64_t>{1, 0, 5, 0, 1, 0, 0, 1, 0, 2}));
    // Aspect: 0.75 once, 4/3 nine times.
    ASSERT_EQ(s.aspectHistogram.counts.size(), 10u);
    EXPECT_EQ(s.aspectHistogram.counts.front(), 1);
    EXPECT_EQ(s.aspectHistogram.counts.back(), 9);
    EXPECT_DOUBLE_EQ(s.aspectHistogram.binHigh(9), 640.0 / 480.0);
}

TEST(ProjectStatistics, ClassBalance) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    ASSERT_EQ(s.classes.size(), 3u);
    EXPECT_EQ(s.classes[0].name, "A");
    EXPECT_EQ(s.classes[0].count, 3);  // image 8 is missing from disk: not counted
    EXPECT_EQ(s.classes[1].count, 2);
    EXPECT_EQ(s.classes[2].count, 0);
    EXPECT_EQ(s.labelled, 5);
    EXPECT_EQ(s.unlabelled, 6);  // 6, 7, 9 (unknown class id), 10, 11, 12
    EXPECT_DOUBLE_EQ(s.imbalanceRatio, 1.5);  // empty class C is ignored
}

TEST(ProjectStatistics, HealthFlags) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    ASSERT_EQ(s.unreadableImages.size(), 1u);
    EXPECT_EQ(s.unreadableImages[0].relPath, "b/broken.jpg");
    EXPECT_EQ(s.unreadableImages[0].reason, "truncated JPEG data");
    ASSERT_EQ(s.tooSmall.size(), 1u);
    EXPECT_EQ(s.tooSmall[0].relPath, "b/small.jpg");
    EXPECT_NE(s.tooSmall[0].reason.find("150 < 224"), std::string::npos) << s.tooSmall[0].reason;
    ASSERT_EQ(s.blurry.size(), 1u);
    EXPECT_EQ(s.blurry[0].relPath, "b/img4.jpg");

    ASSERT_EQ(s.exactDuplicates.size(), 1u);
    EXPECT_EQ(s.exactDuplicates[0].relPaths, (std::vector<std::string>{"a/img1.jpg", "a/img2.jpg"}));
    EXPECT_EQ(s.exactDuplicates[0].contentHash, "h1");

    ASSERT_EQ(s.nearDuplicates.size(), 2u);
    EXPECT_EQ(s.nearDuplicates[0].relPaths, (std::vector<std::string>{"a/img1.jpg", "a/img2.jpg", "a/img3.jpg"}));
    EXPECT_EQ(s.nearDuplicates[0].maxDistance, 3);
    EXPECT_EQ(s.nearDuplicates[1].relPaths, (std::vector<std::string>{"d/z1.jpg", "d/z2.jpg"}));
    EXPECT_EQ(s.nearDuplicates[1].maxDistance, 4);
}

TEST(ProjectStatistics, OptionsChangeTheFlags) {
    Fixture f;
    auto opt = stats::StatsOptions::defaults();
    opt.minShortSide = 500;        // 480-high images become too small too
    opt.nearDuplicateMaxDistance = 2;  // 1~3 (3 bits) and 11~12 (4 bits) no longer near
    opt.blurThreshold = 4;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels, opt);
    EXPECT_EQ(s.tooSmall.size(), 6u);  // 4 x 640x480, 200x150, 480x640; 800x600 (600 >= 500) is not
    EXPECT_TRUE(s.blurry.empty());
    EXPECT_TRUE(s.nearDuplicates.empty());  // the exact pair alone is not a near-duplicate group
    EXPECT_EQ(s.exactDuplicates.size(), 1u);
}

TEST(ProjectStatistics, FlagWordsForTheStore) {
    Fixture f;
    const auto s = stats::computeStatistics(f.images, f.classes, f.labels);
    const auto flags = stats::imageFlags(f.images, s);
    ASSERT_EQ(flags.size(), f.images.size());
    std::unordered_map<int64_t, uint32_t> byId(flags.begin(), flags.end());
    using namespace project;
    EXPECT_EQ(byId[1], uint32_t(FlagDuplicate | FlagNearDuplicate));
    EXPECT_EQ(byId[2], uint32_t(FlagDuplicate | FlagNearDuplicate));
    EXPECT_EQ(byId[3], uint32_t(FlagNearDuplicate));
    EXPECT_EQ(byId[4], uint32_t(FlagBlurry));
    EXPECT_EQ(byId[5], uint32_t(FlagTooSmall));
    EXPECT_EQ(byId[6], uint32_t(FlagNone));  // the stale Blurry flag is cleared
    EXPECT_EQ(byId[7], uint32_t(FlagUnreadable));
    EXPECT_EQ(byId[8], uint32_t(FlagMissing));
    EXPECT_EQ(byId[9], uint32_t(FlagNone));
    EXPECT_EQ(byId[10], uint32_t(FlagNone));
    EXPECT_EQ(byId[11], uint32_t(FlagNearDuplicate));
    EXPECT_EQ(byId[12], uint32_t(FlagNearDuplicate));
}

TEST(ProjectStatistics, EmptyProject) {
    const auto s = stats::computeStatistics({}, {}, {});
    EXPECT_EQ(s.images, 0);
    EXPECT_EQ(s.readable, 0);
    EXPECT_TRUE(s.resolutions.empty());
    EXPECT_TRUE(s.megapixelHistogram.counts.empty());
    EXPECT_DOUBLE_EQ(s.imbalanceRatio, 0.0);
    EXPECT_DOUBLE_EQ(s.width.median, 0.0);
}
