// Scanner: new, unchanged, modified, renamed, missing and unreadable files; classes from folders; symlink loops;
// and the speed of re-scanning an unchanged tree.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>

#include <sys/stat.h>
#include <unistd.h>

#include "core/project/projectstore.h"
#include "core/project/scanner.h"
#include "project/projecttestutil.h"

namespace fs = std::filesystem;
using namespace tessera::project;
using tessera::project::testing::TempDir;
using tessera::project::testing::writeImage;
using tessera::project::testing::writeText;

namespace {

struct ScanFixture : ::testing::Test {
    TempDir dir;
    std::optional<ProjectStore> store;

    void SetUp() override {
        writeImage(dir.path() / "bowl" / "a.jpg", 1);
        writeImage(dir.path() / "bowl" / "b.png", 2);
        writeImage(dir.path() / "cup" / "c.jpg", 3);
        writeImage(dir.path() / "cup" / "deeper" / "d.JPG", 4);  // extension case does not matter
        writeImage(dir.path() / "e.jpg", 5);                      // in the root: stays unlabelled
        writeText(dir.path() / "notes.txt", "field notes");
        writeImage(dir.path() / ".hidden" / "h.jpg", 6);          // hidden folders are not part of the project
        auto opened = ProjectStore::open(dir.path());
        ASSERT_TRUE(opened.ok()) << opened.error();
        store.emplace(std::move(opened.value()));
    }

    ScanReport scan(ScanOptions options = ScanOptions::defaults()) {
        options.threads = 2;
        auto report = Scanner::scan(*store, options);
        EXPECT_TRUE(report.ok()) << report.error();
        return report.ok() ? report.value() : ScanReport{};
    }

    int64_t idOf(const std::string& rel) {
        auto r = store->imageByPath(rel);
        return r.ok() && r->has_value() ? (*r)->id : 0;
    }
    std::string classOf(const std::string& rel) {
        auto l = store->label(idOf(rel));
        if (!l.ok() || !l->has_value()) return "";
        const auto classes = store->classes().value();
        for (const auto& c : classes)
            if (c.id == (*l)->classId) return c.name;
        return "?";
    }
};

}  // namespace

TEST_F(ScanFixture, FirstScanAddsImagesAndImportsFolderClasses) {
    std::vector<tessera::Progress> progress;
    tessera::JobContext context;
    context.onProgress = [&](const tessera::Progress& p) { progress.push_back(p); };
    ScanOptions options;
    options.threads = 2;
    auto result = Scanner::scan(*store, options, context);
    ASSERT_TRUE(result.ok()) << result.error();
    const ScanReport& report = result.value();
    EXPECT_EQ(report.filesSeen, 5);
    EXPECT_EQ(report.added, 5);
    EXPECT_EQ(report.unchanged, 0);
    EXPECT_EQ(report.ignored, 1);  // notes.txt
    EXPECT_EQ(report.unreadable, 0);
    EXPECT_EQ(report.labelsImported, 4);
    EXPECT_TRUE(report.issues.empty());
    EXPECT_FALSE(report.cancelled);
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back().stage, "scan");
    EXPECT_EQ(progress.back().done, 5);
    EXPECT_EQ(progress.back().total, 5);

    EXPECT_EQ(classOf("bowl/a.jpg"), "bowl");
    EXPECT_EQ(classOf("bowl/b.png"), "bowl");
    EXPECT_EQ(classOf("cup/deeper/d.JPG"), "cup");
    EXPECT_EQ(classOf("e.jpg"), "");
    EXPECT_EQ(store->label(idOf("cup/c.jpg")).value()->source, LabelSource::Imported);
    EXPECT_EQ(store->classes().value().size(), 2u);
    EXPECT_EQ(idOf(".hidden/h.jpg"), 0);

    const ImageRecord a = store->imageByPath("bowl/a.jpg").value().value();
    EXPECT_EQ(a.width, 48);
    EXPECT_EQ(a.height, 32);
    EXPECT_EQ(a.format, "jpeg");
    EXPECT_EQ(a.contentHash.size(), 64u);
    EXPECT_EQ(a.fileSize, int64_t(fs::file_size(dir.path() / "bowl" / "a.jpg")));
    EXPECT_EQ(store->imageByPath("bowl/b.png").value()->format, "png");
}

