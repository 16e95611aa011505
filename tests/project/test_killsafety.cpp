// A labelling process killed with SIGKILL loses nothing it was told had been committed, and leaves a sound database.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>

#include "core/project/projectstore.h"
#include "project/projecttestutil.h"

using namespace tessera::project;
using tessera::project::testing::TempDir;

TEST(ProjectStoreKillSafety, LabelsCommittedBeforeSigkillSurvive) {
    TempDir dir;
    constexpr int kImages = 3000;
    std::vector<int64_t> ids;
    int64_t classA = 0, classB = 0;
    {
        auto store = ProjectStore::open(dir.path());
        ASSERT_TRUE(store.ok()) << store.error();
        std::vector<ImageRecord> records(kImages);
        for (int i = 0; i < kImages; ++i) {
            records[i].relPath = "img" + std::to_string(i) + ".jpg";
            records[i].contentHash = std::to_string(i);
        }
        ASSERT_TRUE(store->upsertImages(records).ok());
        for (const auto& r : records) ids.push_back(r.id);
        classA = store->addClass("a").value();
        classB = store->addClass("b").value();
    }

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        auto store = ProjectStore::open(dir.path());
        if (!store.ok()) ::_exit(3);
        // Forever (the parent kills us): label image i, and only after the call returned report i as committed.
        for (int64_t n = 0;; ++n) {
            const int i = int(n % kImages);
            const int64_t cls = (n / kImages) % 2 == 0 ? classA : classB;
            if (!store->setLabel(ids[i], cls).ok()) ::_exit(4);
            if (::write(fds[1], &n, sizeof n) != sizeof n) ::_exit(5);
        }
    }
    ::close(fds[1]);
    int64_t lastCommitted = -1;
    int64_t n = 0;
    bool killed = false;
    // Read until the child has committed a good number of labels, kill it mid-stream, then drain the pipe: every
    // number it managed to write was committed before the kill.
    while (::read(fds[0], &n, sizeof n) == sizeof n) {
        lastCommitted = n;
        if (!killed && lastCommitted >= 300) {
            ::kill(child, SIGKILL);
            killed = true;
        }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    ASSERT_GE(lastCommitted, 300);
    ASSERT_LT(lastCommitted, kImages) << "child should be killed mid-way through the first pass";

    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_TRUE(store->checkIntegrity().ok()) << store->checkIntegrity().error();
    auto labels = store->classByImage();
    ASSERT_TRUE(labels.ok());
    for (int64_t k = 0; k <= lastCommitted; ++k) {
        auto it = labels->find(ids[size_t(k)]);
        ASSERT_NE(it, labels->end()) << "label " << k << " was reported committed but is gone";
        EXPECT_EQ(it->second, classA);
    }
    // At most the one call in flight at the kill may have committed without being reported.
    EXPECT_LE(int64_t(labels->size()), lastCommitted + 2);
}
