// Runs the built tessera-cli: exit codes (0 ok, 1 user error naming the path), JSON on stdout only, and the
// make-demo -> scan -> stats -> export/import round trip, with the health flags persisted in the project.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/project/projectstore.h"

#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

using tessera::clitest::quote;
using tessera::clitest::Result;
using tessera::clitest::slurp;

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tessera::clitest::makeTempDir("tessera-cli-test");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    Result run(const std::vector<std::string>& args) {
        return tessera::clitest::runCli(args, dir_);
    }

    fs::path dir_;
};

}  // namespace

TEST_F(CliTest, MissingFolderIsAUserErrorNamingIt) {
    const std::string missing = (dir_ / "no-such-folder").string();
    for (const char* cmd : {"scan", "stats"}) {
        const auto r = run({cmd, missing});
        EXPECT_EQ(r.rc, 1) << cmd;
        EXPECT_NE(r.err.find(missing), std::string::npos) << cmd << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << cmd;
    }
}

TEST_F(CliTest, StatsNeedsAScannedProject) {
    fs::create_directories(dir_ / "photos");
    const auto r = run({"stats", (dir_ / "photos").string()});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("run 'tessera-cli scan"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "photos" / ".tessera"));  // stats never creates a project
}

TEST_F(CliTest, BadArgumentsAreUserErrors) {
    EXPECT_EQ(run({"stats"}).rc, 1);
    EXPECT_EQ(run({"make-demo", (dir_ / "d").string(), "--per-class", "0"}).rc, 1);
}

TEST_F(CliTest, DemoScanStatsCsvRoundTrip) {
    const std::string demo = (dir_ / "demo").string();
    auto r = run({"make-demo", demo, "--per-class", "3", "--seed", "7"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("Wrote 12 images"), std::string::npos) << r.out;

    r = run({"scan", demo, "--threads", "2"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("added 12, updated 0, unchanged 0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("impressed-dots/impressed-dots_001.jpg: too small"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("incised/incised_002.jpg: exact duplicate of incised/incised_000.jpg"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("painted-bands/painted-bands_002.jpg: blurry"), std::string::npos) << r.out;

    r = run({"scan", demo});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("added 0, updated 0, unchanged 12"), std::string::npos) << r.out;

    // Flags persisted for the GUI.
    {
        auto store = project::ProjectStore::open(demo, false);
        ASSERT_TRUE(store.ok()) << store.error();
        auto images = store->images();
        ASSERT_TRUE(images.ok());
        std::unordered_map<std::string, uint32_t> flags;
        for (const auto& img : *images) flags[img.relPath] = img.flags;
        EXPECT_TRUE(flags.at("plain/plain_001.jpg") & project::FlagTooSmall);
        EXPECT_TRUE(flags.at("incised/incised_002.jpg") & project::FlagDuplicate);
        EXPECT_TRUE(flags.at("incised/incised_000.jpg") & project::FlagDuplicate);
        EXPECT_TRUE(flags.at("painted-bands/painted-bands_002.jpg") & project::FlagBlurry);
        EXPECT_EQ(flags.at("incised/incised_001.jpg"), uint32_t(project::FlagNone));
    }

    r = run({"stats", demo, "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);  // stdout holds the JSON and nothing else
    EXPECT_EQ(j["images"]["total"], 12);
    ASSERT_EQ(j["classes"].size(), 4u);
    for (const auto& c : j["classes"]) EXPECT_EQ(c["count"], 3) << c.dump();
    EXPECT_DOUBLE_EQ(j["imbalanceRatio"].get<double>(), 1.0);
    EXPECT_EQ(j["flags"]["tooSmall"].size(), 2u);
    EXPECT_EQ(j["flags"]["exactDuplicates"].size(), 2u);
    EXPECT_EQ(j["flags"]["nearDuplicates"].size(), 1u);

    r = run({"stats", demo, "--min-side", "1000"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("Images: 12 (12 readable, 0 unreadable)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Too small (shorter side < 1000) (12)"), std::string::npos) << r.out;

    const std::string csv = (dir_ / "labels.csv").string();
    r = run({"export-csv", demo, csv});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("Wrote 12 labels"), std::string::npos) << r.out;
    const std::string text = slurp(csv);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 13);  // header + 12 rows
    EXPECT_NE(text.find("plain/plain_000.jpg,plain"), std::string::npos) << text;

    r = run({"import-csv", demo, csv});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("Imported 12 of 12 rows"), std::string::npos) << r.out;

    const std::string bad = (dir_ / "bad.csv").string();
    std::ofstream(bad) << "file,label\nplain/plain_000.jpg,incised\nnot/there.jpg,plain\n";
    r = run({"import-csv", demo, bad});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("Imported 1 of 2 rows"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("bad.csv:3"), std::string::npos) << r.err;
}
