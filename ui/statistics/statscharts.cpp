#include "ui/statistics/statscharts.h"

#include <QLocale>
#include <QSharedPointer>

#include <algorithm>

#include <qcustomplot.h>

namespace tessera::ui::statscharts {

namespace {

const QColor kUnlabelled(0x9e, 0x9e, 0x9e);

QColor classColor(const QVector<project::ClassInfo>& classes, int64_t id) {
    for (const auto& c : classes)
        if (c.id == id) return QColor(QString::fromStdString(c.color));
    return kUnlabelled;
}

// Counts are whole numbers: ticks at 1, 2, 5, 10, 20, ... steps, never 2.5.
QSharedPointer<QCPAxisTicker> countTicker(double maxCount) {
    double step = 1;
    while (maxCount / step > 6) {
        const double first = step;
        step = first * 2;
        if (maxCount / step <= 6) break;
        step = first * 5;
        if (maxCount / step <= 6) break;
        step = first * 10;
    }
    auto ticker = QSharedPointer<QCPAxisTickerFixed>(new QCPAxisTickerFixed);
    ticker->setTickStep(step);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    return ticker;
}

QCPTextElement* titleElement(QCustomPlot* plot) {
    if (plot->plotLayout()->rowCount() > 1)
        return qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
    return nullptr;
}

}  // namespace

void setTitle(QCustomPlot* plot, const QString& title) {
    if (QCPTextElement* element = titleElement(plot)) element->setText(title);
}

void setUpPlot(QCustomPlot* plot, const QString& title, const QString& xLabel, const QString& yLabel) {
    plot->clearPlottables();
    plot->clearGraphs();
    if (!titleElement(plot)) {
        plot->plotLayout()->insertRow(0);
        QFont f = plot->font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.05);
        plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, f));
    }
    setTitle(plot, title);
    plot->setBackground(plot->palette().color(QPalette::Base));
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(QColor(0x90, 0x90, 0x90)));
        axis->setTickPen(QPen(QColor(0x90, 0x90, 0x90)));
        axis->setSubTickPen(QPen(QColor(0xb0, 0xb0, 0xb0)));
        axis->grid()->setPen(QPen(QColor(0xe4, 0xe4, 0xe4), 1, Qt::SolidLine));
        axis->grid()->setSubGridVisible(false);
        axis->setLabelColor(plot->palette().color(QPalette::Text));
        axis->setTickLabelColor(plot->palette().color(QPalette::Text));
    }
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->xAxis->setTickLabelRotation(0);
    plot->xAxis->grid()->setVisible(true);
    plot->legend->setVisible(false);
    plot->setInteractions(QCP::Interactions());
    plot->setMinimumHeight(240);
}

void plotSizeScatter(QCustomPlot* plot, const std::vector<project::ImageRecord>& images,
                     const std::unordered_map<int64_t, int64_t>& classByImage,
                     const QVector<project::ClassInfo>& classes) {
    // Group points by class: one graph each, in class order, unlabelled last.
    QVector<int64_t> order;
    for (const auto& c : classes) order << c.id;
    order << 0;
    QHash<int64_t, QPair<QVector<double>, QVector<double>>> points;
    double maxSide = 1;
    for (const auto& r : images) {
        if (r.width <= 0 || r.height <= 0) continue;
        const auto it = classByImage.find(r.id);
        const int64_t cls = it == classByImage.end() ? 0 : it->second;
        auto& p = points[order.contains(cls) ? cls : 0];
        p.first << r.width;
        p.second << r.height;
        maxSide = std::max({maxSide, double(r.width), double(r.height)});
    }
    // Large projects: smaller, translucent dots so that dense clusters still read as dense.
    const bool many = images.size() > 5000;
    for (int64_t cls : order) {
        if (!points.contains(cls)) continue;
        QCPGraph* graph = plot->addGraph();
        graph->setLineStyle(QCPGraph::lsNone);
        QColor color = classColor(classes, cls);
        QColor fill = color;
        fill.setAlpha(many ? 90 : 170);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color.darker(115), fill, many ? 4 : 7));
        QString name = QObject::tr("Unlabelled");
        for (const auto& c : classes)
            if (c.id == cls) name = QString::fromStdString(c.name);
        graph->setName(name);
        graph->setData(points[cls].first, points[cls].second, true);
    }
    plot->xAxis->setRange(0, maxSide * 1.05);
    plot->yAxis->setRange(0, maxSide * 1.05);
    plot->legend->setVisible(plot->graphCount() > 0);
    plot->legend->setBrush(QColor(255, 255, 255, 220));
    plot->legend->setBorderPen(QPen(QColor(0xd0, 0xd0, 0xd0)));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    plot->replot();
}

