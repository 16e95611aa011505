#pragma once
// The "train with clicks" quick model (learn::QuickModel) on a worker thread: ReviewView moves it to its own
// QThread and forwards label changes; the worker debounces them, refreshes the linear head one refresh at a time,
// rewrites ONE "quick model" prediction run in the store and reports stats and "label these next" suggestions.
#include <QDateTime>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <memory>

#include "core/project/projectstore.h"
#include "core/util/jobcontext.h"
#include "ui/review/predictworker.h"
#include "ui/shared/jobrunner.h"

class QTimer;

namespace tessera::learn {
class QuickModel;
}

namespace tessera::ui {

// The network whose features the quick model and the map use: the core's choice (learn::chooseFeatureSource of the
// active trained bundle), with the words for a status line. An empty path when there is neither a trained model nor
// ImageNet weights in the cache.
struct Backbone {
    QString path;
    QString label;  // "features of the trained model run-3", "ImageNet resnet18 features"
};
Backbone chooseBackbone(const QString& bundle);

struct QuickSuggestionItem {
    qint64 imageId = 0;
    double uncertainty = 0.0;
    bool nearDuplicate = false;  // only there to fill the list: similar to an earlier suggestion
};

struct QuickModelResult {
    QString root;              // the project it belongs to (results of a closed project are ignored)
    bool ok = false;           // predictions were refreshed and stored
    QString message;           // one status line for the Review mode
    qint64 runId = 0;          // the rewritten "quick model" run; 0 when nothing was stored
    // Its rows as stored, read back on the worker thread: the views take them instead of re-reading the store.
    std::shared_ptr<const std::vector<project::PredictionRecord>> predictions;
    std::shared_ptr<const QVector<ReviewItem>> reviewItems;  // and as Review lists them (reviewItemsOf)
    qint64 labelled = 0, predicted = 0, embedded = 0, skipped = 0;
    double seconds = 0.0;      // embedding + head training + prediction
    QString backbone;          // the features the head sits on ("ImageNet resnet18 features"); empty without one
    QDateTime finishedAt;      // when this refresh ended
    QVector<QuickSuggestionItem> suggestions;  // most informative first
    // The label check asked for by checkLabels(), run right after this refresh on the same features:
    QString labelCheckMessage;  // its one line, also why it could not run; empty when none was asked for
    bool labelsChecked = false;  // it ran and its flags replaced the project's (ProjectStore::replaceLabelIssues)
};

class QuickModelWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 1000;  // a burst of key presses gives one refresh
    static constexpr int kSuggestions = 20;
    static constexpr const char* kRunSetting = "quick_model_run";  // store setting: the run the GUI rewrites
    static constexpr int kLabelCheckFolds = 5;

    // Each refresh is a job of `jobs` (the project document's runner), cancelled with the configuration's token or alone.
    explicit QuickModelWorker(JobRunner* jobs);
    ~QuickModelWorker() override;

    // Run on the worker thread (invoke queued). configure() drops the model when the project or the trained
    // bundle changed and refreshes soon; an empty root stops all work. `cancel` aborts refreshes of this
    // configuration (the GUI cancels it before configuring again and on shutdown).
    void configure(const QString& root, const QString& bundlePath, tessera::CancelToken cancel);
    void labelsChanged();  // (re)starts the debounce timer; changes during a refresh give one more refresh after it
    // Refreshes now, then checks the labels (learn::checkLabels, kLabelCheckFolds folds) and stores the flags; the
    // outcome comes with that refresh's result.
    void checkLabels();
    // Pretrained weights entered the cache: without a trained model the backbone may now exist (or a preferred one
    // did appear), so the network is chosen again and a refresh follows at once rather than after the next label.
    void weightsChanged();

signals:
    void refreshStarted(const QString& root, int job);  // its progress comes through JobRunner::progressed(job)
    void refreshed(const tessera::ui::QuickModelResult& result);

private:
    void refresh();
    bool ensureModel(QString* why);
    qint64 storePredictions(project::ProjectStore& store, QString* error);  // returns the run id, 0 on failure
    qint64 clearStoredPredictions(project::ProjectStore& store);          // returns the emptied run, 0 for none
    void runLabelCheck(project::ProjectStore& store, QuickModelResult& result, const JobContext& context);

    JobRunner* jobs_;
    QTimer* debounce_;
    QString root_, bundle_;
    CancelToken cancel_;
    std::unique_ptr<learn::QuickModel> model_;
    QString backboneName_;
    QString backbonePath_;  // the file model_ was opened on
    bool checkRequested_ = false;
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::ui::QuickModelResult)
