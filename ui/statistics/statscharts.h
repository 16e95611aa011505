#pragma once
// Drawing helpers for Statistics mode: they turn core statistics (core/stats) into QCustomPlot plottables with one
// consistent look. Nothing here computes a statistic; the scatter plots the image records as they are.
#include <QColor>
#include <QString>
#include <QVector>

#include <unordered_map>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/stats/projectstatistics.h"

class QCustomPlot;

namespace tessera::ui::statscharts {

// Common fonts, grid and margins, and a title row at the top.
void setUpPlot(QCustomPlot* plot, const QString& title, const QString& xLabel, const QString& yLabel);
void setTitle(QCustomPlot* plot, const QString& title);

// Width against height, one graph per class (unlabelled in grey) so the legend names the colours.
void plotSizeScatter(QCustomPlot* plot, const std::vector<project::ImageRecord>& images,
                     const std::unordered_map<int64_t, int64_t>& classByImage,
                     const QVector<project::ClassInfo>& classes);

// Equal-width histogram as adjoining bars.
void plotHistogram(QCustomPlot* plot, const stats::Histogram& histogram, const QColor& color, int decimals);

// Images per class, bars in the class colours, the imbalance ratio in the title.
void plotClassBalance(QCustomPlot* plot, const stats::ProjectStatistics& statistics,
                      const QVector<project::ClassInfo>& classes);

}  // namespace tessera::ui::statscharts
