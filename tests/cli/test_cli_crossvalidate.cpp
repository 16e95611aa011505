// tessera-cli train --cv K through the real binary on a scanned demo project: the recipe is trained K times, each
// model without a K-th of the finds; the report (text and --cv-json) scores every labelled photo once, with an
// interval, per-class recall, a confusion matrix and calibration; no model, run or split is left in the project.
// evaluate --cv K cross-validates a trained model's recipe and --calibrate stores the out-of-fold temperature in it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/nn/modelbundle.h"
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
    if (page.find("No photo was classified as another class") == std::string::npos) {
        EXPECT_NE(page.find("data:image/jpeg;base64,"), std::string::npos) << "examples of the confused pairs";
    }

    auto store = project::ProjectStore::open(demo_, false).value();
    EXPECT_TRUE(store.runs().value().empty()) << "no run recorded";
    EXPECT_FALSE(store.activeModel().value().has_value()) << "no model kept";

    EXPECT_NE(run({"train", demo_, "--cv", "1"}).rc, 0);
    EXPECT_NE(run({"train", demo_, "--cv", "2", "--repeats", "0"}).rc, 0);
}

namespace {

class EvaluateCvCli : public clitest::DemoFolderTest {
protected:
    EvaluateCvCli() : DemoFolderTest("tessera-cli-evalcv", 10, 5, /*scanned=*/true) {}
};

}  // namespace

// evaluate --cv K PROJECT cross-validates the recipe of the project's active model (its run card), and --calibrate
// stores the temperature fitted on the out-of-fold scores in that model, which predict then applies and names.
TEST_F(EvaluateCvCli, CrossValidatesTheActiveModelsRecipeAndCalibratesIt) {
    auto trained = run({"train", demo_, "--epochs", "1", "--size", "32", "--weights", "none", "--threads", "1",
                        "--batch", "8", "--seed", "3", "--quiet"});
    ASSERT_EQ(trained.rc, 0) << trained.err;
    auto model = [&] {
        auto store = project::ProjectStore::open(demo_, false).value();
        return store.activeModel().value().value();
    }();
    const auto before = nn::ModelBundle::readManifest(model.string()).value();
    EXPECT_NE(before.calibration.fittedOn, "cross-validation");

    auto r = run({"evaluate", "--cv", "2", demo_, "--calibrate", "--threads", "1", "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err << r.out;
    EXPECT_NE(r.err.find("cross-validating the recipe that trained " + model.string()), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("cross-validated resnet18 (full, 1 epochs, 32 px)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("out-of-fold scores of a cross-validation: temperature"), std::string::npos) << r.out;
    const auto after = nn::ModelBundle::readManifest(model.string()).value();
    EXPECT_EQ(after.calibration.fittedOn, "cross-validation");
    EXPECT_GE(after.calibration.photos, 30);
    EXPECT_NE(after.calibration.temperature, 1.0);
    EXPECT_EQ(after.classNames, before.classNames);
    EXPECT_EQ(after.created, before.created) << "the same model, recalibrated";

    auto predicted = run({"predict", model.string(), demo_, "--out", (dir_ / "p.csv").string(), "--threads", "1"});
    ASSERT_EQ(predicted.rc, 0) << predicted.err;
    EXPECT_NE(predicted.err.find("scores calibrated on"), std::string::npos) << predicted.err;
    auto raw = run({"predict", model.string(), demo_, "--out", (dir_ / "raw.csv").string(), "--threads", "1",
                    "--uncalibrated"});
    ASSERT_EQ(raw.rc, 0) << raw.err;
    EXPECT_NE(raw.err.find("not applied: --uncalibrated"), std::string::npos) << raw.err;
    EXPECT_NE(clitest::slurp(dir_ / "p.csv"), clitest::slurp(dir_ / "raw.csv")) << "the temperature changes the scores";

    // Classes edited since training: --calibrate refuses before the K trainings, and the model is left as it was.
    {
        auto store = project::ProjectStore::open(demo_, false).value();
        const int64_t newClass = store.addClass("unglazed").value();
        const int64_t someImage = store.classByImage().value().begin()->first;
        ASSERT_TRUE(store.setLabel(someImage, newClass).ok());
    }
    auto edited = run({"evaluate", "--cv", "2", demo_, "--calibrate", "--threads", "1", "--quiet"});
    EXPECT_NE(edited.rc, 0);
    EXPECT_NE(edited.err.find("its classes are not the project's classes now"), std::string::npos) << edited.err;
    EXPECT_EQ(edited.out.find("cross-validated"), std::string::npos) << "refused only after cross-validating";
    EXPECT_EQ(nn::ModelBundle::readManifest(model.string()).value().calibration.fittedOn, "cross-validation");

    // Misuse is named: calibration files without --cv, --json with --cv.
    EXPECT_NE(run({"evaluate", model.string(), demo_, "--calibrate"}).rc, 0);
    auto json = run({"evaluate", "--cv", "2", demo_, "--json"});
    EXPECT_NE(json.rc, 0);
    EXPECT_NE(json.err.find("--cv-json"), std::string::npos) << json.err;
}
