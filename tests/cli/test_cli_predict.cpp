// Runs the built tessera-cli predict / merge / explain on a tiny random-weight resnet18 bundle (made by
// bench/predict/make_bundle.py, i.e. outside Tessera) and a handful of generated photos, one of them corrupt:
// sorted streaming output with the bad file reported, shards merged byte-identical to the unsharded run, resume
// after a kill mid-record giving the identical file, and the Grad-CAM overlay.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;

namespace {

using tessera::clitest::quote;
using tessera::clitest::Result;
using tessera::clitest::slurp;

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

class CliPredictTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new fs::path(tessera::clitest::makeTempDir("tessera-cli-predict"));
        fs::create_directories(*root_ / "photos" / "sub");
        // ctest runs every case in its own process: the bundle (a Python + torch start, seconds) is made once per
        // build tree beside tessera-cli, written to a .part and renamed so parallel cases never see half a file.
        model_ = new fs::path(fs::path(TESSERA_CLI_PATH).parent_path() / "test-fixture-resnet18-32.tessera-model");
        if (!fs::exists(*model_)) {
            const auto part = fs::path(root_->string() + ".part.tessera-model");
            const std::string cmd = quote(TESSERA_PYTHON) + " " +
                                    quote(std::string(TESSERA_SOURCE_DIR) + "/bench/predict/make_bundle.py") + " " +
                                    quote(part.string()) +
                                    " --input-size 32 --policy canvas_then_center_crop --canvas 40 --head-scale 0.02";
            ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
            fs::rename(part, *model_);
        }
        const char* names[] = {"b.png", "a.jpg", "sub/c.png", "d, with comma.png", "e.jpg", "sub/f.jpg", "g.png"};
        unsigned seed = 1;
        for (const char* n : names) {
            cv::Mat img(30 + int(seed) * 7, 60 - int(seed) * 3, CV_8UC3);
            cv::RNG(seed++).fill(img, cv::RNG::UNIFORM, 0, 255);
            ASSERT_TRUE(cv::imwrite((*root_ / "photos" / n).string(), img));
        }
        std::ofstream(*root_ / "photos" / "broken.jpg", std::ios::binary) << "\xff\xd8\xff not really a JPEG";
        std::ofstream(*root_ / "photos" / "notes.txt") << "not an image, not walked";
    }
    static void TearDownTestSuite() {
        std::error_code ec;
        fs::remove_all(*root_, ec);
        delete root_;
        delete model_;
    }
    void SetUp() override {
        dir_ = *root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::create_directories(dir_);
    }

    Result run(const std::vector<std::string>& args) {
        return tessera::clitest::runCli(args, dir_);
    }
    std::string model() const { return model_->string(); }
    std::string photos() const { return (*root_ / "photos").string(); }

    static fs::path* root_;
    static fs::path* model_;
    fs::path dir_;
};
fs::path* CliPredictTest::root_ = nullptr;
fs::path* CliPredictTest::model_ = nullptr;

