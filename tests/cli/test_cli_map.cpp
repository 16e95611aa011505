// tessera-cli map through the real binary, on a scanned demo project: one CSV row per photo with finite coordinates,
// the photo's own label and a prediction; one seed gives one map; the PNG is a picture OpenCV can read back; bad
// arguments are refused before anything runs, and nothing in the project changes.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/project/csvreader.h"
#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class MapCli : public clitest::DemoFolderTest {
protected:
    MapCli() : DemoFolderTest("tessera-cli-map", 6, 5, /*scanned=*/true) {}
    void SetUp() override {
        DemoFolderTest::SetUp();
        weights_ = dir_ / "r18.pth";
        auto py = clitest::runShell(std::string(TESSERA_PYTHON) +
                                        " -c \"import torch, torchvision; torch.manual_seed(0); "
                                        "torch.save(torchvision.models.resnet18(num_classes=4).state_dict(), '" +
                                        weights_.string() + "')\"",
                                    dir_);
        ASSERT_EQ(py.rc, 0) << py.err;
    }
    clitest::Result map(const fs::path& out, const std::string& seed, std::vector<std::string> more = {}) {
        std::vector<std::string> args{"map",  demo_,         "--weights", weights_.string(), "--size", "64",
                                      "--folds", "3",        "--seed",    seed,              "--out",  out.string(),
                                      "--quiet"};
        args.insert(args.end(), more.begin(), more.end());
        return run(args);
    }
    fs::path weights_;
};

}  // namespace

TEST_F(MapCli, OneRowPerPhotoWithItsLabelAndAPrediction) {
    std::map<std::string, std::string> labelOf;  // relPath -> class name ("" unlabelled)
    size_t photos = 0;
    std::string disputed;  // one labelled photo whose label is disputed: on the map, marked, with its label
    {
        auto s = project::ProjectStore::open(demo_, false).value();
        std::map<int64_t, std::string> name;
        for (const auto& c : s.classes().value()) name[c.id] = c.name;
        const auto classOf = s.classByImage().value();
        for (const auto& im : s.images().value()) {
            const auto it = classOf.find(im.id);
            labelOf[im.relPath] = it == classOf.end() ? "" : name[it->second];
            ++photos;
            if (disputed.empty() && it != classOf.end()) {
                ASSERT_TRUE(s.setDisputed({im.id}, true).ok());
                disputed = im.relPath;
            }
        }
    }
    const fs::path csv = dir_ / "map.csv", png = dir_ / "map.png";
    auto r = map(csv, "3", {"--png", png.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("mapped " + std::to_string(photos) + " photos"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("possibly mislabelled"), std::string::npos) << r.out;

    const auto parsed = project::CsvReader::parse(clitest::slurp(csv));
    ASSERT_TRUE(parsed.problems.empty());
    ASSERT_EQ(parsed.records.size(), photos + 1);
    EXPECT_EQ(parsed.records.front().fields,
              (std::vector<std::string>{"file", "x", "y", "label", "predicted", "confidence",
                                        "possibly_mislabelled_as", "find", "disputed"}));
    std::map<std::string, int> seen;
    for (size_t i = 1; i < parsed.records.size(); ++i) {
        const auto& f = parsed.records[i].fields;
        ASSERT_EQ(f.size(), 9u);
        ASSERT_TRUE(labelOf.count(f[0])) << f[0] << " is not a photo of the project";
        ++seen[f[0]];
        EXPECT_TRUE(std::isfinite(std::stod(f[1])) && std::isfinite(std::stod(f[2])));
        EXPECT_EQ(f[3], labelOf[f[0]]);
        EXPECT_FALSE(f[4].empty()) << f[0] << ": every photo has a prediction";
        const double confidence = std::stod(f[5]);
        EXPECT_GT(confidence, 0.0);
        EXPECT_LE(confidence, 1.0);
        if (!f[6].empty()) {
            EXPECT_NE(f[6], f[3]) << "a suggestion is another class";
        }
        EXPECT_EQ(f[8], f[0] == disputed ? "1" : "0") << f[0];
        if (f[0] == disputed) EXPECT_TRUE(f[6].empty()) << "a disputed label is not checked";
    }
    EXPECT_EQ(seen.size(), photos) << "each photo once";

    const cv::Mat picture = cv::imread(png.string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(picture.empty()) << "the PNG must decode";
    EXPECT_EQ(picture.cols, 1600);
    EXPECT_EQ(picture.rows, 1200);
    // A dot per photo (radius 4: about 50 pixels each) besides the legend and caption: well over 20 pixels a photo
    // are not white.
    cv::Mat grey, inked;
    cv::cvtColor(picture, grey, cv::COLOR_BGR2GRAY);
    cv::threshold(grey, inked, 250, 255, cv::THRESH_BINARY_INV);
    EXPECT_GT(cv::countNonZero(inked), int(photos) * 20);
}

TEST_F(MapCli, OneSeedOneMapAndBadArgumentsAreRefused) {
    const fs::path a = dir_ / "a.csv", b = dir_ / "b.csv", c = dir_ / "c.csv";
    ASSERT_EQ(map(a, "1").rc, 0);
    ASSERT_EQ(map(b, "1").rc, 0);
    ASSERT_EQ(map(c, "2").rc, 0);
    EXPECT_EQ(clitest::slurp(a), clitest::slurp(b));
    EXPECT_NE(clitest::slurp(a), clitest::slurp(c));

    EXPECT_NE(map(dir_ / "x.csv", "1", {"--min-distance", "1.5"}).rc, 0);
    EXPECT_NE(map(dir_ / "x.csv", "1", {"--neighbours", "1"}).rc, 0);
    EXPECT_FALSE(fs::exists(dir_ / "x.csv"));
    auto r = run({"map", (dir_ / "nowhere").string(), "--out", (dir_ / "x.csv").string()});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
}
