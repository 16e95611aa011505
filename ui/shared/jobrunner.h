#pragma once
// Every background job of the GUI has one owner: the JobRunner of the ProjectDocument (Qt Creator's asyncRun plus
// ProgressManager are the model). A job is registered with a name, gets a cancel token and a JobContext whose
// progress reaches the GUI at most every kProgressIntervalMs (the one throttle), is listed in the status bar while
// it runs and can be cancelled there. Closing a project cancels every job and waits for it; closing the window also
// stops the long-lived worker threads.
//
// Two shapes of job:
// - run(): a function of a JobContext on the runner's thread pool, its result handed to a GUI-thread callback
//   (scan, statistics, map, exports, downloads, photo decodes);
// - begin(): a ticket for a job that runs on a long-lived worker QObject (training, the trained model's
//   predictions, the quick model), which keeps state between jobs on a thread from startWorkerThread().
// The GUI thread never waits on a job except in cancelAllAndWait() and stop(), after cancelling it.
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>
#include <QVector>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "core/util/jobcontext.h"

class QThread;

namespace tessera::ui {

class JobRunner;

// One running job as the status bar lists it.
struct JobStatus {
    int id = 0;
    QString name;  // what the user sees: "Training", "Scanning the folder"
    Progress progress;
};

// What a job's code holds while it runs, on any thread. finish() is thread-safe and idempotent; the destructor
// calls it, so a ticket dropped with a cancelled queued call still ends its job.
class JobTicket {
public:
    JobTicket(const JobTicket&) = delete;
    JobTicket& operator=(const JobTicket&) = delete;
    ~JobTicket() { finish(); }

    int id() const { return id_; }
    // The context for the core call: its progress goes to the runner (throttled), its token is the job's.
    const JobContext& context() const { return context_; }
    const CancelToken& cancelToken() const { return context_.cancel; }
    bool cancelled() const { return context_.cancelled(); }
    void finish();

private:
    friend class JobRunner;
    JobTicket(JobRunner* runner, int id, CancelToken cancel);

    JobRunner* runner_;
    int id_;
    JobContext context_;
    std::once_flag finished_;
};
using Ticket = std::shared_ptr<JobTicket>;

class JobRunner : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressIntervalMs = 100;  // at most ten progress reports a second reach the GUI per job
    enum class Listing { Shown, Hidden };  // Hidden: short display work (a photo decode) the status bar leaves out

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;  // stop()

    // Registers a job. `cancel` is the token the job's code checks (a fresh one when left out); the ticket's context
    // carries it.
    Ticket begin(const QString& name, CancelToken cancel = {}, Listing listing = Listing::Shown);

    // Runs `work(const JobContext&)` on the runner's pool as a job named `name`; then `done(result)` on the GUI thread,
    // unless `receiver` was destroyed or the runner stopped meanwhile. Returns the job's ticket (to cancel it).
    template <class Work, class Done>
    Ticket run(const QString& name, QObject* receiver, Work work, Done done, Listing listing = Listing::Shown,
               CancelToken cancel = {}) {
        Ticket ticket = begin(name, std::move(cancel), listing);
        QPointer<QObject> guard(receiver);
        pool_.start([this, ticket, guard, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work(ticket->context());
            // Posted before the job ends: the runner outlives every unfinished job, so `this` is still there.
            QMetaObject::invokeMethod(
                this,
                [this, guard, done = std::move(done), result = std::move(result)]() mutable {
                    if (guard && !stopped_) done(std::move(result));
                },
                Qt::QueuedConnection);
            ticket->finish();
        });
        return ticket;
    }

    // A thread for a long-lived worker QObject: `worker` is moved to it and deleted on it when the thread ends
    // (in stop()). The worker's jobs take tickets from begin().
    void startWorkerThread(QObject* worker, const QString& threadName);

    QVector<JobStatus> jobs() const;  // the shown jobs, oldest first
    bool isRunning(int id) const;
    void cancel(int id);
    void cancelAll();
    // Cancels every job and waits until each has finished (closing a project). Worker threads keep running.
    void cancelAllAndWait();
    // cancelAllAndWait(), then every worker thread quits and is joined (closing the window). No callback runs after.
    void stop();

signals:
    void jobsChanged();  // a job began or ended (the status bar's list)
    void progressed(int id, const tessera::Progress& progress);  // throttled: at most every kProgressIntervalMs
    void finished(int id);

private:
    friend class JobTicket;
    struct Entry {
        JobStatus status;
        CancelToken cancel;
        Listing listing = Listing::Shown;
        std::chrono::steady_clock::time_point lastReport{};
    };
    void report(int id, const Progress& progress);  // any thread
    void end(int id);                               // any thread

    mutable std::mutex mutex_;
    std::condition_variable allEnded_;
    std::map<int, Entry> jobs_;  // guarded by mutex_
    int nextId_ = 1;             // guarded by mutex_
    std::atomic<bool> stopped_{false};  // set by stop(); read by begin() on any thread
    QThreadPool pool_;
    QVector<QThread*> threads_;
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::Progress)
