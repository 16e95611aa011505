// The few-shot and provenance commands through the real tessera-cli: finds (pattern, CSV, dry run, errors),
// suggest (quick model on random ResNet-18 weights written by Python's torchvision), export-finds and
// export-imagefolder (copies, never overwriting).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/project/projectstore.h"

#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

using tessera::clitest::quote;
using tessera::clitest::Result;
using tessera::clitest::slurp;

class FewShotCli : public tessera::clitest::DemoFolderTest {
protected:
    FewShotCli() : DemoFolderTest("tessera-cli-fewshot", 4, 3, /*scanned=*/true) {}
    Result shell(const std::string& cmd) { return tessera::clitest::runShell(cmd, dir_); }
    project::ProjectStore store() { return project::ProjectStore::open(demo_, false).value(); }
};

}  // namespace

TEST_F(FewShotCli, FindsFromPatternDryRunThenWrite) {
    auto r = run({"finds", demo_, "--pattern", "{context}_{find}.jpg", "--dry-run"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("matched 16 of 16 images"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dry run: nothing written"), std::string::npos) << r.out;
    for (const auto& im : store().images().value()) EXPECT_EQ(im.findId, "") << im.relPath;

    r = run({"finds", demo_, "--pattern", "{context}_{find}.jpg"});
    ASSERT_EQ(r.rc, 0) << r.err;
    auto images = store().images().value();
    ASSERT_FALSE(images.empty());
    const auto& first = images.front();  // e.g. impressed-dots/impressed-dots_000.jpg
    const std::string stem = first.relPath.substr(first.relPath.find('/') + 1);
    EXPECT_EQ(first.context + "_" + first.findId + ".jpg", stem);

    // Nothing matches: every image is listed as not matched; exit 0 (nothing was wrong with the input).
    r = run({"finds", demo_, "--pattern", "{site}-{find}.png", "--dry-run"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("matched 0 of 16"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("16 image(s) not matched"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(first.relPath), std::string::npos) << r.out;

    r = run({"finds", demo_, "--pattern", "{site}_{fnd}.jpg"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("{fnd}"), std::string::npos) << r.err;
    EXPECT_EQ(run({"finds", demo_}).rc, 1);  // neither --csv nor --pattern
}

TEST_F(FewShotCli, FindsFromCsvReportsBadRows) {
    const auto images = store().images().value();
    const fs::path csv = dir_ / "finds.csv";
    {
        std::ofstream out(csv);
        out << "file,site,context,find_id\n"
            << images[0].relPath << ",Tell A,SU 3,F-1\n"
            << "nowhere.jpg,Tell A,SU 3,F-2\n"
            << images[1].relPath << ",Tell A,SU 3,F-1\n";
    }
    auto r = run({"finds", demo_, "--csv", csv.string()});
    EXPECT_EQ(r.rc, 1);  // one row could not be applied
    EXPECT_NE(r.err.find("finds.csv:3: no image 'nowhere.jpg'"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("matched 2 of 16"), std::string::npos) << r.out;
    auto s = store();
    EXPECT_EQ(s.image(images[1].id)->findId, "F-1");
    EXPECT_EQ(s.image(images[1].id)->site, "Tell A");
    EXPECT_EQ(s.image(images[0].id)->context, "SU 3");
}

TEST_F(FewShotCli, SuggestExportFindsAndImageFolder) {
    // Half the photos unlabelled; every photo its own find id through the pattern.
    std::set<std::string> unlabelled;
    {
        auto s = store();
        std::map<int64_t, int> seen;
        for (const auto& [imageId, classId] : s.classByImage().value())
            if (seen[classId]++ >= 2) {
                ASSERT_TRUE(s.clearLabel(imageId).ok());
                unlabelled.insert(s.image(imageId)->relPath);
            }
    }
    ASSERT_EQ(unlabelled.size(), 8u);
    ASSERT_EQ(run({"finds", demo_, "--pattern", "{context}_{find}.jpg"}).rc, 0);
    const fs::path weights = dir_ / "r18.pth";
    auto py = shell(std::string(TESSERA_PYTHON) +
                    " -c \"import torch, torchvision; torch.manual_seed(0); "
                    "torch.save(torchvision.models.resnet18(num_classes=4).state_dict(), '" + weights.string() + "')\"");
    ASSERT_EQ(py.rc, 0) << py.err;

    auto r = run({"suggest", demo_, "--weights", weights.string(), "-n", "3", "--size", "64", "--json", "--quiet",
                  "--write-predictions"});
    ASSERT_EQ(r.rc, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["labelled"], 8);
    EXPECT_EQ(j["unlabelled"], 8);
    EXPECT_EQ(j["strategy"], "margin");
    ASSERT_EQ(j["suggestions"].size(), 3u);
    double last = 2.0;
    for (const auto& s : j["suggestions"]) {
        EXPECT_TRUE(unlabelled.count(s["file"].get<std::string>())) << s.dump();
        EXPECT_LE(s["uncertainty"].get<double>(), last);
        last = s["uncertainty"].get<double>();
    }
    const int64_t runId = j["run_id"].get<int64_t>();

    // Second run: every embedding comes from the cache; the table output names the files.
    r = run({"suggest", demo_, "--weights", weights.string(), "-n", "2", "--size", "64", "--strategy", "entropy",
             "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("; 0 embeddings computed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("label these next (entropy)"), std::string::npos) << r.out;
    EXPECT_EQ(run({"suggest", demo_, "--weights", weights.string(), "--strategy", "vibes"}).rc, 1);
    r = run({"suggest", demo_, "--weights", (dir_ / "none.pth").string(), "--quiet"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("none.pth"), std::string::npos) << r.err;

    // Per-find export of the stored quick-model predictions: one row per unlabelled photo (each its own find).
    const fs::path finds = dir_ / "finds.csv";
    r = run({"export-finds", demo_, "--run", std::to_string(runId), "--out", finds.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    const std::string text = slurp(finds);
    // The columns of predict --per-find.
    EXPECT_EQ(text.rfind("site,context,find_id,photos,unreadable,top1,p1,top2,p2,top3,p3,unknown\n", 0), 0u) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 9);
    EXPECT_EQ(run({"export-finds", demo_, "--run", "999", "--out", finds.string()}).rc, 1);

    // ImageFolder tree of the 8 labelled photos; a second export overwrites nothing and fails loudly.
    const fs::path out = dir_ / "imagefolder";
    r = run({"export-imagefolder", demo_, out.string(), "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("copied 8 photo(s)"), std::string::npos) << r.out;
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(out)) files += e.is_regular_file();
    EXPECT_EQ(files, 8);
    for (const auto& im : store().images().value()) {
        if (!unlabelled.count(im.relPath)) {
            EXPECT_TRUE(fs::is_regular_file(out / im.relPath)) << im.relPath;
        }
    }
    r = run({"export-imagefolder", demo_, out.string(), "--quiet"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
    EXPECT_EQ(run({"export-imagefolder", demo_, (dir_ / "s").string(), "--split", "--quiet"}).rc, 1);  // no split
}
