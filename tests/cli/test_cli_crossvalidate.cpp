// tessera-cli train --cv K through the real binary on a scanned demo project: the recipe is trained K times, each
// model without a K-th of the finds; the report (text and --cv-json) scores every labelled photo once, with an
// interval, per-class recall, a confusion matrix and calibration; no model, run or split is left in the project.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class CrossValidateCli : public clitest::DemoFolderTest {
protected:
    CrossValidateCli() : DemoFolderTest("tessera-cli-cv", 4, 3, /*scanned=*/true) {}
};

}  // namespace

TEST_F(CrossValidateCli, ReportsEveryPhotoOnceAndKeepsNoModel) {
    int64_t labelled = 0;
    {
        auto store = project::ProjectStore::open(demo_, false).value();
        labelled = int64_t(store.classByImage().value().size());
    }
    ASSERT_GT(labelled, 8);
    const fs::path json = dir_ / "cv.json";
    auto r = run({"train", demo_, "--cv", "2", "--epochs", "1", "--size", "32", "--weights", "none", "--threads", "1",
                  "--batch", "8", "--cv-json", json.string(), "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("cross-validated resnet18 (full, 1 epochs, 32 px) on " + std::to_string(labelled) + " photos"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("95 % interval"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("expected calibration error"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("cross-validation: repeat 1 of 1, fold 2 of 2"), std::string::npos) << r.err;

    const auto j = nlohmann::json::parse(clitest::slurp(json));
    EXPECT_EQ(j["folds"], 2);
    EXPECT_EQ(j["photos"], labelled);
    int64_t total = 0;
    for (const auto& row : j["confusion"])
        for (const auto& v : row) total += v.get<int64_t>();
    EXPECT_EQ(total, labelled);
    ASSERT_EQ(j["per_class"].size(), j["classes"].size());
    const auto& a = j["accuracy"];
    EXPECT_LE(a["low"].get<double>(), a["value"].get<double>());
    EXPECT_GE(a["high"].get<double>(), a["value"].get<double>());
    EXPECT_GT(j["temperature"].get<double>(), 0.0);

    auto store = project::ProjectStore::open(demo_, false).value();
    EXPECT_TRUE(store.runs().value().empty()) << "no run recorded";
    EXPECT_FALSE(store.activeModel().value().has_value()) << "no model kept";

    EXPECT_NE(run({"train", demo_, "--cv", "1"}).rc, 0);
    EXPECT_NE(run({"train", demo_, "--cv", "2", "--repeats", "0"}).rc, 0);
}