TEST_F(ScanFixture, RescanOfAnUnchangedTreeReadsNothing) {
    scan();
    // Same size and mtime but different bytes: if the scanner read the file, the stored hash would change.
    const fs::path file = dir.path() / "cup" / "c.jpg";
    const std::string hashBefore = store->imageByPath("cup/c.jpg").value()->contentHash;
    const auto mtime = fs::last_write_time(file);
    {
        std::FILE* f = std::fopen(file.c_str(), "r+b");
        ASSERT_NE(f, nullptr);
        std::fseek(f, 100, SEEK_SET);
        std::fputc(0x5A, f);
        std::fclose(f);
    }
    fs::last_write_time(file, mtime);

    const ScanReport report = scan();
    EXPECT_EQ(report.added, 0);
    EXPECT_EQ(report.updated, 0);
    EXPECT_EQ(report.unchanged, 5);
    EXPECT_EQ(report.labelsImported, 0);
    EXPECT_EQ(report.missing, 0);
    EXPECT_EQ(store->imageByPath("cup/c.jpg").value()->contentHash, hashBefore);
}

TEST_F(ScanFixture, ModifiedFileIsAnalysedAgain) {
    scan();
    const int64_t id = idOf("e.jpg");
    writeImage(dir.path() / "e.jpg", 50, 64, 40);
    const ScanReport report = scan();
    EXPECT_EQ(report.updated, 1);
    EXPECT_EQ(report.unchanged, 4);
    const ImageRecord e = store->imageByPath("e.jpg").value().value();
    EXPECT_EQ(e.id, id);
    EXPECT_EQ(e.width, 64);
    EXPECT_EQ(e.height, 40);
}

TEST_F(ScanFixture, FolderClassIsImportedOnceSoAClearedLabelStaysCleared) {
    scan();
    const int64_t id = idOf("bowl/a.jpg");
    ASSERT_EQ(classOf("bowl/a.jpg"), "bowl");
    ASSERT_TRUE(store->clearLabel(id).ok());

    ScanReport report = scan();  // unchanged tree
    EXPECT_EQ(report.labelsImported, 0);
    EXPECT_EQ(classOf("bowl/a.jpg"), "");

    writeImage(dir.path() / "bowl" / "a.jpg", 42);  // the photo is replaced: still the user's decision that counts
    report = scan();
    EXPECT_EQ(report.updated, 1);
    EXPECT_EQ(report.labelsImported, 0);
    EXPECT_EQ(classOf("bowl/a.jpg"), "");

    writeImage(dir.path() / "bowl" / "new.jpg", 43);  // a new photo in a class folder is labelled on arrival
    report = scan();
    EXPECT_EQ(report.added, 1);
    EXPECT_EQ(report.labelsImported, 1);
    EXPECT_EQ(classOf("bowl/new.jpg"), "bowl");
}

TEST_F(ScanFixture, RenamedFileKeepsItsRowAndLabel) {
    scan();
    const int64_t id = idOf("e.jpg");
    const int64_t cup = store->ensureClass("cup").value();
    ASSERT_TRUE(store->setLabel(id, cup, LabelSource::Manual).ok());
    fs::create_directories(dir.path() / "bowl" / "moved");
    fs::rename(dir.path() / "e.jpg", dir.path() / "bowl" / "moved" / "e-renamed.jpg");

    const ScanReport report = scan();
    EXPECT_EQ(report.renamed, 1);
    EXPECT_EQ(report.added, 0);
    EXPECT_EQ(report.missing, 0);
    EXPECT_EQ(report.labelsImported, 0);  // it had a label: the folder does not override it
    EXPECT_EQ(idOf("bowl/moved/e-renamed.jpg"), id);
    EXPECT_EQ(idOf("e.jpg"), 0);
    const Label label = store->label(id).value().value();
    EXPECT_EQ(label.classId, cup);
    EXPECT_EQ(label.source, LabelSource::Manual);
    EXPECT_EQ(store->imageCount().value(), 5);
}

