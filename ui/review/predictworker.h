#pragma once
// Runs learn::Predictor on a worker thread (ReviewView starts it on a thread of the project's JobRunner; each
// classification is a job there): opens the active model bundle,
// classifies a list of photos through learn::runPredictionJob (results coalesced into batches, at most ten a second,
// so the GUI stays fluid; the project's calls stored by learn::ProjectPredictionSink, as `tessera-cli predict PROJECT`
// stores them), and computes Grad-CAM overlays.
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QVector>

#include <filesystem>
#include <memory>
#include <vector>

#include "core/util/expected.h"
#include "ui/shared/jobrunner.h"

namespace tessera::project {
class ProjectStore;
struct ImageRecord;
struct PredictionRecord;
}  // namespace tessera::project

namespace tessera::learn {
class Predictor;
}

namespace tessera::ui {

struct ReviewItem {
    qint64 imageId = 0;
    QString relPath, absPath, contentHash;
    QStringList topClasses;   // best first, at most three
    QVector<float> topProbs;
    float confidence = 0.f;   // top-1 probability
    QVector<float> probabilities;  // every class, in the model's order (for "label these next")
    QString error;            // why the photo could not be classified
    int suggestRank = 0;      // 1-based place in "label these next"; 0 when not suggested
    bool nearDuplicate = false;  // suggested only to fill the list: similar to an earlier suggestion
};

// A photo of the project as a review item, without a call yet.
ReviewItem reviewItemOf(const project::ImageRecord& image, const std::filesystem::path& projectRoot);
// The review items of a run's stored calls, in their order: photos gone since and photos whose label is disputed are
// left out (a disputed label is settled by the specialists, not by accepting a call). On any thread with its own
// store: the quick model builds them on its thread and hands them over.
Expected<QVector<ReviewItem>> reviewItemsOf(const project::ProjectStore& store,
                                            const std::vector<project::PredictionRecord>& predictions);

struct PredictRequest {
    QString root;               // the project: calls on its photos are stored under the run of the open model
    QVector<ReviewItem> items;  // imageId, relPath, absPath, contentHash filled
};

class PredictWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kBatchIntervalMs = JobRunner::kProgressIntervalMs;  // results reach the GUI in the job's rhythm

    PredictWorker();
    ~PredictWorker() override;


    // Run on the worker thread (invoke queued).
    void openModel(const QString& bundlePath);
    void predict(const tessera::ui::PredictRequest& request, const Ticket& ticket);  // progress: the ticket's
    void gradCam(qint64 imageId, const QString& absPath);

signals:
    void modelOpened(bool ok, const QString& message, const QStringList& classNames);
    void results(const QVector<tessera::ui::ReviewItem>& items);
    void finished(bool ok, const QString& message);
    void gradCamReady(qint64 imageId, const QImage& overlay, const QString& caption);

private:
    std::unique_ptr<learn::Predictor> predictor_;
    QString bundle_;
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::ui::ReviewItem)
Q_DECLARE_METATYPE(tessera::ui::PredictRequest)