void plotHistogram(QCustomPlot* plot, const stats::Histogram& histogram, const QColor& color, int decimals) {
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    const size_t n = histogram.counts.size();
    QVector<double> keys, values;
    double maxCount = 0;
    for (size_t i = 0; i < n; ++i) {
        keys << (histogram.binLow(i) + histogram.binHigh(i)) / 2;
        values << double(histogram.counts[i]);
        maxCount = std::max(maxCount, values.back());
    }
    const double width = n > 0 ? std::max(1e-9, histogram.binHigh(0) - histogram.binLow(0)) : 1.0;
    bars->setWidth(width);
    bars->setData(keys, values, true);
    bars->setPen(QPen(color.darker(130)));
    bars->setBrush(color);
    double lo = histogram.lo, hi = histogram.hi;
    if (hi <= lo) {
        lo -= 0.5 * std::max(1.0, std::abs(lo));
        hi += 0.5 * std::max(1.0, std::abs(hi));
    }
    plot->xAxis->setRange(lo - width * 0.1, hi + width * 0.1);
    plot->xAxis->setNumberFormat(QStringLiteral("f"));
    plot->xAxis->setNumberPrecision(decimals);
    plot->yAxis->setRange(0, std::max(1.0, maxCount * 1.12));
    plot->yAxis->setTicker(countTicker(maxCount));
    plot->yAxis->setNumberFormat(QStringLiteral("f"));
    plot->yAxis->setNumberPrecision(0);
    plot->replot();
}

void plotClassBalance(QCustomPlot* plot, const stats::ProjectStatistics& statistics,
                      const QVector<project::ClassInfo>& classes) {
    auto ticker = QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText);
    double maxCount = 0;
    double pos = 1;
    for (const auto& cc : statistics.classes) {
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        const QColor color = classColor(classes, cc.classId);
        bars->setPen(QPen(color.darker(125)));
        bars->setBrush(color);
        bars->setWidth(0.7);
        bars->setName(QString::fromStdString(cc.name));
        bars->addData(pos, double(cc.count));
        ticker->addTick(pos, QString::fromStdString(cc.name));
        maxCount = std::max(maxCount, double(cc.count));
        pos += 1;
    }
    if (statistics.unlabelled > 0) {
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setPen(QPen(kUnlabelled.darker(125)));
        bars->setBrush(QBrush(kUnlabelled, Qt::BDiagPattern));
        bars->setWidth(0.7);
        bars->setName(QObject::tr("Unlabelled"));
        bars->addData(pos, double(statistics.unlabelled));
        ticker->addTick(pos, QObject::tr("(unlabelled)"));
        maxCount = std::max(maxCount, double(statistics.unlabelled));
        pos += 1;
    }
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(pos > 7 ? 35 : 0);
    plot->xAxis->grid()->setVisible(false);
    plot->xAxis->setRange(0.3, std::max(1.7, pos - 0.3));
    plot->yAxis->setRange(0, std::max(1.0, maxCount * 1.12));
    plot->yAxis->setTicker(countTicker(maxCount));
    plot->yAxis->setNumberFormat(QStringLiteral("f"));
    plot->yAxis->setNumberPrecision(0);
    const QLocale loc;
    QString title = QObject::tr("Images per class");
    if (statistics.imbalanceRatio > 0)
        title += QObject::tr(" — imbalance %1 : 1").arg(loc.toString(statistics.imbalanceRatio, 'f', 1));
    setTitle(plot, title);
    plot->replot();
}

}  // namespace tessera::ui::statscharts
