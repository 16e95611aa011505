#pragma once
// Map mode: every photo of the project laid out in 2-D by the similarity of its features (UMAP on the quick model's
// features, computed by computeMap as a job of the project's JobRunner, with progress and cancel), coloured by label, prediction or
// "possibly mislabelled"; photos of one find joined by thin lines. Hover shows the photo and what is known about it;
// a rectangle drag selects, and the selection can be labelled in one step (undoable, like every label) or shown in
// Dataset mode, or their labels marked as disputed; a double-click shows one photo there. The wheel zooms; with "Pan" on, dragging moves the map.
#include <QVector>
#include <QWidget>

#include <memory>

#include "ui/map/mapjob.h"

class QCPCurve;
class QCustomPlot;
class QComboBox;
class QHBoxLayout;
class QKeyEvent;
class QLabel;
class QMouseEvent;
class QProgressBar;
class QPushButton;

namespace tessera::ui {

class ProjectDocument;
class ThumbnailProvider;

class MapView : public QWidget {
    Q_OBJECT
public:
    enum class Colouring { Label, Prediction, PossiblyMislabelled };

    MapView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent = nullptr);
    ~MapView() override;  // cancels and joins the worker thread

    // Starts a layout of the open project (false when none is open or one is running).
    bool drawMap();
    void cancel();
    bool isComputing() const { return computing_; }
    const learn::CollectionMap* map() const { return map_.get(); }
    const MapResult& lastResult() const { return last_; }

    // Shows a map made elsewhere (drawMap's result arrives through here too); the view keeps its own copy.
    void setMap(const learn::CollectionMap& map);

    void setColouring(Colouring colouring);
    Colouring colouring() const;
    void setPanMode(bool on);  // off (the default): a drag selects a rectangle

    QVector<qint64> selectedImageIds() const;
    // Labels the selection with `classId` through the undo stack; false when nothing is selected.
    bool labelSelection(qint64 classId);
    // Marks the labels of the selected labelled photos as disputed (left out of training), undoably; false when no
    // labelled photo is selected.
    bool markSelectionDisputed();
    QCustomPlot* plot() const { return plot_; }
    QString hoverText() const;  // the side panel's words about the photo under the mouse
    // Where a photo is drawn now, in plot widget pixels (tests drive the mouse with it); (-1, -1) when not on the map.
    QPointF pixelOf(qint64 imageId) const;

protected:
    void keyPressEvent(QKeyEvent* event) override;  // 1-9 label the selection with that class's key

signals:
    void selectImagesRequested(const QVector<qint64>& imageIds);  // MainWindow shows them in Dataset mode
    void mapReady(bool ok);

private:
    // The constructor's parts.
    QHBoxLayout* createToolBar();
    QCustomPlot* createPlot();
    QWidget* createSidePanel();
    void connectControls();
    void fitView();
    void onFinished(const MapResult& result);
    void onLabelsChanged(const QVector<qint64>& imageIds);
    void rebuildPlot(bool keepView);
    void updateSelectionBar();
    void updateClassChoices();
    void showHover(QMouseEvent* event);
    void showPoint(int index);  // the side panel: photo, label, prediction, verdict, find
    int pointAt(const QPointF& pixel) const;  // index into map_->points, -1 when none within a few pixels
    int classIndexOf(qint64 classId);         // into map_->classNames, adding a class created since the layout
    void closed();

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    int mapJob_ = 0;  // the latest drawMap() in the JobRunner: older results and progress are ignored
    bool computing_ = false;
    MapResult last_;
    std::shared_ptr<learn::CollectionMap> map_;  // our copy: labels change as the user labels on the map
    // One curve per colour group; groupPoints_[g][i] is the point drawn as data index i of curves_[g].
    QVector<QCPCurve*> curves_;
    QVector<QVector<int>> groupPoints_;
    int hovered_ = -1;
    QString hoveredHash_;  // content hash of the hovered photo, while its thumbnail is on its way

    QPushButton* drawButton_;
    QPushButton* cancelButton_;
    QPushButton* panButton_;
    QComboBox* colourBy_;
    QProgressBar* progress_;
    QLabel* status_;
    QCustomPlot* plot_;
    QLabel* preview_;
    QLabel* details_;
    QLabel* selectionLabel_;
    QComboBox* classChoice_;
    QPushButton* labelButton_;
    QPushButton* disputeButton_;
    QPushButton* showButton_;
};

}  // namespace tessera::ui
