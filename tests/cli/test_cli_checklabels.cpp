// tessera-cli check-labels through the real binary: on a demo project with two labels moved to the wrong class it
// writes the flagged photos as CSV (file,label,suggested,score; the photo's current label, another class as the
// suggestion, most suspect first), changes no label; without --weights it takes the features from ImageNet weights in
// the cache, or says what is missing.
#include <gtest/gtest.h>

#include <map>

#include "core/project/csvreader.h"
#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class CheckLabelsCli : public clitest::DemoFolderTest {
protected:
    CheckLabelsCli() : DemoFolderTest("tessera-cli-checklabels", 6, 4, /*scanned=*/true) {}
    project::ProjectStore store() { return project::ProjectStore::open(demo_, false).value(); }
};

}  // namespace

TEST_F(CheckLabelsCli, WritesTheFlaggedPhotosAndChangesNoLabel) {
    const fs::path weights = dir_ / "r18.pth";
    auto py = clitest::runShell(std::string(TESSERA_PYTHON) +
                                    " -c \"import torch, torchvision; torch.manual_seed(0); "
                                    "torch.save(torchvision.models.resnet18(num_classes=4).state_dict(), '" +
                                    weights.string() + "')\"",
                                dir_);
    ASSERT_EQ(py.rc, 0) << py.err;
    std::map<std::string, std::string> labelOf;  // relPath -> class name, after moving two labels
    {
        auto s = store();
        const auto classes = s.classes().value();
        ASSERT_EQ(classes.size(), 4u);
        std::map<int64_t, std::string> name;
        for (const auto& c : classes) name[c.id] = c.name;
        int moved = 0;
        for (const auto& [imageId, classId] : s.classByImage().value()) {
            int64_t now = classId;
            if (moved < 2 && classId == classes[size_t(moved)].id) {
                now = classes[size_t(moved) + 1].id;
                ASSERT_TRUE(s.setLabel(imageId, now).ok());
                ++moved;
            }
            labelOf[s.image(imageId)->relPath] = name[now];
        }
        ASSERT_EQ(moved, 2);
    }
    const fs::path out = dir_ / "flagged.csv";
    auto r = run({"check-labels", demo_, "--weights", weights.string(), "--size", "64", "--folds", "4", "--out",
                  out.string(), "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("checked 24 labelled photos in 4 classes by 4-fold cross-validation"), std::string::npos)
        << r.out;

    const auto parsed = project::CsvReader::parse(clitest::slurp(out));
    ASSERT_TRUE(parsed.problems.empty());
    ASSERT_FALSE(parsed.records.empty());
    EXPECT_EQ(parsed.records.front().fields, (std::vector<std::string>{"file", "label", "suggested", "score"}));
    const size_t flagged = parsed.records.size() - 1;
    EXPECT_NE(r.out.find(": " + std::to_string(flagged) + " possibly mislabelled"), std::string::npos) << r.out;
    double previous = 0.0;
    for (size_t i = 1; i < parsed.records.size(); ++i) {
        const auto& f = parsed.records[i].fields;
        ASSERT_EQ(f.size(), 4u);
        ASSERT_TRUE(labelOf.count(f[0])) << f[0] << " is not a photo of the project";
        EXPECT_EQ(f[1], labelOf[f[0]]);
        EXPECT_NE(f[2], f[1]);
        const double score = std::stod(f[3]);
        EXPECT_GE(score, previous) << "most suspect first";
        EXPECT_LE(score, 1.0);
        previous = score;
    }
    // Checking changes no label.
    auto s = store();
    for (const auto& [imageId, classId] : s.classByImage().value()) {
        std::string name;
        for (const auto& c : s.classes().value())
            if (c.id == classId) name = c.name;
        EXPECT_EQ(labelOf[s.image(imageId)->relPath], name);
    }
    // The flagged list is kept in the project for Review and Dataset, in the same order.
    const auto kept = s.labelIssues().value();
    ASSERT_EQ(kept.size(), flagged);
    for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(s.image(kept[i].imageId)->relPath, parsed.records[i + 1].fields[0]);

    // A label a person kept after the check ("keep my label" in Review) is not put to them again.
    ASSERT_GT(flagged, 0u) << "two labels were moved to the wrong class";
    auto first = s.label(kept.front().imageId).value();
    auto confirmed = s.setLabels({kept.front().imageId}, first->classId, project::LabelSource::Confirmed);
    ASSERT_TRUE(confirmed.ok()) << confirmed.error();
    r = run({"check-labels", demo_, "--weights", weights.string(), "--size", "64", "--folds", "4", "--out",
             out.string(), "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find(": " + std::to_string(flagged - 1) + " possibly mislabelled"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(1 more would be, but a person kept their labels"), std::string::npos) << r.out;
    EXPECT_EQ(clitest::slurp(out).find(parsed.records[1].fields[0]), std::string::npos);
}

TEST_F(CheckLabelsCli, FallsBackToCachedImageNetWeightsElseSaysWhatIsMissing) {
    // No trained model and an empty weights cache: nothing to take features from, and the message says how to get it.
    const fs::path cache = dir_ / "weights-cache";
    fs::create_directories(cache);
    const std::string env = "TESSERA_CACHE_DIR=" + clitest::quote(cache.string());
    auto r = clitest::runCli({"check-labels", demo_, "--quiet"}, dir_, env);
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("no trained model and no ImageNet weights in the cache"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("weights download resnet18"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--weights"), std::string::npos) << r.err;

    // ResNet-18 weights in the cache under the model zoo's file name: used, and said so (suggest alike).
    auto py = clitest::runShell(std::string(TESSERA_PYTHON) +
                                    " -c \"import torch, torchvision; torch.manual_seed(0); "
                                    "torch.save(torchvision.models.resnet18().state_dict(), '" +
                                    (cache / "resnet18-f37072fd.pth").string() + "')\"",
                                dir_);
    ASSERT_EQ(py.rc, 0) << py.err;
    r = clitest::runCli({"check-labels", demo_, "--size", "64", "--folds", "3"}, dir_, env);
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("features from the ImageNet resnet18 weights in the cache"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("checked 24 labelled photos"), std::string::npos) << r.out;
    r = clitest::runCli({"suggest", demo_, "--size", "64"}, dir_, env);
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("features from the ImageNet resnet18 weights in the cache"), std::string::npos) << r.err;

    EXPECT_NE(run({"check-labels", demo_, "--folds", "1"}).rc, 0);
    r = run({"check-labels", (dir_ / "nowhere").string()});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
}