TEST_F(CliPredictTest, CsvIsSortedAndReportsTheBadFile) {
    const auto out = (dir_ / "p.csv").string();
    auto r = run({"predict", model(), photos(), "--out", out, "--top-k", "2", "--batch", "3", "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto L = lines(slurp(out));
    ASSERT_EQ(L.size(), 9u);  // header + 8 photos (notes.txt is not an image)
    EXPECT_EQ(L[0], "file,sha256,top1,p1,top2,p2,unknown,error,model");
    const std::string p = photos() + "/";
    EXPECT_EQ(L[1].rfind(p + "a.jpg,", 0), 0u) << L[1];
    EXPECT_EQ(L[2].rfind(p + "b.png,", 0), 0u);
    EXPECT_EQ(L[3].rfind(p + "broken.jpg,", 0), 0u);
    EXPECT_EQ(L[4].rfind("\"" + p + "d, with comma.png\",", 0), 0u) << "RFC 4180 quoting";
    EXPECT_EQ(L[8].rfind(p + "sub/f.jpg,", 0), 0u);
    EXPECT_NE(L[3].find("broken.jpg: "), std::string::npos) << "the error names the file: " << L[3];
    EXPECT_NE(L[1].find(",class"), std::string::npos);
    EXPECT_NE(r.out.find("7 classified, 1 unreadable"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(out + ".done"));
    // A second run over the same output has nothing left to do and leaves the file as it was.
    const auto before = slurp(out);
    r = run({"predict", model(), photos(), "--out", out, "--top-k", "2", "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("8 already done"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(out), before);
}

TEST_F(CliPredictTest, ShardsMergeByteIdenticalToOneRun) {
    for (const std::string ext : {".csv", ".jsonl"}) {
        const auto whole = (dir_ / ("whole" + ext)).string();
        ASSERT_EQ(run({"predict", model(), photos(), "--out", whole, "--batch", "2", "-q"}).rc, 0);
        std::vector<std::string> mergeArgs = {"merge"};
        for (int k = 1; k <= 3; ++k) {
            const auto s = (dir_ / ("s" + std::to_string(k) + ext)).string();
            auto r = run({"predict", model(), photos(), "--out", s, "--shard", std::to_string(k) + "/3", "--batch",
                          "2", "-q"});
            ASSERT_EQ(r.rc, 0) << r.err;
            mergeArgs.push_back(s);
        }
        const auto merged = (dir_ / ("merged" + ext)).string();
        // Shards in any order.
        std::swap(mergeArgs[1], mergeArgs[3]);
        mergeArgs.insert(mergeArgs.end(), {"--out", merged});
        auto r = run(mergeArgs);
        ASSERT_EQ(r.rc, 0) << r.err;
        EXPECT_EQ(slurp(merged), slurp(whole)) << ext;
        EXPECT_EQ(lines(slurp(whole)).size(), ext == ".csv" ? 9u : 8u);

        // A missing shard and a shard given twice are refused, naming what is wrong.
        r = run({"merge", (dir_ / ("s1" + ext)).string(), (dir_ / ("s3" + ext)).string(), "--out", merged});
        EXPECT_EQ(r.rc, 1);
        EXPECT_NE(r.err.find("shard 2/3 is missing"), std::string::npos) << r.err;
        r = run({"merge", (dir_ / ("s1" + ext)).string(), (dir_ / ("s1" + ext)).string(), "--out", merged});
        EXPECT_EQ(r.rc, 1);
        EXPECT_NE(r.err.find("s1" + ext), std::string::npos) << r.err;
    }
}

TEST_F(CliPredictTest, ResumeAfterAKillMidRecordGivesTheSameFile) {
    const auto out = (dir_ / "p.jsonl").string();
    ASSERT_EQ(run({"predict", model(), photos(), "--out", out, "-q"}).rc, 0);
    const auto full = slurp(out);
    // Cut in the middle of the fourth record, as a kill during the write would.
    size_t cut = 0;
    for (int i = 0; i < 3; ++i) cut = full.find('\n', cut) + 1;
    cut += 20;
    ASSERT_LT(cut, full.size());
    fs::resize_file(out, cut);
    fs::remove(out + ".done");
    auto r = run({"predict", model(), photos(), "--out", out, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("partial last record"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("3 already done"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(out), full);
    EXPECT_TRUE(fs::exists(out + ".done"));

    // Another model's output is not appended to.
    fs::copy_file(model(), dir_ / "other.tessera-model");
    std::ofstream(dir_ / "other.tessera-model", std::ios::app) << " ";  // different bytes, different model id
    r = run({"predict", (dir_ / "other.tessera-model").string(), photos(), "--out", out, "-q"});
    EXPECT_NE(r.rc, 0);
}

TEST_F(CliPredictTest, ListFilesAndShardArguments) {
    const auto list = (dir_ / "list.txt").string();
    std::ofstream(list) << "# two photos\n" << photos() << "/g.png\n\n" << photos() << "/a.jpg\n";
    const auto out = (dir_ / "l.csv").string();
    auto r = run({"predict", model(), "@" + list, "--out", out, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto L = lines(slurp(out));
    ASSERT_EQ(L.size(), 3u);
    EXPECT_EQ(L[1].rfind(photos() + "/a.jpg,", 0), 0u);
    r = run({"predict", model(), photos(), "--out", (dir_ / "x.csv").string(), "--shard", "4/3"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--shard 4/3"), std::string::npos);
    r = run({"predict", model(), (dir_ / "nowhere").string(), "--out", (dir_ / "x.csv").string()});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos);
}

TEST_F(CliPredictTest, ExplainWritesTheOverlay) {
    const auto png = (dir_ / "heat.png").string();
    auto r = run({"explain", model(), photos() + "/b.png", "--out", png, "--class", "class2"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("class2 (p = "), std::string::npos) << r.out;
    cv::Mat img = cv::imread(png), src = cv::imread(photos() + "/b.png");
    ASSERT_FALSE(img.empty());
    EXPECT_EQ(img.size(), src.size());
    r = run({"explain", model(), photos() + "/b.png", "--out", png, "--class", "nope"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("class0, class1, class2"), std::string::npos) << r.err;
}

}  // namespace

TEST_F(CliPredictTest, AProjectFolderStandsForItsActiveModelAndStatsNamesIt) {
    const fs::path project = dir_ / "project";
    fs::create_directories(project);
    for (const char* n : {"a.jpg", "b.png", "e.jpg"}) fs::copy_file(fs::path(photos()) / n, project / n);
    auto r = run({"scan", project.string()});
    ASSERT_EQ(r.rc, 0) << r.err;

    // No model yet: stats says so, predict names the project and what to do.
    r = run({"stats", project.string(), "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("\"active_model\": null"), std::string::npos) << r.out;
    r = run({"predict", project.string(), "--out", (dir_ / "none.csv").string(), "-q"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("no active model yet"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(project.string()), std::string::npos) << r.err;

    const fs::path bundle = project / ".tessera" / "runs" / "r1" / "model.tessera-model";
    fs::create_directories(bundle.parent_path());
    fs::copy_file(model(), bundle);
    {
        auto store = tessera::project::ProjectStore::open(project, /*create=*/false);
        ASSERT_TRUE(store.ok()) << store.error();
        auto adopted = store->adoptAsActiveModelIfNone(bundle);
        ASSERT_TRUE(adopted.ok() && *adopted);
    }
    r = run({"stats", project.string(), "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("\"active_model\": \"" + bundle.string() + "\""), std::string::npos) << r.out;

    // predict PROJECT (no inputs): the project's own photos through its active model, same rows as the model file.
    const auto viaProject = (dir_ / "project.csv").string();
    r = run({"predict", project.string(), "--out", viaProject, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto viaModel = (dir_ / "model.csv").string();
    r = run({"predict", bundle.string(), project.string(), "--out", viaModel, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto L = lines(slurp(viaProject));
    ASSERT_EQ(L.size(), 4u);  // header + 3 photos
    EXPECT_EQ(slurp(viaProject), slurp(viaModel));

    // The active model's file gone: a clear error naming it.
    fs::remove(bundle);
    r = run({"predict", project.string(), "--out", (dir_ / "gone.csv").string(), "-q"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.err;
}
