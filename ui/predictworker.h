#pragma once
// Runs learn::Predictor on a worker thread (ReviewView moves it to its own QThread): opens the active model bundle,
// classifies a list of photos (results coalesced into batches, at most ten a second, so the GUI stays fluid),
// stores the predictions under the model's run with the worker's own ProjectStore, and computes Grad-CAM overlays.
#include <QHash>
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QVector>

#include <memory>

#include "core/util/jobcontext.h"

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

struct PredictRequest {
    QString root;
    QVector<ReviewItem> items;  // imageId, relPath, absPath, contentHash filled
    qint64 runId = 0;           // predictions are stored under this run; 0: not stored
    QHash<QString, qint64> classIdByName;
};

class PredictWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kBatchIntervalMs = 100;

    PredictWorker();
    ~PredictWorker() override;

    void cancel() { cancel_.cancel(); }  // thread-safe

    // Run on the worker thread (invoke queued).
    void openModel(const QString& bundlePath);
    void predict(const tessera::ui::PredictRequest& request);
    void gradCam(qint64 imageId, const QString& absPath);

signals:
    void modelOpened(bool ok, const QString& message, const QStringList& classNames);
    void progress(qint64 done, qint64 total);
    void results(const QVector<tessera::ui::ReviewItem>& items);
    void finished(bool ok, const QString& message);
    void gradCamReady(qint64 imageId, const QImage& overlay, const QString& caption);

private:
    std::unique_ptr<learn::Predictor> predictor_;
    QString bundle_;
    CancelToken cancel_;
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::ui::ReviewItem)
Q_DECLARE_METATYPE(tessera::ui::PredictRequest)
