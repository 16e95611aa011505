#pragma once
// Train mode: the form on the left, Start / Pause / Stop with a progress bar and ETA, the live charts, and below
// them the runs with the selected run's confusion matrix, per-class precision/recall and misclassified photos.
// Training runs on a TrainWorker in this view's own QThread; closing the view cancels and joins it.
#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include "core/train/crossvalidation.h"
#include "core/train/trainer.h"
#include "core/util/jobcontext.h"
#include "ui/train/crossvalidationdialog.h"
#include "ui/train/trainresults.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace tessera::ui {

class ProjectDocument;
class TrainForm;
class TrainingCharts;
class TrainWorker;
struct StepBatch;

class TrainView : public QWidget {
    Q_OBJECT
public:
    explicit TrainView(ProjectDocument* document, QWidget* parent = nullptr);
    ~TrainView() override;  // cancels a running training and waits for the thread

    // Starts a run with the form's options, or with `options` (tests, benchmark). False while one is running or
    // when no project is open / the options are invalid (the reason goes to the status line).
    bool startTraining();
    bool startTraining(const learn::TrainOptions& options);
    // Cross-validates the form's settings, or `recipe`, in `folds` trainings (learn::crossValidate) on the same
    // worker; Stop cancels it. At the end a CrossValidationDialog shows the figures and offers the HTML report.
    bool startCrossValidation(int folds);
    bool startCrossValidation(const learn::TrainOptions& recipe, int folds);
    CrossValidationDialog* crossValidationDialog() const { return crossValidationDialog_; }
    void setPaused(bool paused);
    void stopTraining();
    bool isTraining() const;  // a training or cross-validation job of this view is running

    void setPreviewImage(const QString& absolutePath);
    void projectChanged();  // a project was opened or closed: reload the runs

    TrainForm* form() const { return form_; }
    TrainingCharts* charts() const { return charts_; }
    TrainResults* results() const { return results_; }
    QString statusText() const;
    const learn::TrainResult& lastResult() const { return lastResult_; }

signals:
    void trainingStarted();
    void trainingFinished(bool ok, const QString& message);
    void crossValidationFinished(bool ok, const QString& message);
    void trainingPauseHeld(bool held);  // after setPaused(true): the running step finished and training holds
    void misclassifiedReady(int count);
    void selectImageRequested(qint64 imageId);
    void activeModelChanged(const QString& modelPath);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void onSteps(const StepBatch& batch);
    void onEpoch(const learn::EpochInfo& info);
    void onFinished(bool ok, const QString& error, const learn::TrainResult& result);
    void onCrossValidated(bool ok, const QString& error, const learn::CrossValidationReport& report);
    void onWorkerMessage(const QString& text);
    // Validates the options (threads: all cores but one), starts the worker thread; false with the reason shown.
    bool prepareRun(learn::TrainOptions& options);
    void askFoldsAndCrossValidate();
    void findMisclassified(const learn::TrainResult& result);
    void updateButtons();
    void showReadiness();

    ProjectDocument* document_;
    TrainForm* form_;
    TrainingCharts* charts_;
    TrainResults* results_;
    QPushButton *start_, *crossValidate_, *pause_, *stop_;
    QProgressBar* progress_;
    QLabel *status_, *eta_;
    QPointer<TrainWorker> worker_;  // on a thread of the project's JobRunner, which deletes it as the window closes
    int trainJob_ = 0;               // the running training or cross-validation in the JobRunner
    bool training_ = false;
    bool listingFinishedRun_ = false;
    bool statusIsReadiness_ = true;  // status_ shows the readiness hint, not a run's outcome
    int epochs_ = 0;
    int folds_ = 0;            // > 0 while a cross-validation runs: its member trainings
    int membersStarted_ = 0;   // of them, the ones begun (the running one included)
    learn::TrainOptions crossValidationRecipe_;
    QPointer<CrossValidationDialog> crossValidationDialog_;
    QElapsedTimer clock_;
    learn::TrainResult lastResult_;
    int misclassifiedJob_ = 0;  // the latest search for the validation photos the model got wrong
};

}  // namespace tessera::ui
