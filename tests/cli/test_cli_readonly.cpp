// A photo folder Tessera may not write to (a museum's read-only share, a DVD, another user's archive) is scanned,
// labelled, trained on and predicted on with its project kept in the per-user location, and nothing in the folder
// changes: the same files, sizes and modification times before and after, and no .tessera. Also checked as root:
// a folder without write permission is read-only to Tessera even where root could write.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using tessera::clitest::Result;

namespace {

struct Entry {
    bool folder = false;
    uintmax_t size = 0;
    int64_t mtimeNs = 0;
    bool operator==(const Entry&) const = default;
};

// Every file and folder under `root` (the root itself included): kind, size and modification time to the ns.
std::map<std::string, Entry> snapshot(const fs::path& root) {
    std::map<std::string, Entry> out;
    auto add = [&](const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
        out[fs::relative(p, root.parent_path()).generic_string()] = {
            S_ISDIR(st.st_mode), S_ISDIR(st.st_mode) ? 0 : uintmax_t(st.st_size),
            int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    };
    add(root);
    for (const auto& e : fs::recursive_directory_iterator(root)) add(e.path());
    return out;
}

void setWritable(const fs::path& root, bool writable) {
    const auto w = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
    const auto how = writable ? fs::perm_options::add : fs::perm_options::remove;
    fs::permissions(root, w, how);
    for (const auto& e : fs::recursive_directory_iterator(root)) fs::permissions(e.path(), w, how);
}

class CliReadOnlyFolder : public ::testing::Test {
protected:
    void SetUp() override { dir_ = tessera::clitest::makeTempDir("tessera-cli-readonly"); }
    void TearDown() override {
        std::error_code ec;
        if (fs::exists(photos_)) setWritable(photos_, true);
        fs::remove_all(dir_, ec);
    }
    Result run(const std::vector<std::string>& args) { return tessera::clitest::runCli(args, dir_, env_); }

    fs::path dir_;
    fs::path photos_;
    std::string env_;
};

}  // namespace

TEST_F(CliReadOnlyFolder, ScanLabelTrainAndPredictWriteNothingIntoIt) {
    photos_ = dir_ / "museum-share";
    const fs::path projects = dir_ / "user-projects";
    env_ = "TESSERA_PROJECTS_DIR=" + tessera::clitest::quote((dir_ / "unused").string());
    ASSERT_EQ(run({"make-demo", photos_.string(), "--per-class", "4"}).rc, 0);
    setWritable(photos_, false);
    const auto before = snapshot(photos_);

    // scan: no flag needed; the CLI says where the project went. --projects-dir overrides the environment.
    auto r = run({"scan", photos_.string(), "--projects-dir", projects.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("outside the photo folder, in " + projects.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("read-only"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "unused"));

    // labelled: from the class folders at scan, and one label changed from a CSV kept elsewhere.
    const fs::path labels = dir_ / "labels.csv";
    std::ofstream(labels) << "file,label\nplain/plain_000.jpg,painted-bands\n";
    r = run({"--projects-dir", projects.string(), "import-csv", photos_.string(), labels.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    r = run({"stats", photos_.string(), "--json", "--projects-dir", projects.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("\"labelled\": 16"), std::string::npos) << r.out;

    r = run({"train", photos_.string(), "--projects-dir", projects.string(), "--weights", "none", "--epochs", "1",
             "--size", "32", "--batch", "4", "--threads", "1", "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const fs::path predictions = dir_ / "predictions.csv";
    r = run({"predict", photos_.string(), "--projects-dir", projects.string(), "--out", predictions.string(), "-q"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const std::string rows = tessera::clitest::slurp(predictions);
    EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 17) << rows;  // header + 16 photos

    EXPECT_EQ(snapshot(photos_), before) << "the read-only photo folder changed";
    EXPECT_FALSE(fs::exists(photos_ / ".tessera"));
    // The project, its run and its model are in the per-user location.
    ASSERT_TRUE(fs::is_directory(projects));
    const fs::path data = fs::directory_iterator(projects)->path();
    EXPECT_EQ(data.filename().string().rfind("museum-share-", 0), 0u) << data;
    EXPECT_TRUE(fs::exists(data / "project.db"));
    EXPECT_TRUE(fs::is_directory(data / "runs"));
}

// A project made in its photo folder and then put where it cannot be written (burnt on a DVD with its photos, moved
// to a read-only share): the CLI works on a per-user copy, says so once, and the folder does not change.
TEST_F(CliReadOnlyFolder, AProjectThatCannotBeWrittenIsWorkedOnInACopy) {
    photos_ = dir_ / "archive-dvd";
    const fs::path projects = dir_ / "user-projects";
    env_ = "TESSERA_PROJECTS_DIR=" + tessera::clitest::quote(projects.string());
    ASSERT_EQ(run({"make-demo", photos_.string(), "--per-class", "3"}).rc, 0);
    ASSERT_EQ(run({"scan", photos_.string()}).rc, 0);
    ASSERT_TRUE(fs::exists(photos_ / ".tessera" / "project.db"));
    setWritable(photos_, false);
    const auto before = snapshot(photos_);

    auto r = run({"scan", photos_.string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("cannot be written there: working on a copy of it in " + projects.string()),
              std::string::npos) << r.out;
    r = run({"train", photos_.string(), "--weights", "none", "--epochs", "1", "--size", "32", "--batch", "4",
             "--threads", "1", "--quiet"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const fs::path predictions = dir_ / "predictions.csv";
    r = run({"predict", photos_.string(), "--out", predictions.string(), "-q"});  // the copy's active model
    ASSERT_EQ(r.rc, 0) << r.err;
    const std::string rows = tessera::clitest::slurp(predictions);
    EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 13) << rows;  // header + 12 photos
    r = run({"stats", photos_.string(), "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("\"labelled\": 12"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(projects.string()), std::string::npos) << "the active model is the copy's run: " << r.out;

    EXPECT_EQ(snapshot(photos_), before) << "the read-only project folder changed";
}

TEST_F(CliReadOnlyFolder, KeepOutsideKeepsAWritableFolderUntouchedToo) {
    photos_ = dir_ / "photos";
    env_ = "TESSERA_PROJECTS_DIR=" + tessera::clitest::quote((dir_ / "user-projects").string());
    ASSERT_EQ(run({"make-demo", photos_.string(), "--per-class", "2"}).rc, 0);
    const auto before = snapshot(photos_);
    auto r = run({"scan", photos_.string(), "--keep-outside"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("as asked"), std::string::npos) << r.out;
    EXPECT_EQ(snapshot(photos_), before);
    r = run({"stats", photos_.string()});
    EXPECT_EQ(r.rc, 0) << r.err;

    // The photos move: --moved-from takes their project along, labels kept.
    const fs::path moved = dir_ / "photos-2027";
    fs::rename(photos_, moved);
    photos_ = moved;
    r = run({"stats", moved.string()});
    EXPECT_EQ(r.rc, 1) << "a moved folder has no project until it is re-pointed";
    r = run({"scan", moved.string(), "--moved-from", (dir_ / "photos").string()});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("unchanged 8"), std::string::npos) << r.out;
    r = run({"stats", moved.string(), "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("\"labelled\": 8"), std::string::npos) << r.out;
}
