#pragma once
// What a finished run shows in Train mode: the runs of the project with their metrics (choose the active model
// here), and for the selected run the confusion-matrix heat map, per-class precision/recall and the validation
// photos the model got wrong (click one to see it in Dataset mode).
#include <QImage>
#include <QVector>
#include <QWidget>

#include <string>
#include <vector>

#include "core/train/trainer.h"
#include "ui/train/learnmetatypes.h"

class QCustomPlot;
class QCPColorMap;
class QListWidget;
class QPushButton;
class QTableWidget;
class QTreeWidget;

namespace tessera::ui {

class ProjectDocument;

struct Misclassified {
    qint64 imageId = 0;
    QString path;  // absolute
    QString trueClass, predictedClass;
    double confidence = 0.0;
    QImage thumbnail;  // made off the GUI thread
};

class TrainResults : public QWidget {
    Q_OBJECT
public:
    explicit TrainResults(ProjectDocument* document, QWidget* parent = nullptr);

    void reloadRuns();  // from the store; selects the active or newest run
    void showMetrics(const std::vector<std::string>& classNames, const std::vector<double>& precision,
                     const std::vector<double>& recall, const std::vector<std::vector<int64_t>>& confusion);
    void showMisclassified(const QVector<Misclassified>& items);

    QString activeModel() const;  // the store's "active_model" (a bundle path relative to <root>/.tessera)
    bool setActiveModel(const QString& modelPath);
    int runCount() const;
    int misclassifiedCount() const;
    int confusionClasses() const { return confusionClasses_; }
    bool perClassTableFits() const;  // all three columns visible without scrolling sideways

signals:
    void activeModelChanged(const QString& modelPath);
    void imageActivated(qint64 imageId);
    void runSelected(const QString& runName);
    // The selected run's per-epoch curves from its run card (empty when it has none).
    void runHistoryLoaded(const std::vector<learn::EpochInfo>& history);

private:
    void onRunSelected();

    ProjectDocument* document_;
    QTreeWidget* runs_;
    QPushButton* useModel_;
    QCustomPlot* confusion_;
    QCPColorMap* map_;
    QTableWidget* perClass_;
    QListWidget* wrong_;
    int confusionClasses_ = 0;
};

}  // namespace tessera::ui
