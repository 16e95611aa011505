// The one owner of the GUI's background work (ui/shared/jobrunner.h): results on the GUI thread, progress throttled
// in one place, cancel and wait on closing a project, worker threads joined on closing the window, and the status
// bar's list of running jobs.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/ui/uitestsupport.h"
#include "ui/shared/jobrunner.h"
#include "ui/shared/jobsindicator.h"
#include "ui/shared/projectdocument.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

// Runs until cancelled (or 20 s), then reports that it saw the cancel.
bool spinUntilCancelled(const JobContext& context) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!context.cancelled() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return context.cancelled();
}

}  // namespace

TEST(UiJobRunner, RunsOffTheGuiThreadAndHandsTheResultBackOnIt) {
    uitest::ensureApplication();
    JobRunner jobs;
    QObject receiver;
    QSignalSpy changed(&jobs, &JobRunner::jobsChanged);
    Qt::HANDLE workThread = nullptr, doneThread = nullptr;
    int result = 0;
    jobs.run(
        QStringLiteral("Adding"), &receiver,
        [&workThread](const JobContext&) {
            workThread = QThread::currentThreadId();
            return 40 + 2;
        },
        [&](int value) {
            doneThread = QThread::currentThreadId();
            result = value;
        });
    ASSERT_TRUE(QTest::qWaitFor([&] { return result != 0; }, 10000));
    EXPECT_EQ(result, 42);
    EXPECT_EQ(doneThread, QThread::currentThreadId());
    EXPECT_NE(workThread, QThread::currentThreadId());
    ASSERT_TRUE(QTest::qWaitFor([&] { return jobs.jobs().isEmpty() && changed.size() >= 2; }, 10000))
        << "a shown job is listed while it runs and leaves the list when it ends";
}

TEST(UiJobRunner, ThrottlesProgressInOnePlaceAndAlwaysDeliversTheLastReport) {
    uitest::ensureApplication();
    JobRunner jobs;
    QObject receiver;
    QSignalSpy progressed(&jobs, &JobRunner::progressed);
    bool done = false;
    constexpr int kReports = 20000;
    jobs.run(
        QStringLiteral("Counting"), &receiver,
        [](const JobContext& context) {
            for (int i = 1; i <= kReports; ++i) context.report({"count", i, kReports});
            return true;
        },
        [&done](bool) { done = true; });
    ASSERT_TRUE(QTest::qWaitFor([&] { return done; }, 10000));
    QTest::qWait(50);  // the progress posted before the result
    ASSERT_GE(progressed.size(), 1);
    EXPECT_LT(progressed.size(), 50) << "20,000 reports in well under a second must reach the GUI a few times only";
    const auto last = progressed.last().at(1).value<Progress>();
    EXPECT_EQ(last.done, kReports) << "the final report is never throttled away";
}

TEST(UiJobRunner, CancelAllAndWaitReturnsOnlyAfterEveryJobHasEnded) {
    uitest::ensureApplication();
    JobRunner jobs;
    QObject receiver;
    std::atomic<int> ended{0};
    std::atomic<bool> sawCancel{true};
    auto work = [&](const JobContext& context) {
        const bool cancelled = spinUntilCancelled(context);
        sawCancel = sawCancel && cancelled;
        ++ended;
        return cancelled;
    };
    for (int i = 0; i < 3; ++i) jobs.run(QStringLiteral("Waiting"), &receiver, work, [](bool) {});
    // A job on a long-lived worker thread, the shape training and prediction have.
    QObject* worker = new QObject;
    jobs.startWorkerThread(worker, QStringLiteral("test-worker"));
    const Ticket ticket = jobs.begin(QStringLiteral("Worker job"));
    QMetaObject::invokeMethod(
        worker,
        [ticket, &ended, &sawCancel] {
            sawCancel = sawCancel && spinUntilCancelled(ticket->context());
            ++ended;
            ticket->finish();
        },
        Qt::QueuedConnection);
    ASSERT_TRUE(QTest::qWaitFor([&] { return jobs.jobs().size() == 4; }, 10000));
    jobs.cancelAllAndWait();
    EXPECT_EQ(ended.load(), 4);
    EXPECT_TRUE(sawCancel.load());
    EXPECT_TRUE(jobs.jobs().isEmpty());
}

