#include "ui/train/trainingcharts.h"

#include <QGridLayout>

#include <qcustomplot.h>

#include "ui/train/trainworker.h"

namespace tessera::ui {

namespace {

const QColor kRaw(160, 190, 230), kTrain(31, 119, 180), kVal(214, 39, 40), kOther(44, 160, 44);

QCPGraph* addGraph(QCustomPlot* plot, const QColor& color, const QString& name, bool points = false) {
    QCPGraph* g = plot->addGraph();
    g->setName(name);
    g->setPen(QPen(color, points ? 2.0 : 1.5));
    if (points) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 6));
    return g;
}

void rescale(QCustomPlot* plot) {
    plot->rescaleAxes(true);
    plot->xAxis->setRangeLower(0.0);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    loss_ = makePlot(tr("Loss"), tr("loss"));
    addGraph(loss_, kRaw, tr("each step"));
    addGraph(loss_, kTrain, tr("smoothed"));
    addGraph(loss_, kTrain.darker(140), tr("training (epoch)"), true);
    addGraph(loss_, kVal, tr("validation (epoch)"), true);
    accuracy_ = makePlot(tr("Accuracy"), tr("% correct"));
    addGraph(accuracy_, kTrain, tr("training"), true);
    addGraph(accuracy_, kVal, tr("validation"), true);
    lr_ = makePlot(tr("Learning rate"), tr("rate"));
    addGraph(lr_, kOther, tr("learning rate"));
    speed_ = makePlot(tr("Speed"), tr("images / s"));
    addGraph(speed_, kOther, tr("each step"));
    addGraph(speed_, kTrain, tr("epoch"), true);
    for (QCustomPlot* p : {loss_, accuracy_, speed_}) p->legend->setVisible(true);
    grid->addWidget(loss_, 0, 0);
    grid->addWidget(accuracy_, 0, 1);
    grid->addWidget(lr_, 1, 0);
    grid->addWidget(speed_, 1, 1);
}

QCustomPlot* TrainingCharts::makePlot(const QString& title, const QString& yLabel) {
    auto* plot = new QCustomPlot(this);
    plot->setMinimumSize(240, 160);
    plot->plotLayout()->insertRow(0);
    QFont f = plot->font();
    f.setBold(true);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, f));
    plot->xAxis->setLabel(tr("epoch"));
    plot->yAxis->setLabel(yLabel);
    QFont small = plot->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    plot->legend->setFont(small);
    plot->legend->setBrush(QColor(255, 255, 255, 200));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot->setNoAntialiasingOnDrag(true);
    return plot;
}

void TrainingCharts::clear() {
    for (QCustomPlot* p : {loss_, accuracy_, lr_, speed_}) {
        for (int i = 0; i < p->graphCount(); ++i) p->graph(i)->data()->clear();
        p->replot(QCustomPlot::rpQueuedReplot);
    }
    haveSmoothed_ = false;
}

void TrainingCharts::addSteps(const StepBatch& batch) {
    QVector<double> smooth;
    smooth.reserve(batch.loss.size());
    for (double v : batch.loss) {
        smoothed_ = haveSmoothed_ ? kSmoothing * smoothed_ + (1.0 - kSmoothing) * v : v;
        haveSmoothed_ = true;
        smooth << smoothed_;
    }
    loss_->graph(0)->addData(batch.x, batch.loss, true);
    loss_->graph(1)->addData(batch.x, smooth, true);
    lr_->graph(0)->addData(batch.x, batch.lr, true);
    speed_->graph(0)->addData(batch.x, batch.imagesPerSecond, true);
    for (QCustomPlot* p : {loss_, lr_, speed_}) rescale(p);
}

void TrainingCharts::addEpoch(const learn::EpochInfo& e) {
    const double x = e.epoch + 1.0;
    loss_->graph(2)->addData(x, e.trainLoss);
    loss_->graph(3)->addData(x, e.valLoss);
    accuracy_->graph(0)->addData(x, 100.0 * e.trainAcc);
    accuracy_->graph(1)->addData(x, 100.0 * e.valAcc);
    speed_->graph(1)->addData(x, e.imagesPerSecond);
    for (QCustomPlot* p : {loss_, accuracy_, speed_}) rescale(p);
    accuracy_->yAxis->setRange(0, 100);
}

void TrainingCharts::setHistory(const std::vector<learn::EpochInfo>& history) {
    clear();
    for (const auto& e : history) addEpoch(e);
}

int TrainingCharts::stepPoints() const { return loss_->graph(0)->dataCount(); }
int TrainingCharts::epochPoints() const { return loss_->graph(3)->dataCount(); }

}  // namespace tessera::ui
