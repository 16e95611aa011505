// Two programs on one project (the GUI open while tessera-cli trains, scans or imports labels): each process has
// its own connection; writers wait for each other (busy timeout) and nothing is lost. A lock held for longer than
// the wait gives a message that names the database and says why, never a corrupt store.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <SQLiteCpp/Database.h>

#include "core/project/projectstore.h"
#include "project/projecttestutil.h"

using namespace tessera::project;
using tessera::project::testing::TempDir;

namespace {

struct Project {
    std::vector<int64_t> ids;
    int64_t classA = 0, classB = 0;
};

Project makeProject(const std::filesystem::path& root, int images) {
    Project p;
    auto store = ProjectStore::open(root);
    EXPECT_TRUE(store.ok()) << store.error();
    std::vector<ImageRecord> records(static_cast<size_t>(images));
    for (int i = 0; i < images; ++i) records[size_t(i)].relPath = "img" + std::to_string(i) + ".jpg";
    EXPECT_TRUE(store->upsertImages(records).ok());
    for (const auto& r : records) p.ids.push_back(r.id);
    p.classA = store->addClass("a").value();
    p.classB = store->addClass("b").value();
    return p;
}

// In a child process: holds SQLite's write lock on the project for `holdMs`, telling the parent through `ready`
// once it has it.
pid_t holdWriteLock(const std::filesystem::path& db, int holdMs, int ready) {
    const pid_t child = ::fork();
    if (child != 0) return child;
    try {
        SQLite::Database conn(db, SQLite::OPEN_READWRITE);
        conn.exec("BEGIN IMMEDIATE");
        conn.exec("UPDATE classes SET name = name");
        const char go = 1;
        if (::write(ready, &go, 1) != 1) ::_exit(2);
        std::this_thread::sleep_for(std::chrono::milliseconds(holdMs));
        conn.exec("COMMIT");
    } catch (...) {
        ::_exit(3);
    }
    ::_exit(0);
}

int exitStatus(pid_t child) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(TwoPrograms, InterleavedLabellingLosesNothing) {
    TempDir dir;
    constexpr int kImages = 400;
    const Project p = makeProject(dir.path(), kImages);
    // The child labels the even photos, the parent the odd ones, at the same time, one transaction per label.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto store = ProjectStore::open(dir.path());
        if (!store.ok()) ::_exit(3);
        for (int i = 0; i < kImages; i += 2)
            if (!store->setLabel(p.ids[size_t(i)], p.classA).ok()) ::_exit(4);
        ::_exit(0);
    }
    {
        auto store = ProjectStore::open(dir.path());
        ASSERT_TRUE(store.ok()) << store.error();
        for (int i = 1; i < kImages; i += 2) {
            auto st = store->setLabel(p.ids[size_t(i)], p.classB);
            ASSERT_TRUE(st.ok()) << st.error();
        }
    }
    EXPECT_EQ(exitStatus(child), 0);
    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_TRUE(store->checkIntegrity().ok());
    auto labels = store->classByImage();
    ASSERT_TRUE(labels.ok());
    ASSERT_EQ(labels->size(), size_t(kImages));
    for (int i = 0; i < kImages; ++i) EXPECT_EQ(labels->at(p.ids[size_t(i)]), i % 2 == 0 ? p.classA : p.classB);
}

TEST(TwoPrograms, AWriterWaitsForTheOthersTransaction) {
    TempDir dir;
    const Project p = makeProject(dir.path(), 10);
    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = holdWriteLock(store->databasePath(), 1000, fds[1]);
    ASSERT_GE(child, 0);
    char go = 0;
    ASSERT_EQ(::read(fds[0], &go, 1), 1);
    const auto start = std::chrono::steady_clock::now();
    auto st = store->setLabel(p.ids[0], p.classA);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(st.ok()) << st.error();
    EXPECT_GT(waited, 0.5) << "the label should have waited for the other program's commit";
    EXPECT_EQ(exitStatus(child), 0);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(TwoPrograms, ALockHeldTooLongIsExplainedAndNothingIsLost) {
    TempDir dir;
    const Project p = makeProject(dir.path(), 10);
    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    ASSERT_TRUE(store->setLabel(p.ids[1], p.classB).ok());
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = holdWriteLock(store->databasePath(), 7000, fds[1]);  // longer than the 5 s busy timeout
    ASSERT_GE(child, 0);
    char go = 0;
    ASSERT_EQ(::read(fds[0], &go, 1), 1);
    auto st = store->setLabel(p.ids[0], p.classA);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().find("project.db"), std::string::npos) << st.error();
    EXPECT_NE(st.error().find("another program"), std::string::npos) << st.error();
    EXPECT_EQ(exitStatus(child), 0);
    ::close(fds[0]);
    ::close(fds[1]);
    // Once the other program is done, the same call works, and the earlier label is still there.
    ASSERT_TRUE(store->setLabel(p.ids[0], p.classA).ok());
    auto labels = store->classByImage();
    ASSERT_TRUE(labels.ok());
    EXPECT_EQ(labels->at(p.ids[0]), p.classA);
    EXPECT_EQ(labels->at(p.ids[1]), p.classB);
}

TEST(TwoPrograms, ReadsInOneSnapshotDoNotSeeACommitMadeBetweenThem) {
    TempDir dir;
    const Project p = makeProject(dir.path(), 4);
    auto reader = ProjectStore::open(dir.path(), false);
    auto writer = ProjectStore::open(dir.path(), false);  // the other program: a connection of its own
    ASSERT_TRUE(reader.ok() && writer.ok());
    size_t classesSeen = 0, labelsSeen = 0;
    const tessera::Status st = reader->readConsistently([&]() -> tessera::Status {
        classesSeen = reader->classes().value().size();
        // The other program adds a class and labels a photo with it while this one is between two reads.
        auto added = writer->addClass("c");
        EXPECT_TRUE(added.ok()) << added.error();
        EXPECT_TRUE(writer->setLabel(p.ids[0], *added).ok());
        labelsSeen = reader->labels().value().size();
        return {};
    });
    ASSERT_TRUE(st.ok()) << st.error();
    EXPECT_EQ(classesSeen, 2u);
    EXPECT_EQ(labelsSeen, 0u) << "the label names a class the first read did not see";
    // Afterwards the reader sees the commit, and an error from the reads comes back as it is.
    EXPECT_EQ(reader->labels().value().size(), 1u);
    EXPECT_EQ(reader->classes().value().size(), 3u);
    const tessera::Status failed =
        reader->readConsistently([]() -> tessera::Status { return tessera::makeError("stopped"); });
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error(), "stopped");
    EXPECT_TRUE(writer->setLabel(p.ids[1], p.classA).ok()) << "no transaction is left open";
    // labelSnapshot: the three reads training, statistics and exports start from, in one such transaction.
    auto snapshot = reader->labelSnapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error();
    EXPECT_EQ(snapshot->images.size(), 4u);
    EXPECT_EQ(snapshot->classes.size(), 3u);
    EXPECT_EQ(snapshot->labels.size(), 2u);
    EXPECT_EQ(snapshot->classByImage().at(p.ids[1]), p.classA);
    EXPECT_TRUE(snapshot->disputedImages().empty());
}
