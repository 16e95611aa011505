#pragma once
// Runs learn::Trainer (or a cross-validation of its recipe) on a worker thread (TrainView starts it on a thread of the
// project's JobRunner; each run is a job there, cancelled through the runner). The trainer's observer callbacks
// become queued signals: steps are coalesced and sent at most kStepIntervalMs apart, so the GUI thread spends a few
// milliseconds per second on them however fast the network runs. Pause is thread-safe.
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <mutex>

#include "core/train/trainer.h"
#include "ui/shared/jobrunner.h"
#include "ui/train/learnmetatypes.h"

namespace tessera::ui {

// One coalesced batch of steps: x is the fractional epoch (epoch + step / stepsPerEpoch).
struct StepBatch {
    QVector<double> x, loss, lr, imagesPerSecond;
    int epoch = 0, step = 0, stepsPerEpoch = 0;
};

class TrainWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kStepIntervalMs = 50;  // at most 20 step updates per second reach the GUI

    TrainWorker();

    // Thread-safe; called from the GUI thread.
    void setPaused(bool paused);
    bool isPaused() const { return paused_.load(); }

    // Runs on the worker thread (invoke it queued) as the job of `ticket`, whose token cancels it. Emits
    // steps/epochs/messages, then finished, then ends the job.
    void train(const QString& projectRoot, const tessera::learn::TrainOptions& options, const Ticket& ticket);
    // Cross-validates the recipe (learn::crossValidate) on the worker thread: every member run's steps, epochs and
    // messages as for train(), then crossValidated. Cancel works; pause does not apply.
    void crossValidate(const QString& projectRoot, const tessera::learn::TrainOptions& recipe, int folds,
                       const Ticket& ticket);

signals:
    void steps(const tessera::ui::StepBatch& batch);
    void epoch(const tessera::learn::EpochInfo& info);
    void message(const QString& text);
    void pauseHeld(bool held);  // the loop holds between steps (every step before it was sent) / goes on
    void finished(bool ok, const QString& error, const tessera::learn::TrainResult& result);
    void crossValidated(bool ok, const QString& error, const tessera::learn::CrossValidationReport& report);

private:
    class Observer;

    std::atomic<bool> paused_{false};
    std::mutex trainerMutex_;               // guards trainer_ against the end of train()
    tessera::learn::Trainer* trainer_ = nullptr;
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::ui::StepBatch)
