#pragma once
// Statistics mode: size scatter by class, megapixel and aspect-ratio histograms, class balance, the distinct
// resolutions and the data-health lists. Statistics come from core/stats, computed on a worker thread from a
// snapshot of the records; activating a health entry or a resolution asks Dataset mode to select those images.
#include <QVector>
#include <QWidget>

#include <memory>

#include "core/stats/projectstatistics.h"

class QCustomPlot;
class QLabel;
class QStandardItemModel;
class QTableView;
class QTreeWidget;
class QTreeWidgetItem;

namespace tessera::ui {

class ImageListModel;
class ProjectDocument;

class StatisticsView : public QWidget {
    Q_OBJECT
public:
    StatisticsView(ProjectDocument* document, ImageListModel* images, QWidget* parent = nullptr);
    ~StatisticsView() override;

    void refresh();           // recompute now (asynchronously); statisticsUpdated() follows
    bool isComputing() const { return computing_; }
    const stats::ProjectStatistics* statistics() const { return stats_.get(); }

    QCustomPlot* scatterPlot() const { return scatter_; }
    QCustomPlot* megapixelPlot() const { return megapixels_; }
    QCustomPlot* aspectPlot() const { return aspect_; }
    QCustomPlot* classPlot() const { return classBars_; }
    QTableView* resolutionTable() const { return resolutions_; }
    QTreeWidget* healthTree() const { return health_; }

signals:
    void selectImagesRequested(const QVector<qint64>& imageIds);
    void statisticsUpdated();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void markDirty();
    void onComputed(std::shared_ptr<stats::ProjectStatistics> computed);
    void rebuild();
    void fillHealth();
    void onHealthActivated(QTreeWidgetItem* item);
    void onResolutionActivated(const QModelIndex& index);

    ProjectDocument* document_;
    ImageListModel* images_;
    QLabel* summary_;
    QCustomPlot *scatter_, *megapixels_, *aspect_, *classBars_;
    QTableView* resolutions_;
    QStandardItemModel* resolutionModel_;
    QTreeWidget* health_;
    bool computing_ = false;  // a computation runs as a job of the project
    std::shared_ptr<stats::ProjectStatistics> stats_;
    std::vector<project::ImageRecord> snapshot_;
    std::unordered_map<int64_t, int64_t> snapshotLabels_;
    bool dirty_ = true;
};

}  // namespace tessera::ui