TEST(UiJobRunner, NoResultReachesADestroyedReceiverOrAStoppedRunner) {
    uitest::ensureApplication();
    JobRunner jobs;
    bool delivered = false;
    {
        QObject receiver;
        jobs.run(QStringLiteral("Late"), &receiver, spinUntilCancelled, [&delivered](bool) { delivered = true; });
        jobs.cancelAll();
        jobs.cancelAllAndWait();
    }  // the receiver is gone before the result is handed over
    QTest::qWait(100);
    EXPECT_FALSE(delivered);

    QObject receiver;
    jobs.run(QStringLiteral("After stop"), &receiver, spinUntilCancelled, [&delivered](bool) { delivered = true; });
    jobs.stop();
    QTest::qWait(100);
    EXPECT_FALSE(delivered) << "closing the window: no callback runs after stop()";
}

TEST(UiJobRunner, StopJoinsTheWorkerThreadsAndDeletesTheirWorkers) {
    uitest::ensureApplication();
    JobRunner jobs;
    QPointer<QObject> worker = new QObject;
    jobs.startWorkerThread(worker, QStringLiteral("test-worker"));
    ASSERT_NE(worker->thread(), QThread::currentThread());
    jobs.stop();
    EXPECT_TRUE(worker.isNull());
}

TEST(UiJobRunner, ATicketDroppedUnfinishedEndsItsJob) {
    uitest::ensureApplication();
    JobRunner jobs;
    Ticket ticket = jobs.begin(QStringLiteral("Dropped"));
    const int id = ticket->id();
    EXPECT_TRUE(jobs.isRunning(id));
    ticket.reset();  // e.g. a queued call destroyed with its thread's event queue
    EXPECT_FALSE(jobs.isRunning(id));
    jobs.cancelAllAndWait();  // returns at once
}

TEST(UiJobRunner, TheStatusBarListsRunningJobsAndCancelsThem) {
    uitest::ensureApplication();
    JobRunner jobs;
    JobsIndicator indicator(&jobs);
    EXPECT_TRUE(indicator.isHidden()) << "nothing runs: nothing to show";
    Ticket ticket = jobs.begin(QStringLiteral("Training"));
    ticket->context().report({"train", 1, 4});
    ASSERT_TRUE(QTest::qWaitFor([&] { return indicator.text() == QStringLiteral("Training 25 %"); }, 5000))
        << indicator.text().toStdString();
    EXPECT_FALSE(indicator.isHidden());
    const Ticket second = jobs.begin(QStringLiteral("Scanning the folder"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return indicator.text().startsWith(QStringLiteral("2 jobs:")); }, 5000));
    jobs.cancel(ticket->id());
    EXPECT_TRUE(ticket->cancelled());
    EXPECT_FALSE(second->cancelled());
    ticket->finish();
    second->finish();
    ASSERT_TRUE(QTest::qWaitFor([&] { return indicator.isHidden(); }, 5000));
}

TEST(UiJobRunner, ClosingAProjectDuringAScanCancelsItAndWaits) {
    uitest::ensureApplication();
    uitest::TempDir dir("jobrunner-close");
    uitest::writeSmallProject(dir.path());
    ProjectDocument document;
    ASSERT_TRUE(document.open(QString::fromStdString(dir.path().string())));
    QSignalSpy finished(&document, &ProjectDocument::scanFinished);
    document.startScan();
    EXPECT_TRUE(document.isScanning());
    document.close();  // must not crash or hang; the scan's result belongs to a closed project
    EXPECT_FALSE(document.isScanning());
    EXPECT_TRUE(document.jobs().jobs().isEmpty());
    QTest::qWait(200);
    EXPECT_TRUE(finished.isEmpty()) << "no outcome of a closed project's scan";

    ASSERT_TRUE(document.open(QString::fromStdString(dir.path().string())));  // and it opens again, whole
    document.startScan();
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_TRUE(finished.first().at(0).toBool()) << finished.first().at(1).toString().toStdString();
}
