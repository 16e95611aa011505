#include "ui/shared/jobrunner.h"

#include <QThread>

#include <algorithm>

namespace tessera::ui {

JobTicket::JobTicket(JobRunner* runner, int id, CancelToken cancel) : runner_(runner), id_(id) {
    context_.cancel = std::move(cancel);
    context_.onProgress = [runner, id](const Progress& p) { runner->report(id, p); };
}

void JobTicket::finish() {
    std::call_once(finished_, [this] { runner_->end(id_); });
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    qRegisterMetaType<Progress>();
    // Long jobs (a scan, the map) must not hold up a photo decode: more threads than cores, each job mostly waits on
    // its own core workers or on the disk.
    pool_.setMaxThreadCount(std::max(8, QThread::idealThreadCount()));
}

JobRunner::~JobRunner() { stop(); }

Ticket JobRunner::begin(const QString& name, CancelToken cancel, Listing listing) {
    int id = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        id = nextId_++;
        Entry entry;
        entry.status.id = id;
        entry.status.name = name;
        entry.cancel = cancel;
        entry.listing = listing;
        jobs_.emplace(id, std::move(entry));
    }
    if (stopped_) cancel.cancel();  // a job asked for while the window closes ends at its first check
    if (listing == Listing::Shown) emit jobsChanged();
    return Ticket(new JobTicket(this, id, std::move(cancel)));
}

void JobRunner::report(int id, const Progress& progress) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        const auto now = std::chrono::steady_clock::now();
        const bool last = progress.total > 0 && progress.done >= progress.total;
        if (!last && now - it->second.lastReport < std::chrono::milliseconds(kProgressIntervalMs)) return;
        it->second.lastReport = now;
        it->second.status.progress = progress;
    }
    // Posted before the job's result and its end (a job reports before it returns), so they arrive in that order,
    // also when the job has ended by the time the GUI thread gets to it.
    QMetaObject::invokeMethod(this, [this, id, progress] { emit progressed(id, progress); }, Qt::QueuedConnection);
}

void JobRunner::end(int id) {
    bool shown = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        shown = it->second.listing == Listing::Shown;
        jobs_.erase(it);
    }
    allEnded_.notify_all();
    QMetaObject::invokeMethod(
        this,
        [this, id, shown] {
            emit finished(id);
            if (shown) emit jobsChanged();
        },
        Qt::QueuedConnection);
}

QVector<JobStatus> JobRunner::jobs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    QVector<JobStatus> shown;
    for (const auto& [id, entry] : jobs_)
        if (entry.listing == Listing::Shown) shown.push_back(entry.status);
    return shown;
}

bool JobRunner::isRunning(int id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return jobs_.count(id) > 0;
}

void JobRunner::cancel(int id) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = jobs_.find(id); it != jobs_.end()) it->second.cancel.cancel();
}

void JobRunner::cancelAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, entry] : jobs_) entry.cancel.cancel();
}

void JobRunner::cancelAllAndWait() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (auto& [id, entry] : jobs_) entry.cancel.cancel();
    // A job that begins while we wait (a worker's queued call) is cancelled too before it is waited for.
    allEnded_.wait(lock, [this] {
        for (auto& [id, entry] : jobs_) entry.cancel.cancel();
        return jobs_.empty();
    });
}

void JobRunner::stop() {
    stopped_ = true;
    cancelAllAndWait();
    pool_.waitForDone();
    for (QThread* thread : threads_) {
        thread->quit();
        thread->wait();
        delete thread;
    }
    threads_.clear();
}

void JobRunner::startWorkerThread(QObject* worker, const QString& threadName) {
    auto* thread = new QThread;
    thread->setObjectName(threadName);
    worker->moveToThread(thread);
    // Deleted on its own thread as the thread ends: its timers and children belong to that thread.
    connect(thread, &QThread::finished, worker, &QObject::deleteLater);
    thread->start();
    threads_.push_back(thread);
}

}  // namespace tessera::ui
