// `tessera-cli predict --per-find`: one row per find with the mean of its photos' probabilities. Known answers on
// generated photos (finds of 3 views, a find whose only photo is corrupt, a photo without a find id): each per-find
// probability is exactly the mean of the per-photo file's numbers; the same file after a resume, from a JSONL run,
// from merged shards and from a project whose find ids are stored; bad arguments are refused naming the argument.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "core/project/csvreader.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;

namespace {

using tessera::clitest::quote;
using tessera::clitest::Result;
using tessera::clitest::slurp;
using tessera::project::CsvReader;

const char* kPattern = "{site}_{context}_{find}_{view}.png";

std::vector<std::vector<std::string>> csv(const std::string& file) {
    std::vector<std::vector<std::string>> rows;
    for (auto& r : CsvReader::parse(slurp(file)).records) rows.push_back(r.fields);
    return rows;
}

std::string fixed6(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", p);
    return buf;
}

class CliPerFindTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        root_ = new fs::path(tessera::clitest::makeTempDir("tessera-cli-perfind"));
        fs::create_directories(*root_ / "photos");
        // The same tiny random-weight bundle test_cli_predict uses (3 classes, near-uniform softmax), made once per
        // build tree beside tessera-cli.
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
        // Two finds of three views at site S1, a find with the same number at another site (its own row), and a
        // photo whose name the pattern does not match.
        const char* names[] = {"S1_C1_F001_a.png", "S1_C1_F001_b.png", "S1_C1_F001_c.png", "S1_C1_F002_a.png",
                               "S1_C1_F002_b.png", "S1_C1_F002_c.png", "S2_C9_F001_a.png", "loose.png"};
        int seed = 1;
        for (const char* n : names) {
            cv::Mat img(24 + seed * 5, 40 - seed * 2, CV_8UC3);
            cv::RNG(uint64_t(seed++)).fill(img, cv::RNG::UNIFORM, 0, 255);
            ASSERT_TRUE(cv::imwrite((*root_ / "photos" / n).string(), img));
        }
        std::ofstream(*root_ / "photos" / "S1_C1_F003_a.png", std::ios::binary) << "not a PNG at all";
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
    Result run(const std::vector<std::string>& args) { return tessera::clitest::runCli(args, dir_); }
    std::string model() const { return model_->string(); }
    std::string photos() const { return (*root_ / "photos").string(); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    static fs::path* root_;
    static fs::path* model_;
    fs::path dir_;
};
fs::path* CliPerFindTest::root_ = nullptr;
fs::path* CliPerFindTest::model_ = nullptr;

TEST_F(CliPerFindTest, EachFindIsTheMeanOfItsPhotosInThePerPhotoFile) {
    auto r = run({"predict", model(), photos(), "--out", path("p.csv"), "--per-find", path("f.csv"), "--find-pattern",
                  kPattern, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("4 finds from 8 photos (1 unreadable) written to"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 photos have no find id"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("loose.png"), std::string::npos) << "the photo without a find id is listed: " << r.out;
    EXPECT_EQ(slurp(path("f.csv.no-find.txt")), photos() + "/loose.png\n");

    // Expected means from the per-photo file's own numbers (3 classes, top-3: every probability is there).
    std::map<std::string, std::map<std::string, double>> sum;
    std::map<std::string, int> count;
    const auto photoRows = csv(path("p.csv"));
    ASSERT_EQ(photoRows.size(), 10u);  // header + 9 photos
    for (size_t i = 1; i < photoRows.size(); ++i) {
        const auto& f = photoRows[i];
        const std::string name = fs::path(f[0]).filename().string();
        if (name == "loose.png" || !f[9].empty()) continue;  // no find id / unreadable
        const std::string key = name.substr(0, name.rfind('_'));
        ++count[key];
        // As the reader does: the 6-decimal text to a float, summed in double.
        for (int k = 0; k < 3; ++k)
            sum[key][f[size_t(2 + 2 * k)]] += double(float(std::strtod(f[size_t(3 + 2 * k)].c_str(), nullptr)));
    }
    const auto rows = csv(path("f.csv"));
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"site", "context", "find_id", "photos", "unreadable", "top1", "p1",
                                                 "top2", "p2", "top3", "p3", "unknown"}));
    const std::vector<std::string> keys = {"S1_C1_F001", "S1_C1_F002", "S1_C1_F003", "S2_C9_F001"};
    for (size_t i = 0; i < keys.size(); ++i) {
        const auto& row = rows[i + 1];
        EXPECT_EQ(row[0] + "_" + row[1] + "_" + row[2], keys[i]) << "sorted by site, context, find id";
        if (keys[i] == "S1_C1_F003") {  // its only photo is corrupt: counted, no probabilities
            EXPECT_EQ(row, (std::vector<std::string>{"S1", "C1", "F003", "0", "1", "", "", "", "", "", "", ""}));
            continue;
        }
        EXPECT_EQ(row[3], std::to_string(count[keys[i]]));
        EXPECT_EQ(row[4], "0");
        double previous = 2.0;
        for (int k = 0; k < 3; ++k) {
            const std::string cls = row[size_t(5 + 2 * k)];
            ASSERT_EQ(sum[keys[i]].count(cls), 1u) << cls;
            EXPECT_EQ(row[size_t(6 + 2 * k)], fixed6(sum[keys[i]][cls] / count[keys[i]])) << keys[i] << " " << cls;
            const double p = std::stod(row[size_t(6 + 2 * k)]);
            EXPECT_LE(p, previous) << "best first";
            previous = p;
        }
        EXPECT_EQ(row[11], "0");  // no --unknown-below
    }
    EXPECT_EQ(count["S1_C1_F001"], 3);
    EXPECT_EQ(count["S2_C9_F001"], 1);

    // Near-uniform probabilities: every find's top mean is below 0.9, so all classified finds are unknown.
    r = run({"predict", model(), photos(), "--out", path("u.csv"), "--per-find", path("fu.csv"), "--find-pattern",
             kPattern, "--unknown-below", "0.9", "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto unknownRows = csv(path("fu.csv"));
    ASSERT_EQ(unknownRows.size(), 5u);
    EXPECT_EQ(unknownRows[1][11], "1");
    EXPECT_EQ(unknownRows[3][11], "");  // F003: nothing classified
    EXPECT_EQ(unknownRows[4][11], "1");
}

TEST_F(CliPerFindTest, SameFileAfterResumeFromJsonlAndFromMergedShards) {
    ASSERT_EQ(run({"predict", model(), photos(), "--out", path("whole.csv"), "--per-find", path("whole-f.csv"),
                   "--find-pattern", kPattern, "-q"})
                  .rc,
              0);
    const std::string expected = slurp(path("whole-f.csv"));
    ASSERT_FALSE(expected.empty());

    // Resume: an earlier run did two photos; the per-find rows count the resumed ones as well.
    const auto list = path("two.txt");
    std::ofstream(list) << photos() << "/S1_C1_F001_a.png\n" << photos() << "/S1_C1_F002_b.png\n";
    ASSERT_EQ(run({"predict", model(), "@" + list, "--out", path("r.csv"), "-q"}).rc, 0);
    auto r = run({"predict", model(), photos(), "--out", path("r.csv"), "--per-find", path("r-f.csv"),
                  "--find-pattern", kPattern, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("2 already done"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(path("r-f.csv")), expected);

    // JSON-lines per-photo output: same numbers, same per-find file.
    ASSERT_EQ(run({"predict", model(), photos(), "--out", path("p.jsonl"), "--per-find", path("j-f.csv"),
                   "--find-pattern", kPattern, "-q"})
                  .rc,
              0);
    EXPECT_EQ(slurp(path("j-f.csv")), expected);

    // Shards refuse --per-find and say how; merged shards followed by a no-op predict give the same file.
    r = run({"predict", model(), photos(), "--out", path("s1.csv"), "--shard", "1/2", "--per-find", path("x.csv"),
             "--find-pattern", kPattern});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("merge"), std::string::npos) << r.err;
    for (const std::string k : {"1", "2"})
        ASSERT_EQ(run({"predict", model(), photos(), "--out", path("s" + k + ".csv"), "--shard", k + "/2", "-q"}).rc, 0);
    ASSERT_EQ(run({"merge", path("s1.csv"), path("s2.csv"), "--out", path("m.csv")}).rc, 0);
    r = run({"predict", model(), photos(), "--out", path("m.csv"), "--per-find", path("m-f.csv"), "--find-pattern",
             kPattern, "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("0 classified, 0 unreadable"), std::string::npos) << "nothing predicted again: " << r.out;
    EXPECT_EQ(slurp(path("m-f.csv")), expected);
}

TEST_F(CliPerFindTest, ProjectInputUsesStoredFindIds) {
    const fs::path project = dir_ / "project";
    fs::create_directories(project);
    for (const auto& e : fs::directory_iterator(photos()))
        if (e.path().filename() != "S1_C1_F003_a.png") fs::copy_file(e.path(), project / e.path().filename());
    ASSERT_EQ(run({"scan", project.string()}).rc, 0);
    ASSERT_EQ(run({"finds", project.string(), "--pattern", kPattern}).rc, 0);
    // No --find-pattern: the ids come from the store.
    auto r = run({"predict", model(), project.string(), "--out", path("p.csv"), "--per-find", path("f.csv"), "-q"});
    ASSERT_EQ(r.rc, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("3 finds from 7 photos (0 unreadable)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 photos have no find id"), std::string::npos) << r.out;
    const auto rows = csv(path("f.csv"));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1][2], "F001");
    EXPECT_EQ(rows[1][3], "3");
    EXPECT_EQ(rows[3][0], "S2");

    // The same photos as a plain folder with the pattern give the same rows (the corrupt find aside).
    ASSERT_EQ(run({"predict", model(), photos(), "--out", path("q.csv"), "--per-find", path("g.csv"),
                   "--find-pattern", kPattern, "-q"})
                  .rc,
              0);
    auto folderRows = csv(path("g.csv"));
    folderRows.erase(folderRows.begin() + 3);  // S1_C1_F003
    EXPECT_EQ(rows, folderRows);
}

TEST_F(CliPerFindTest, BadArgumentsAreRefusedNamingThem) {
    auto r = run({"predict", model(), photos(), "--out", path("p.csv"), "--per-find", path("f.csv"), "--find-pattern",
                  "{site}_{fnd}.png"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--find-pattern"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("fnd"), std::string::npos) << r.err;
    r = run({"predict", model(), photos(), "--out", path("p.csv"), "--per-find", path("f.csv"), "--find-pattern",
             "re:(?<find>[0-9]+"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--find-pattern"), std::string::npos) << r.err;
    r = run({"predict", model(), photos(), "--out", path("p.csv"), "--find-pattern", kPattern});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--per-find"), std::string::npos) << r.err;
    r = run({"predict", model(), photos(), "--out", path("p.csv"), "--per-find", path("p.csv")});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("--per-find"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("f.csv")));
    EXPECT_FALSE(fs::exists(path("p.csv"))) << "refused before predicting anything";
}

}  // namespace
