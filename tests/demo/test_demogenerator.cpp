// The demo dataset: four class folders of N sherd photos, identical bytes for identical options, and the planted
// health problems where the report says they are.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>

#include <opencv2/imgcodecs.hpp>

#include "core/demo/demogenerator.h"
#include "core/util/sha256.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("tessera-demo-test-" + std::to_string(rd()) + "-" +
                                             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::map<std::string, std::string> hashTree(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out[fs::relative(e.path(), root).generic_string()] = *util::sha256File(e.path());
    return out;
}

}  // namespace

TEST(DemoGenerator, FourClassesOfNImages) {
    TempDir dir;
    auto opt = demo::DemoOptions::defaults();
    opt.perClass = 3;
    auto report = demo::DemoGenerator::generate(dir.path(), opt);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->files.size(), 12u);
    EXPECT_EQ(report->classes, demo::DemoGenerator::classNames());
    const auto tree = hashTree(dir.path());
    EXPECT_EQ(tree.size(), 12u);
    for (const auto& cls : demo::DemoGenerator::classNames()) {
        int n = 0;
        for (const auto& e : fs::directory_iterator(dir.path() / cls)) n += e.path().extension() == ".jpg";
        EXPECT_EQ(n, 3) << cls;
    }
    int64_t bytes = 0;
    for (const auto& f : report->files) bytes += int64_t(fs::file_size(dir.path() / f));
    EXPECT_EQ(bytes, report->bytesWritten);

    // Every file decodes; the planted small ones are below 224 px on the short side, the others are not.
    for (const auto& f : report->files) {
        const cv::Mat img = cv::imread((dir.path() / f).string());
        ASSERT_FALSE(img.empty()) << f;
        const bool small = std::find(report->tooSmall.begin(), report->tooSmall.end(), f) != report->tooSmall.end();
        EXPECT_EQ(std::min(img.cols, img.rows) < 224, small) << f << " " << img.cols << "x" << img.rows;
    }
    EXPECT_EQ(report->tooSmall.size(), 2u);
    ASSERT_EQ(report->exactDuplicates.size(), 2u);
    EXPECT_EQ(tree.at(report->exactDuplicates[0]), tree.at("incised/incised_000.jpg"));
    EXPECT_EQ(tree.at(report->exactDuplicates[1]), tree.at("impressed-dots/impressed-dots_000.jpg"));
    ASSERT_EQ(report->nearDuplicates.size(), 1u);
    EXPECT_NE(tree.at(report->nearDuplicates[0]), tree.at("plain/plain_000.jpg"));
    EXPECT_EQ(report->blurry, (std::vector<std::string>{"painted-bands/painted-bands_002.jpg"}));
}

TEST(DemoGenerator, SameSeedSameBytesWhateverTheThreadCount) {
    TempDir a, b, c;
    auto opt = demo::DemoOptions::defaults();
    opt.perClass = 3;
    opt.threads = 1;
    ASSERT_TRUE(demo::DemoGenerator::generate(a.path(), opt).ok());
    opt.threads = 2;
    ASSERT_TRUE(demo::DemoGenerator::generate(b.path(), opt).ok());
    EXPECT_EQ(hashTree(a.path()), hashTree(b.path()));

    opt.seed += 1;
    ASSERT_TRUE(demo::DemoGenerator::generate(c.path(), opt).ok());
    const auto ha = hashTree(a.path()), hc = hashTree(c.path());
    int differing = 0;
    for (const auto& [name, hash] : ha) differing += hc.at(name) != hash;
    EXPECT_EQ(differing, 12);
}

TEST(DemoGenerator, RenderIsDeterministicAndVaried) {
    const cv::Mat a = demo::DemoGenerator::renderSherd(0, 320, 240, 42);
    const cv::Mat b = demo::DemoGenerator::renderSherd(0, 320, 240, 42);
    const cv::Mat c = demo::DemoGenerator::renderSherd(2, 320, 240, 43);
    ASSERT_EQ(a.size(), cv::Size(320, 240));
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(a, c, cv::NORM_L1) / (320.0 * 240 * 3), 5.0);  // different images, not a near copy
}

TEST(DemoGenerator, ErrorsNameThePath) {
    TempDir dir;
    const fs::path file = dir.path() / "not-a-folder";
    { std::ofstream(file) << "x"; }
    auto r = demo::DemoGenerator::generate(file);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(file.string()), std::string::npos) << r.error();
    auto opt = demo::DemoOptions::defaults();
    opt.perClass = 0;
    EXPECT_FALSE(demo::DemoGenerator::generate(dir.path() / "x", opt).ok());
}