TEST_F(ScanFixture, VanishedFileIsFlaggedMissingAndClearedWhenBack) {
    scan();
    const fs::path file = dir.path() / "bowl" / "a.jpg";
    const fs::path aside = dir.path() / "aside.bin";  // not an image name: the scanner ignores it
    fs::rename(file, aside);
    ScanReport report = scan();
    EXPECT_EQ(report.missing, 1);
    const ImageRecord gone = store->imageByPath("bowl/a.jpg").value().value();
    EXPECT_TRUE(gone.flags & FlagMissing);
    EXPECT_EQ(classOf("bowl/a.jpg"), "bowl");  // the row and its label are kept

    fs::rename(aside, file);
    report = scan();
    EXPECT_EQ(report.missing, 0);
    EXPECT_EQ(report.unchanged, 5);
    EXPECT_FALSE(store->imageByPath("bowl/a.jpg").value()->flags & FlagMissing);
}

TEST_F(ScanFixture, UnreadableFileIsListedWithAReasonAndTheScanGoesOn) {
    writeText(dir.path() / "cup" / "broken.jpg", "this is not a JPEG at all, just text");
    const ScanReport report = scan();
    EXPECT_EQ(report.filesSeen, 6);
    EXPECT_EQ(report.added, 6);
    EXPECT_EQ(report.unreadable, 1);
    ASSERT_EQ(report.issues.size(), 1u);
    EXPECT_EQ(report.issues[0].relPath, "cup/broken.jpg");
    EXPECT_FALSE(report.issues[0].reason.empty());
    const ImageRecord broken = store->imageByPath("cup/broken.jpg").value().value();
    EXPECT_TRUE(broken.flags & FlagUnreadable);
    EXPECT_EQ(broken.error, report.issues[0].reason);
    EXPECT_FALSE(store->imageByPath("cup/c.jpg").value()->flags & FlagUnreadable);

    // Still reported on the next scan, without being read again.
    const ScanReport again = scan();
    EXPECT_EQ(again.unchanged, 6);
    EXPECT_EQ(again.unreadable, 1);
    ASSERT_EQ(again.issues.size(), 1u);
    EXPECT_EQ(again.issues[0].relPath, "cup/broken.jpg");
}

TEST_F(ScanFixture, SymlinkLoopIsReportedNotFollowedForever) {
    fs::create_symlink(dir.path(), dir.path() / "cup" / "loop");
    fs::create_symlink(dir.path() / "bowl", dir.path() / "bowl-again");
    const ScanReport report = scan();
    EXPECT_EQ(report.filesSeen, 5);  // nothing found twice
    bool loop = false, again = false;
    for (const auto& issue : report.issues) {
        if (issue.relPath == "cup/loop" && issue.reason.find("loop") != std::string::npos) loop = true;
        if (issue.relPath == "bowl-again" || issue.relPath == "bowl") again = true;
    }
    EXPECT_TRUE(loop);
    EXPECT_TRUE(again);  // the same folder reached twice is scanned once and said so
}

TEST_F(ScanFixture, UnreadableFolderIsReportedAndItsImagesAreNotCalledMissing) {
    scan();
    store.reset();  // the unprivileged child opens the project itself
    if (::geteuid() == 0) {  // root ignores permissions: hand the tree to the user the child runs as
        for (auto it = fs::recursive_directory_iterator(dir.path()); it != fs::recursive_directory_iterator(); ++it)
            ASSERT_EQ(::lchown(it->path().c_str(), 65534, 65534), 0);
        ASSERT_EQ(::chown(dir.path().c_str(), 65534, 65534), 0);
    }
    fs::permissions(dir.path() / "cup", fs::perms::none);
    const std::string result = tessera::project::testing::runUnprivileged([&] {
        auto opened = ProjectStore::open(dir.path());
        if (!opened.ok()) return "open failed: " + opened.error();
        auto report = Scanner::scan(opened.value());
        if (!report.ok()) return "scan failed: " + report.error();
        std::string out = "unchanged=" + std::to_string(report->unchanged) +
                          " missing=" + std::to_string(report->missing);
        for (const auto& issue : report->issues) out += " | " + issue.relPath + ": " + issue.reason;
        return out;
    });
    fs::permissions(dir.path() / "cup", fs::perms::owner_all);
    EXPECT_NE(result.find("unchanged=3 missing=0"), std::string::npos) << result;
    EXPECT_NE(result.find("| cup: cannot read folder: Permission denied"), std::string::npos) << result;
}

