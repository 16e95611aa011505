#pragma once
// Dataset mode: the class panel, the thumbnail grid with its filter bar, and the viewer pane. Keys 1-9 label the
// selected images with the class of that key (multi-selection = bulk assign), 0 clears; each is one undo step.
// The filter bar also filters and sorts by the document's predictions (predicted class, disagreement with the label,
// a confidence bound, least confident first) and says where those predictions come from.
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QSlider;
class QSpinBox;
class QTimer;

namespace tessera::ui {

class ClassPanel;
class ImageFilterProxyModel;
class ImageListModel;
class ImageViewer;
class ProjectDocument;
class ThumbnailDelegate;

class DatasetView : public QWidget {
    Q_OBJECT
public:
    DatasetView(ProjectDocument* document, ImageListModel* images, QWidget* parent = nullptr);

    QListView* listView() const { return list_; }
    ImageFilterProxyModel* proxy() const { return proxy_; }
    ClassPanel* classPanel() const { return classes_; }
    ImageViewer* viewer() const { return viewer_; }
    QComboBox* filterCombo() const { return filter_; }
    QComboBox* sortCombo() const { return sort_; }
    QCheckBox* confidenceCheck() const { return confidenceCheck_; }
    QSpinBox* confidenceSpin() const { return confidenceSpin_; }  // percent
    QString predictionSourceText() const;  // the line under the filter bar

    QVector<qint64> selectedImageIds() const;
    // Labels the selection (classId 0 clears). Returns false when nothing is selected.
    bool assignClassToSelection(qint64 classId);
    // D: marks the labels of the selected labelled photos as disputed (left out of training), or clears the dispute
    // when every one of them is disputed already. One undoable step; false when no labelled photo is selected.
    bool toggleDisputedOnSelection();
    // Shows these images: clears filters that would hide them, selects them and scrolls to the first.
    void selectImages(const QVector<qint64>& imageIds);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The constructor's parts, in order.
    void createControls();
    void layOut();
    void connectControls();
    void rebuildFilterCombo();
    void applyFilterCombo();
    void onCurrentChanged();
    void updateSummary();
    void onPredictionsReloaded();
    void updatePredictionControls();  // enables the prediction entries, or falls back when there are none
    void updatePredictionInfo();      // re-reads the run the predictions come from
    void renderPredictionInfo();      // only the text (the age changes while the window is open)
    void applyConfidenceBound();

    ProjectDocument* document_;
    ImageListModel* images_;
    ImageFilterProxyModel* proxy_;
    ThumbnailDelegate* delegate_;
    QListView* list_;
    ClassPanel* classes_;
    ImageViewer* viewer_;
    QLineEdit* search_;
    QComboBox* filter_;
    QComboBox* sort_;
    QCheckBox* confidenceCheck_;
    QSpinBox* confidenceSpin_;
    QLabel* predictionInfo_;
    QTimer* predictionAge_;
    QString predictionSource_;   // "the quick model", ...; empty when there are no predictions
    qint64 predictionTimeMs_ = 0;  // when the shown predictions were written (epoch ms), 0 unknown
    qint64 signalledRun_ = 0;      // the run of the last predictionsChanged and when it came: a quick model
    qint64 signalledMs_ = 0;       // rewrites its run without a new finish time
    QSlider* size_;
    QLabel* summary_;
};

}  // namespace tessera::ui
