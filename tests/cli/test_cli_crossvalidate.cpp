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
    const fs::path json = dir_ / "cv.json", html = dir_ / "report.html";
    auto r = run({"train", demo_, "--cv", "2", "--epochs", "1", "--size", "32", "--weights", "none", "--threads", "1",
                  "--batch", "8", "--cv-json", json.string(), "--cv-report", html.string(), "--quiet"});
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

    // The report stands alone: no script, no link to fetch; the figures, the diagram and example photos are in it.
    const std::string page = clitest::slurp(html);
    EXPECT_NE(page.find("<h2>Cross-validated results</h2>"), std::string::npos);
    EXPECT_NE(page.find("<svg"), std::string::npos) << "the reliability diagram";
    EXPECT_NE(page.find("Labelled photos per class"), std::string::npos);
    EXPECT_NE(page.find(">arch</td><td>resnet18<"), std::string::npos) << "the settings";
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg")) << "only the SVG namespace";
    EXPECT_EQ(page.find("https://"), std::string::npos);
    if (page.find("No photo was classified as another class") == std::string::npos)
        EXPECT_NE(page.find("data:image/jpeg;base64,"), std::string::npos) << "examples of the confused pairs";

    auto store = project::ProjectStore::open(demo_, false).value();
    EXPECT_TRUE(store.runs().value().empty()) << "no run recorded";
    EXPECT_FALSE(store.activeModel().value().has_value()) << "no model kept";

    EXPECT_NE(run({"train", demo_, "--cv", "1"}).rc, 0);
    EXPECT_NE(run({"train", demo_, "--cv", "2", "--repeats", "0"}).rc, 0);
}