TEST_F(ScanFixture, OptionsTurnOffFolderClassesAndLinkFollowing) {
    fs::create_symlink(dir.path() / "bowl", dir.path() / "linked");
    ScanOptions options;
    options.classesFromFolders = false;
    options.followSymlinks = false;
    options.extensions = {".jpg"};  // PNGs now count as ignored files
    const ScanReport report = scan(options);
    EXPECT_EQ(report.filesSeen, 4);
    EXPECT_EQ(report.ignored, 2);  // notes.txt, b.png
    EXPECT_EQ(report.labelsImported, 0);
    EXPECT_TRUE(store->classes().value().empty());
    ASSERT_EQ(report.issues.size(), 1u);
    EXPECT_EQ(report.issues[0].relPath, "linked");
    EXPECT_EQ(idOf("linked/a.jpg"), 0);
}

TEST_F(ScanFixture, CancelledScanStopsAndSaysSo) {
    tessera::JobContext context;
    context.cancel.cancel();
    auto report = Scanner::scan(*store, ScanOptions::defaults(), context);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_TRUE(report->cancelled);
    EXPECT_EQ(report->added, 0);
    EXPECT_EQ(store->imageCount().value(), 0);
}

// Re-scan speed of an unchanged tree: the rows are made to match the files (as if a first scan had run), so the
// scan must only walk and stat. Target in the issue: >= 20,000 files/s.
TEST(ScannerSpeed, RescanOfUnchangedTreeIsFast) {
    TempDir dir;
    constexpr int kFiles = 5000;
    std::vector<ImageRecord> rows;
    // One file per folder, hard-linked under many names: creating 5,000 inodes costs seconds on a busy disk,
    // links almost nothing, and the scanner still resolves and stats each of the 5,000 paths.
    for (int c = 0; c < 10; ++c) {
        fs::create_directories(dir.path() / ("class" + std::to_string(c)));
        std::ofstream(dir.path() / ("class" + std::to_string(c)) / "seed.bin") << 'x';
    }
    for (int i = 0; i < kFiles; ++i) {
        const std::string folder = "class" + std::to_string(i % 10);
        const std::string rel = folder + "/img" + std::to_string(i) + ".jpg";
        fs::create_hard_link(dir.path() / folder / "seed.bin", dir.path() / rel);
        ImageRecord r;
        r.relPath = rel;
        r.contentHash = "h" + std::to_string(i);
        rows.push_back(r);
    }
    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    {  // a first scan would have stored these facts; take them from one stat each
        for (auto& r : rows) {
            struct stat st {};
            ::stat((dir.path() / r.relPath).c_str(), &st);
            r.fileSize = st.st_size;
            r.mtimeNs = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        }
        ASSERT_TRUE(store->upsertImages(rows).ok());
    }
    ScanOptions options;
    options.classesFromFolders = false;
    const auto start = std::chrono::steady_clock::now();
    auto report = Scanner::scan(*store, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->unchanged, kFiles);
    EXPECT_EQ(report->added + report->updated, 0);
    const double rate = kFiles / seconds;
    std::printf("[ rescan ] %d unchanged files in %.3f s = %.0f files/s\n", kFiles, seconds, rate);
    RecordProperty("rescan_files_per_second", int(rate));
    EXPECT_GT(rate, 5000.0) << "re-scan of an unchanged tree is far too slow";  // loose: shared CI machines
}

// Names the project cannot store as text: a file name in an old encoding is reported (for the user to rename) and
// left out; a folder name that cannot be a class adds its photos unlabelled. Neither stops the scan.
TEST_F(ScanFixture, NamesThatAreNotTextAreReportedAndTheScanGoesOn) {
    writeImage(dir.path() / "cup" / "caf\xE9.jpg", 7);           // Latin-1, as an old Windows archive has it
    writeImage(dir.path() / "with\ttab" / "f.jpg", 8);
    const ScanReport report = scan();
    EXPECT_EQ(report.added, 6);  // five from the fixture and with\ttab/f.jpg
    bool namedTheFile = false, namedTheFolder = false;
    for (const auto& issue : report.issues) {
        if (issue.relPath == "cup/caf\\xE9.jpg" && issue.reason.find("not UTF-8") != std::string::npos)
            namedTheFile = true;
        if (issue.relPath == "with\\x09tab" && issue.reason.find("class name") != std::string::npos)
            namedTheFolder = true;
    }
    EXPECT_TRUE(namedTheFile);
    EXPECT_TRUE(namedTheFolder);
    EXPECT_EQ(classOf("with\ttab/f.jpg"), "");
    EXPECT_EQ(classOf("cup/c.jpg"), "cup");
}
