#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/util/jobcontext.h"
#include "core/util/threadpool.h"

using tessera::util::ThreadPool;

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
    ThreadPool pool(3);
    std::vector<std::atomic<int>> hits(1000);
    pool.parallelFor(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, ParallelForRethrowsTheFirstFailure) {
    ThreadPool pool(2);
    std::atomic<int> ran{0};
    EXPECT_THROW(pool.parallelFor(100,
                                  [&](size_t i) {
                                      ran.fetch_add(1);
                                      if (i == 10) throw std::runtime_error("boom");
                                  }),
                 std::runtime_error);
    EXPECT_LE(ran.load(), 100);
    // The pool is still usable afterwards.
    std::atomic<int> after{0};
    pool.parallelFor(10, [&](size_t) { after.fetch_add(1); });
    EXPECT_EQ(after.load(), 10);
}

TEST(ThreadPool, SubmitAndWaitIdle) {
    ThreadPool pool(2);
    std::atomic<int> sum{0};
    for (int i = 1; i <= 100; ++i) pool.submit([&sum, i] { sum.fetch_add(i); });
    pool.waitIdle();
    EXPECT_EQ(sum.load(), 5050);
}

TEST(ThreadPool, DestructorDrainsQueue) {
    std::atomic<int> done{0};
    {
        ThreadPool pool(1);
        for (int i = 0; i < 50; ++i) pool.submit([&done] { done.fetch_add(1); });
    }
    EXPECT_EQ(done.load(), 50);
}

TEST(CancelToken, CopiesShareTheFlag) {
    tessera::CancelToken a;
    tessera::CancelToken b = a;
    EXPECT_FALSE(b.isCancelled());
    a.cancel();
    EXPECT_TRUE(b.isCancelled());
    b.reset();
    EXPECT_FALSE(a.isCancelled());
}

TEST(CancelToken, AChildIsCancelledWithItsParentButNotTheOtherWayRound) {
    tessera::CancelToken configuration;
    tessera::CancelToken refresh = configuration.child();
    tessera::CancelToken grandchild = refresh.child();
    refresh.cancel();
    EXPECT_TRUE(refresh.isCancelled());
    EXPECT_TRUE(grandchild.isCancelled());
    EXPECT_FALSE(configuration.isCancelled());
    tessera::CancelToken next = configuration.child();
    EXPECT_FALSE(next.isCancelled());
    configuration.cancel();
    EXPECT_TRUE(next.isCancelled());
    EXPECT_TRUE(next.child().isCancelled());
}

TEST(JobContext, ReportsToCallback) {
    tessera::JobContext ctx;
    int64_t last = -1;
    ctx.onProgress = [&](const tessera::Progress& p) { last = p.done; };
    ctx.report({"scan", 7, 10, ""});
    EXPECT_EQ(last, 7);
    tessera::JobContext silent;
    silent.report({"scan", 1, 1, ""});  // no callback: must not crash
    EXPECT_FALSE(silent.cancelled());
}

// A thread count from a flag or a setting is bounded: asking for a hundred thousand threads gives the maximum,
// which still works.
TEST(ThreadPool, ThreadCountIsBounded) {
    ThreadPool pool(100000);
    EXPECT_EQ(pool.size(), unsigned(tessera::util::kMaxThreads));
    std::atomic<int> sum{0};
    pool.parallelFor(1000, [&](size_t) { sum.fetch_add(1); });
    EXPECT_EQ(sum.load(), 1000);
}
