// Statistics of a real folder, end to end: images written with known sizes, scanned into a project, statistics
// read back from the store.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/project/scanner.h"
#include "core/stats/projectstatistics.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

void writeImage(const fs::path& path, int w, int h, int seed) {
    cv::Mat img(h, w, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed) + 1);
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);  // busy: sharp, and distinct pHashes
    cv::rectangle(img, cv::Rect(w / 4, h / 4, w / 2, h / 2), cv::Scalar(seed * 40 % 255, 0, 255), -1);
    ASSERT_TRUE(cv::imwrite(path.string(), img));
}

}  // namespace

TEST(StatisticsScanned, KnownTree) {
    std::random_device rd;
    const fs::path root = fs::temp_directory_path() / ("tessera-stats-scan-" + std::to_string(rd()));
    fs::create_directories(root / "bowls");
    fs::create_directories(root / "jars");
    writeImage(root / "bowls/a.png", 320, 240, 1);
    writeImage(root / "bowls/b.png", 320, 240, 2);
    writeImage(root / "bowls/c.png", 240, 320, 3);
    writeImage(root / "jars/d.png", 320, 240, 4);
    writeImage(root / "jars/tiny.png", 100, 80, 5);
    fs::copy_file(root / "bowls/a.png", root / "jars/a-copy.png");
    std::ofstream(root / "jars/broken.jpg") << "this is not a JPEG";
    writeImage(root / "loose.png", 640, 480, 6);  // in the root: unlabelled

    {
        auto store = project::ProjectStore::open(root, true);
        ASSERT_TRUE(store.ok()) << store.error();
        auto options = project::ScanOptions::defaults();
        options.threads = 2;
        auto scan = project::Scanner::scan(*store, options);
        ASSERT_TRUE(scan.ok()) << scan.error();
        EXPECT_EQ(scan->filesSeen, 8);

        auto s = stats::computeStatistics(*store);
        ASSERT_TRUE(s.ok()) << s.error();
        EXPECT_EQ(s->images, 8);
        EXPECT_EQ(s->readable, 7);
        EXPECT_EQ(s->unreadable, 1);
        ASSERT_EQ(s->unreadableImages.size(), 1u);
        EXPECT_EQ(s->unreadableImages[0].relPath, "jars/broken.jpg");

        ASSERT_EQ(s->resolutions.size(), 4u);
        EXPECT_EQ(std::make_tuple(s->resolutions[0].width, s->resolutions[0].height, s->resolutions[0].count),
                  std::make_tuple(320, 240, int64_t(4)));
        EXPECT_EQ(std::make_tuple(s->resolutions[1].width, s->resolutions[1].height), std::make_tuple(640, 480));
        EXPECT_EQ(std::make_tuple(s->resolutions[2].width, s->resolutions[2].height), std::make_tuple(240, 320));
        EXPECT_EQ(std::make_tuple(s->resolutions[3].width, s->resolutions[3].height), std::make_tuple(100, 80));
        // widths 100 240 320 320 320 320 640 -> median 320; heights 80 240 240 240 240 320 480 -> 240.
        EXPECT_DOUBLE_EQ(s->width.median, 320);
        EXPECT_DOUBLE_EQ(s->height.median, 240);
        EXPECT_DOUBLE_EQ(s->width.max, 640);

        ASSERT_EQ(s->classes.size(), 2u);
        EXPECT_EQ(s->classes[0].name, "bowls");
        EXPECT_EQ(s->classes[0].count, 3);
        EXPECT_EQ(s->classes[1].name, "jars");
        EXPECT_EQ(s->classes[1].count, 4);  // including the unreadable one
        EXPECT_EQ(s->unlabelled, 1);
        EXPECT_DOUBLE_EQ(s->imbalanceRatio, 4.0 / 3.0);

        ASSERT_EQ(s->tooSmall.size(), 1u);
        EXPECT_EQ(s->tooSmall[0].relPath, "jars/tiny.png");
        ASSERT_EQ(s->exactDuplicates.size(), 1u);
        EXPECT_EQ(s->exactDuplicates[0].relPaths, (std::vector<std::string>{"bowls/a.png", "jars/a-copy.png"}));
        EXPECT_TRUE(s->blurry.empty());

        // Flags persist through the store.
        auto images = store->images();
        ASSERT_TRUE(images.ok());
        ASSERT_TRUE(store->setFlags(stats::imageFlags(*images, *s)).ok());
        auto tiny = store->imageByPath("jars/tiny.png");
        ASSERT_TRUE(tiny.ok() && tiny->has_value());
        EXPECT_EQ((*tiny)->flags, uint32_t(project::FlagTooSmall));
        auto broken = store->imageByPath("jars/broken.jpg");
        ASSERT_TRUE(broken.ok() && broken->has_value());
        EXPECT_TRUE((*broken)->flags & project::FlagUnreadable);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
}
