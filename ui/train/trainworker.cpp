#include "ui/train/trainworker.h"

#include <chrono>

namespace tessera::ui {

// Collects steps on the trainer's thread and hands them over in batches; epochs and messages go at once (rare).
class TrainWorker::Observer : public learn::TrainObserver {
public:
    explicit Observer(TrainWorker* worker) : worker_(worker) {}

    void onStep(const learn::StepInfo& s) override {
        const double per = std::max(1, s.stepsPerEpoch);
        pending_.x << s.epoch + double(s.step + 1) / per;
        pending_.loss << s.loss;
        pending_.lr << s.lr;
        pending_.imagesPerSecond << s.imagesPerSecond;
        pending_.epoch = s.epoch;
        pending_.step = s.step;
        pending_.stepsPerEpoch = s.stepsPerEpoch;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ >= std::chrono::milliseconds(kStepIntervalMs)) flush(now);
    }
    void onEpoch(const learn::EpochInfo& e) override {
        flush(std::chrono::steady_clock::now());
        emit worker_->epoch(e);
    }
    void onMessage(const std::string& text) override { emit worker_->message(QString::fromStdString(text)); }
    void onPauseHeld(bool held) override {
        if (held) flush(std::chrono::steady_clock::now());  // the steps before the pause arrive before it
        emit worker_->pauseHeld(held);
    }

    void flush(std::chrono::steady_clock::time_point now) {
        last_ = now;
        if (pending_.x.isEmpty()) return;
        emit worker_->steps(pending_);
        pending_ = StepBatch{};
    }

private:
    TrainWorker* worker_;
    StepBatch pending_;
    std::chrono::steady_clock::time_point last_{};
};

TrainWorker::TrainWorker() {
    qRegisterMetaType<learn::EpochInfo>();
    qRegisterMetaType<learn::TrainResult>();
    qRegisterMetaType<learn::CrossValidationReport>();
    qRegisterMetaType<StepBatch>();
}

void TrainWorker::setPaused(bool paused) {
    paused_ = paused;
    std::lock_guard<std::mutex> lock(trainerMutex_);
    if (trainer_) trainer_->setPaused(paused);
}

void TrainWorker::train(const QString& projectRoot, const learn::TrainOptions& options, const Ticket& ticket) {
    learn::Trainer trainer(options);
    {
        std::lock_guard<std::mutex> lock(trainerMutex_);
        trainer_ = &trainer;
        trainer.setPaused(paused_.load());
    }
    Observer observer(this);
    auto result = trainer.train(projectRoot.toStdString(), &observer, ticket->context());
    observer.flush(std::chrono::steady_clock::now());
    {
        std::lock_guard<std::mutex> lock(trainerMutex_);
        trainer_ = nullptr;
    }
    paused_ = false;
    if (result.ok()) emit finished(true, QString(), *result);
    else emit finished(false, QString::fromStdString(result.error()), learn::TrainResult{});
    ticket->finish();
}

void TrainWorker::crossValidate(const QString& projectRoot, const learn::TrainOptions& recipe, int folds,
                                const Ticket& ticket) {
    Observer observer(this);
    learn::CrossValidationOptions options;
    options.folds = folds;
    auto report = learn::crossValidate(projectRoot.toStdString(), recipe, options, &observer, ticket->context());
    observer.flush(std::chrono::steady_clock::now());
    if (report.ok()) emit crossValidated(true, QString(), *report);
    else emit crossValidated(false, QString::fromStdString(report.error()), learn::CrossValidationReport{});
    ticket->finish();
}

}  // namespace tessera::ui
