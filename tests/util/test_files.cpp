// Whole-file reads with a size limit and atomic replacement of files: the previous version survives any failure,
// nothing is left behind, errors name the file and the system's cause.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/util/atomicfile.h"
#include "core/util/filetext.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("tessera-files-" + std::to_string(std::random_device()()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    size_t entries() const { return size_t(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};

}  // namespace

TEST(FileText, ReadsWholeFilesWithinTheLimit) {
    TempDir dir;
    const fs::path file = dir.path / "a.json";
    std::ofstream(file, std::ios::binary) << std::string("{\"a\":\0}", 7);
    auto text = readFileText(file, 7);
    ASSERT_TRUE(text.ok()) << text.error();
    EXPECT_EQ(*text, std::string("{\"a\":\0}", 7));
    auto tooLarge = readFileText(file, 6);
    ASSERT_FALSE(tooLarge.ok());
    EXPECT_NE(tooLarge.error().find("a.json"), std::string::npos) << tooLarge.error();
    EXPECT_NE(tooLarge.error().find("too large"), std::string::npos) << tooLarge.error();
    auto missing = readFileText(dir.path / "none.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("none.json"), std::string::npos);
    EXPECT_NE(missing.error().find("No such file"), std::string::npos) << missing.error();
}

TEST(AtomicFile, ReplacesTheTargetOnlyOnCommit) {
    TempDir dir;
    const fs::path target = dir.path / "labels.csv";
    std::ofstream(target) << "old";
    {
        auto out = util::AtomicFile::create(target);
        ASSERT_TRUE(out.ok()) << out.error();
        ASSERT_TRUE(out->write("new ").ok());
        ASSERT_TRUE(out->write("contents").ok());
        std::ifstream in(target);
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "old");  // not yet
        ASSERT_TRUE(out->commit().ok());
    }
    std::ifstream in(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "new contents");
    EXPECT_EQ(dir.entries(), 1u);
    EXPECT_EQ(fs::status(target).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST(AtomicFile, AFileNeverCommittedLeavesNothingBehind) {
    TempDir dir;
    const fs::path target = dir.path / "model.tessera-model";
    std::ofstream(target) << "previous";
    {
        auto out = util::AtomicFile::create(target);
        ASSERT_TRUE(out.ok());
        ASSERT_TRUE(out->write("half").ok());
    }  // e.g. an exception or an early return in the writer
    EXPECT_EQ(dir.entries(), 1u);
    {
        auto out = util::AtomicFile::create(target);
        ASSERT_TRUE(out.ok());
        std::ofstream(out->tempPath()) << "written by path";  // how LibTorch and libzip write
        const Error e = out->fail("the writer failed");
        EXPECT_NE(e.message.find("model.tessera-model"), std::string::npos) << e.message;
        EXPECT_NE(e.message.find("previous version is unchanged"), std::string::npos) << e.message;
    }
    EXPECT_EQ(dir.entries(), 1u);
    std::ifstream in(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "previous");
}

TEST(AtomicFile, PathWritersAreCommittedByPath) {
    TempDir dir;
    const fs::path target = dir.path / "last.pt";
    auto out = util::AtomicFile::create(target);
    ASSERT_TRUE(out.ok());
    const fs::path temp = out->tempPath();
    fs::remove(temp);  // a writer that replaces the file (libzip renames its own over it)
    std::ofstream(temp) << "checkpoint";
    ASSERT_TRUE(out->commit().ok());
    std::ifstream in(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "checkpoint");
    EXPECT_EQ(dir.entries(), 1u);
}

// A full disk, simulated in a child process with a file-size limit: the write fails with the system's cause, the
// previous file is intact and no temporary file is left.
TEST(AtomicFile, AFailedWriteNamesTheCauseAndKeepsThePreviousFile) {
    TempDir dir;
    const fs::path target = dir.path / "export.csv";
    std::ofstream(target) << "previous";
    const fs::path message = dir.path / "message.txt";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{1000, 1000};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        const Status st = util::writeFileAtomically(target, std::string(5000, 'x'));
        const std::string text = st.ok() ? std::string("ok") : st.error();
        std::FILE* f = std::fopen(message.c_str(), "w");
        std::fwrite(text.data(), 1, std::min<size_t>(text.size(), 900), f);
        std::fclose(f);
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    std::ifstream m(message);
    const std::string text(std::istreambuf_iterator<char>(m), {});
    EXPECT_NE(text.find("export.csv"), std::string::npos) << text;
    EXPECT_NE(text.find("File too large"), std::string::npos) << text;
    EXPECT_NE(text.find("previous version is unchanged"), std::string::npos) << text;
    std::ifstream in(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "previous");
    EXPECT_EQ(dir.entries(), 2u);  // the target and the message, no temporary file
}

TEST(AtomicFile, CopyReplacesTheTargetOrLeavesItAsItWas) {
    TempDir dir;
    const fs::path source = dir.path / "model.tessera-model", target = dir.path / "colleague.tessera-model";
    std::ofstream(source) << "model bytes";
    std::ofstream(target) << "older model";
    ASSERT_TRUE(util::copyFileAtomically(source, target).ok());
    std::ifstream in(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "model bytes");
    EXPECT_EQ(dir.entries(), 2u);

    const Status missing = util::copyFileAtomically(dir.path / "gone.tessera-model", target);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("gone.tessera-model"), std::string::npos) << missing.error();
    EXPECT_NE(missing.error().find("previous version is unchanged"), std::string::npos) << missing.error();
    std::ifstream again(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(again), {}), "model bytes");
    EXPECT_EQ(dir.entries(), 2u);  // no temporary file left
}
