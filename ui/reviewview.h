#pragma once
// Review mode: classify the project's unlabelled photos (or a folder of new finds inside the project) with the
// active model, then go through the calls least certain first: Enter accepts the prediction as the label (marked
// as an accepted prediction in the store), 1-9 corrects it, Space skips; all through the undo stack. A Grad-CAM
// overlay shows what drove a call; the predictions export to CSV.
#include <QFutureWatcher>
#include <QImage>
#include <QThread>
#include <QWidget>

#include "ui/predictworker.h"

class QCheckBox;
class QLabel;
class QListView;
class QProgressBar;
class QPushButton;
class QSlider;

namespace tessera::ui {

class ProjectDocument;
class ReviewModel;
class ThumbnailProvider;

class ReviewView : public QWidget {
    Q_OBJECT
public:
    ReviewView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent = nullptr);
    ~ReviewView() override;  // cancels and joins the prediction thread

    // The store's active model (bundle path relative to <root>/.tessera); empty when none.
    QString activeModelPath() const;
    void reloadModel();  // (re)open the active model on the worker
    bool hasModel() const { return modelOk_; }

    bool predictUnlabelled();                        // false when no model or busy
    bool predictFolder(const QString& folder, QString* why = nullptr);  // must lie inside the project
    void cancelPrediction();
    bool isPredicting() const { return predicting_; }
    void shutdown();

    // The keyboard actions on the current row (also reachable from tests).
    bool acceptCurrent();
    bool correctCurrent(int key);
    void skipCurrent();
    bool exportCsv(const QString& file, QString* error = nullptr) const;
    // Active learning: the photos whose labels would teach the model most (the two best classes closest), first.
    int suggestNext(int count = 20);
    void setShowGradCam(bool on);

    ReviewModel* model() const { return model_; }
    QListView* listView() const { return list_; }
    void setCurrentRow(int row);
    int currentRow() const;
    bool gradCamShown() const { return !gradCam_.isNull(); }

signals:
    void modelReady(bool ok);
    void predictionFinished(bool ok, const QString& message);
    void gradCamUpdated();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void startPrediction(QVector<ReviewItem> items);
    void onCurrentChanged();
    void showImage();
    void updateButtons();
    void moveToNext();
    qint64 runIdForModel(const QString& modelPath) const;

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    ReviewModel* model_;
    QListView* list_;
    QLabel *modelLabel_, *status_, *image_, *facts_, *thresholdLabel_;
    QPushButton *predictUnlabelled_, *predictFolder_, *cancel_, *export_, *suggest_;
    QProgressBar* progress_;
    QSlider* threshold_;
    QCheckBox* gradCamToggle_;
    QThread thread_;
    PredictWorker* worker_ = nullptr;
    bool modelOk_ = false;
    bool predicting_ = false;
    QStringList classNames_;
    QFutureWatcher<QImage> photo_;
    QImage photoImage_, gradCam_;
    qint64 shownId_ = 0;
    QString pendingFolder_;
};

}  // namespace tessera::ui
