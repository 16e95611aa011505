#pragma once
// The live plots of Train mode (QCustomPlot): loss per step (raw and smoothed) with the per-epoch train and
// validation loss, accuracy per epoch, the learning rate and the throughput. Replots are queued, so a burst of
// updates costs one repaint.
#include <QWidget>

#include "core/train/trainer.h"

class QCustomPlot;

namespace tessera::ui {

struct StepBatch;

class TrainingCharts : public QWidget {
    Q_OBJECT
public:
    static constexpr double kSmoothing = 0.9;  // exponential moving average of the step loss

    explicit TrainingCharts(QWidget* parent = nullptr);

    void clear();
    void addSteps(const StepBatch& batch);
    void addEpoch(const learn::EpochInfo& info);
    void setHistory(const std::vector<learn::EpochInfo>& history);  // a finished run's per-epoch curves only

    int stepPoints() const;   // raw loss points plotted
    int epochPoints() const;  // validation points plotted

private:
    QCustomPlot* makePlot(const QString& title, const QString& yLabel);

    QCustomPlot *loss_, *accuracy_, *lr_, *speed_;
    double smoothed_ = 0.0;
    bool haveSmoothed_ = false;
};

}  // namespace tessera::ui
