#pragma once
// Review mode: go through calls on the unlabelled photos least certain first: Enter accepts the prediction as the
// label (marked as an accepted prediction in the store), 1-9 corrects it, Space skips; all through the undo stack.
// Two sources: the quick model (a linear head on cached embeddings, retrained on a QuickModelWorker thread about a
// second after labels change, so its calls follow the labelling) or the active trained model (classify the
// unlabelled photos or a folder of new finds; a Grad-CAM overlay shows what drove a call). CSV export of the calls.
// A third source is the label check's queue of possibly mislabelled photos (LabelCheckView), run on the quick model.
#include <QImage>
#include <QPointer>
#include <QWidget>

#include "ui/review/predictworker.h"
#include "ui/review/quickmodelworker.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListView;
class QProgressBar;
class QPushButton;
class QSlider;
class QStackedWidget;

namespace tessera::ui {

class ProjectDocument;
class LabelCheckView;
class ReviewModel;
class ThumbnailProvider;

class ReviewView : public QWidget {
    Q_OBJECT
public:
    ReviewView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent = nullptr);
    ~ReviewView() override;  // cancels and joins the prediction and quick-model threads

    enum class Source { QuickModel, TrainedModel, PossiblyMislabelled };
    Source source() const;
    void setSource(Source source);

    // The store's active model (bundle path relative to <root>/.tessera); empty when none.
    QString activeModelPath() const;
    void reloadModel();  // (re)open the active model on the worker
    bool hasModel() const { return modelOk_; }

    bool predictUnlabelled();                        // false when no model or busy
    bool predictFolder(const QString& folder, QString* why = nullptr);  // must lie inside the project
    void cancelPrediction();
    bool isPredicting() const { return predicting_; }

    // The keyboard actions on the current row (also reachable from tests).
    bool acceptCurrent();
    bool correctCurrent(int key);
    void skipCurrent();
    bool exportCsv(const QString& file, QString* error = nullptr) const;
    // Active learning: the photos whose labels would teach the model most (the two best classes closest), first.
    int suggestNext(int count = 20);
    void setShowGradCam(bool on);
    // Asks for "label these next" to be selected in the Dataset grid (MainWindow switches mode).
    bool selectSuggestedInDataset();

    // The quick model: its last result (suggestions of the last refresh) and whether a refresh runs now.
    const QuickModelResult& quickResult() const { return quick_; }
    bool isQuickRefreshing() const { return quickRefreshing_; }
    QString statusText() const;
    // The line above the buttons: the quick model (its backbone, the last refresh) or the trained model, whichever
    // source is chosen.
    QString headerText() const;

public slots:
    // Pretrained weights entered the cache (Train mode): the quick model, when it had no backbone, starts now.
    void weightsChanged();

public:

    ReviewModel* model() const { return model_; }
    LabelCheckView* labelCheckView() const { return labelCheck_; }
    bool checkLabels();  // runs the label check on the quick-model worker; false without a project or while one runs
    QListView* listView() const { return list_; }
    void setCurrentRow(int row);
    int currentRow() const;
    bool gradCamShown() const { return !gradCam_.isNull(); }

signals:
    void modelReady(bool ok);
    void predictionFinished(bool ok, const QString& message);
    void gradCamUpdated();
    void quickRefreshStarted();
    void quickModelUpdated(const tessera::ui::QuickModelResult& result);
    void selectImagesRequested(const QVector<qint64>& imageIds);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The constructor's parts, in order.
    void createControls();
    void layOut();
    void startPredictWorker();
    void connectControls();
    void startQuickModelWorker();
    void onSourceChanged();  // the list shows the chosen source's calls
    void startPrediction(QVector<ReviewItem> items);
    void onCurrentChanged();
    void showImage();
    void updateButtons();
    void moveToNext();
    qint64 runIdForModel(const QString& modelPath) const;
    void configureQuickModel();
    void updateHeader();
    QString quickHeader() const;
    void onQuickRefreshed(const QuickModelResult& result);
    qint64 quickRunId() const;
    void loadQuickPredictions();
    void loadStoredPredictions(qint64 run);  // a run's calls kept in the project (quick model, trained model, CLI)
    void showItems(const QVector<ReviewItem>& items);  // the list, keeping the photo the user is on
    QVector<QuickSuggestionItem> currentQuickSuggestions() const;
    void applySuggestionOrder(const QVector<QuickSuggestionItem>& suggestions);

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    ReviewModel* model_;
    QListView* list_;
    QString trainedHeader_;  // what the header says about the trained model
    QLabel *modelLabel_, *status_, *image_, *facts_, *thresholdLabel_;
    QPushButton *predictUnlabelled_, *predictFolder_, *cancel_, *export_, *suggest_, *showSuggested_;
    QComboBox* source_;
    QProgressBar* progress_;
    QSlider* threshold_;
    QCheckBox* gradCamToggle_;
    QStackedWidget* body_;
    QWidget* predictionsBody_;
    LabelCheckView* labelCheck_;
    QPointer<PredictWorker> worker_;  // on a thread of the project's JobRunner, which deletes it as the window closes
    int predictJob_ = 0;               // the running classification in the JobRunner
    bool modelOk_ = false;
    bool predicting_ = false;
    QStringList classNames_;
    int photoRequest_ = 0;  // the latest photo decode: an older one's result is dropped
    QImage photoImage_, gradCam_;
    qint64 shownId_ = 0;
    QString pendingFolder_;
    qint64 predictRun_ = 0;  // the run the trained-model predictions are stored under

    QPointer<QuickModelWorker> quickWorker_;  // on a thread of the project's JobRunner
    CancelToken quickCancel_;                 // the worker's configuration: cancelled when it changes
    int quickJob_ = 0;                        // the refresh in progress in the JobRunner
    QuickModelResult quick_;
    QString quickRoot_, quickBundle_;  // what the worker was last configured with
    bool quickRefreshing_ = false;
    bool suggestOrder_ = false;  // "label these next" was asked in quick mode: keep that order across refreshes
    QVector<qint64> suggested_;
};

}  // namespace tessera::ui
