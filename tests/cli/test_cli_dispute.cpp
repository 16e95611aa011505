// tessera-cli dispute through the real binary on a scanned demo project: photos named on the command line or in a
// CSV's file column are marked as disputed (kept labels, listed with --list), a name that is no photo of the project
// changes nothing and is named in the error, and --clear puts them back.
#include <gtest/gtest.h>

#include <fstream>

#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class DisputeCli : public clitest::DemoFolderTest {
protected:
    DisputeCli() : DemoFolderTest("tessera-cli-dispute", 3, 2, /*scanned=*/true) {}
    std::set<std::string> disputed() {
        auto store = project::ProjectStore::open(demo_, false).value();
        std::set<std::string> out;
        const auto ids = store.disputedImages().value();
        for (const auto& im : store.images().value())
            if (ids.count(im.id)) out.insert(im.relPath);
        return out;
    }
    std::vector<std::string> labelled() {
        auto store = project::ProjectStore::open(demo_, false).value();
        const auto labels = store.classByImage().value();
        std::vector<std::string> out;
        for (const auto& im : store.images().value())
            if (labels.count(im.id)) out.push_back(im.relPath);
        return out;
    }
};

}  // namespace

TEST_F(DisputeCli, MarksListsClearsAndChangesNothingOnAnUnknownName) {
    const auto photos = labelled();
    ASSERT_GE(photos.size(), 4u);
    auto r = run({"dispute", demo_, photos[0], (fs::path(demo_) / photos[1]).string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("marked 2 photo(s) as disputed (0 already were)"), std::string::npos) << r.out;
    EXPECT_EQ(disputed(), (std::set<std::string>{photos[0], photos[1]}));

    // From the file column of a check-labels CSV (quoted, with the other columns).
    const fs::path csv = dir_ / "keep.csv";
    std::ofstream(csv) << "file,label,suggested,score\n\"" << photos[2] << "\",a,b,0.01\n";
    r = run({"dispute", demo_, "--from", csv.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(disputed(), (std::set<std::string>{photos[0], photos[1], photos[2]}));

    r = run({"dispute", demo_, "--list"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find(photos[2] + "\t"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3 disputed photo(s)"), std::string::npos) << r.out;

    r = run({"dispute", demo_, "nowhere/nothing.jpg", photos[3]});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("nowhere/nothing.jpg"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
    EXPECT_EQ(disputed().count(photos[3]), 0u);

    r = run({"dispute", demo_, "--clear", photos[0], photos[3]});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("cleared the dispute of 1 photo(s) (1 were not disputed)"), std::string::npos) << r.out;
    EXPECT_EQ(disputed(), (std::set<std::string>{photos[1], photos[2]}));
    EXPECT_EQ(labelled(), photos) << "disputes never touch labels";

    EXPECT_NE(run({"dispute", demo_}).rc, 0) << "nothing named";
    EXPECT_NE(run({"dispute", demo_, "--clear", "--list"}).rc, 0) << "nothing named to clear";
    r = run({"dispute", demo_, photos[3], photos[3]});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("marked 1 photo(s) as disputed (0 already were)"), std::string::npos) << "named twice, once";

    // A path from the working folder into the project, as a shell completes it (run in dir_, above demo/).
    ASSERT_EQ(fs::path(demo_).parent_path(), dir_);
    const auto inDir = [&](const std::string& args) {
        return clitest::runShell("cd " + clitest::quote(dir_.string()) + " && " + clitest::quote(TESSERA_CLI_PATH) +
                                     " dispute demo " + args,
                                 dir_);
    };
    r = inDir("--clear " + clitest::quote("demo/" + photos[3]) + " " + clitest::quote("./demo/" + photos[1]));
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(disputed(), (std::set<std::string>{photos[2]}));
    EXPECT_NE(inDir(clitest::quote("../" + photos[2])).rc, 0) << "a path outside the project is no photo of it";
}
