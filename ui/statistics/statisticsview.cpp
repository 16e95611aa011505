#include "ui/statistics/statisticsview.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QStandardItemModel>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/projectdocument.h"
#include "ui/statistics/statscharts.h"

namespace tessera::ui {

namespace {

constexpr int kIdsRole = Qt::UserRole + 1;

QVariant idsVariant(const std::vector<int64_t>& ids) {
    QVariantList list;
    list.reserve(int(ids.size()));
    for (int64_t id : ids) list << qlonglong(id);
    return list;
}

QVector<qint64> idsFrom(const QVariant& v) {
    QVector<qint64> ids;
    for (const QVariant& x : v.toList()) ids << x.toLongLong();
    return ids;
}

}  // namespace

StatisticsView::StatisticsView(ProjectDocument* document, ImageListModel* images, QWidget* parent)
    : QWidget(parent), document_(document), images_(images) {
    auto* content = new QWidget;
    auto* grid = new QGridLayout(content);
    grid->setContentsMargins(12, 12, 12, 12);
    grid->setHorizontalSpacing(14);
    grid->setVerticalSpacing(14);

    summary_ = new QLabel(content);
    summary_->setTextFormat(Qt::RichText);
    summary_->setWordWrap(true);
    grid->addWidget(summary_, 0, 0, 1, 2);

    const auto makePlot = [content] {
        auto* plot = new QCustomPlot(content);
        plot->setMinimumSize(360, 260);
        return plot;
    };
    scatter_ = makePlot();
    classBars_ = makePlot();
    megapixels_ = makePlot();
    aspect_ = makePlot();
    grid->addWidget(scatter_, 1, 0);
    grid->addWidget(classBars_, 1, 1);
    grid->addWidget(megapixels_, 2, 0);
    grid->addWidget(aspect_, 2, 1);

    auto* resBox = new QWidget(content);
    auto* resLayout = new QVBoxLayout(resBox);
    resLayout->setContentsMargins(0, 0, 0, 0);
    resLayout->addWidget(new QLabel(tr("<b>Distinct resolutions</b> — double-click to select those images"), resBox));
    resolutionModel_ = new QStandardItemModel(0, 4, this);
    resolutionModel_->setHorizontalHeaderLabels({tr("Width"), tr("Height"), tr("Megapixels"), tr("Images")});
    resolutions_ = new QTableView(resBox);
    resolutions_->setModel(resolutionModel_);
    resolutions_->setSortingEnabled(true);
    resolutions_->setSelectionBehavior(QAbstractItemView::SelectRows);
    resolutions_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    resolutions_->verticalHeader()->hide();
    resolutions_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    resolutions_->setAlternatingRowColors(true);
    resolutions_->setMinimumHeight(220);
    resLayout->addWidget(resolutions_);
    grid->addWidget(resBox, 3, 0);

    auto* healthBox = new QWidget(content);
    auto* healthLayout = new QVBoxLayout(healthBox);
    healthLayout->setContentsMargins(0, 0, 0, 0);
    healthLayout->addWidget(new QLabel(tr("<b>Data health</b> — click an entry to select its images"), healthBox));
    health_ = new QTreeWidget(healthBox);
    health_->setColumnCount(2);
    health_->setHeaderLabels({tr("Image"), tr("Why")});
    health_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    health_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    health_->setMinimumHeight(220);
    healthLayout->addWidget(health_);
    grid->addWidget(healthBox, 3, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);

    connect(health_, &QTreeWidget::itemClicked, this, &StatisticsView::onHealthActivated);
    connect(health_, &QTreeWidget::itemActivated, this, &StatisticsView::onHealthActivated);
    connect(resolutions_, &QTableView::doubleClicked, this, &StatisticsView::onResolutionActivated);
    // Labels and classes change the balance; a scan changes everything. Recompute lazily when shown.
    connect(images_, &QAbstractItemModel::modelReset, this, &StatisticsView::markDirty);
    connect(images_, &ImageListModel::countsChanged, this, &StatisticsView::markDirty);
    connect(document_, &ProjectDocument::classesChanged, this, &StatisticsView::markDirty);
    rebuild();
}

StatisticsView::~StatisticsView() = default;

void StatisticsView::markDirty() {
    dirty_ = true;
    if (isVisible()) refresh();
}

void StatisticsView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (dirty_) refresh();
}

void StatisticsView::refresh() {
    if (computing_) {
        dirty_ = true;  // onComputed starts another round
        return;
    }
    dirty_ = false;
    snapshot_ = images_->records();
    snapshotLabels_ = images_->classByImage();
    const auto& classesQ = document_->classes();
    std::vector<project::ClassInfo> classes(classesQ.begin(), classesQ.end());
    auto images = snapshot_;
    auto labels = snapshotLabels_;
    computing_ = true;
    document_->jobs().run(
        tr("Computing the statistics"), this,
        [images = std::move(images), classes = std::move(classes), labels = std::move(labels)](const JobContext&) {
            return std::make_shared<stats::ProjectStatistics>(stats::computeStatistics(images, classes, labels));
        },
        [this](std::shared_ptr<stats::ProjectStatistics> computed) { onComputed(std::move(computed)); });
}

void StatisticsView::onComputed(std::shared_ptr<stats::ProjectStatistics> computed) {
    computing_ = false;
    stats_ = std::move(computed);
    rebuild();
    emit statisticsUpdated();
    if (dirty_ && isVisible()) refresh();
}

void StatisticsView::rebuild() {
    namespace sc = statscharts;
    const QLocale loc;
    sc::setUpPlot(scatter_, tr("Image size (pixels), by class"), tr("width"), tr("height"));
    sc::setUpPlot(classBars_, tr("Images per class"), QString(), tr("images"));
    sc::setUpPlot(megapixels_, tr("Megapixels"), tr("megapixels"), tr("images"));
    sc::setUpPlot(aspect_, tr("Aspect ratio (width / height)"), tr("aspect ratio"), tr("images"));
    resolutionModel_->removeRows(0, resolutionModel_->rowCount());
    health_->clear();
    if (!stats_ || !document_->isOpen()) {
        summary_->setText(tr("No statistics yet."));
        for (QCustomPlot* p : {scatter_, classBars_, megapixels_, aspect_}) p->replot();
        return;
    }
    const stats::ProjectStatistics& s = *stats_;
    summary_->setText(
        tr("<span style='font-size:large'><b>%1 images</b></span> &nbsp; %2 labelled · %3 unlabelled · %4 unreadable"
           " &nbsp;|&nbsp; width %5–%6 px (median %7) · height %8–%9 px (median %10) · median %11 MP")
            .arg(loc.toString(qlonglong(s.images)), loc.toString(qlonglong(s.labelled)),
                 loc.toString(qlonglong(s.unlabelled)), loc.toString(qlonglong(s.unreadable)),
                 loc.toString(s.width.min, 'f', 0), loc.toString(s.width.max, 'f', 0),
                 loc.toString(s.width.median, 'f', 0), loc.toString(s.height.min, 'f', 0),
                 loc.toString(s.height.max, 'f', 0))
            .arg(loc.toString(s.height.median, 'f', 0), loc.toString(s.megapixels.median, 'f', 2)));

    sc::plotSizeScatter(scatter_, snapshot_, snapshotLabels_, document_->classes());
    sc::plotClassBalance(classBars_, s, document_->classes());
    sc::plotHistogram(megapixels_, s.megapixelHistogram, QColor(0x4e, 0x79, 0xa7), 2);
    sc::plotHistogram(aspect_, s.aspectHistogram, QColor(0xb0, 0x7a, 0xa1), 2);

    resolutionModel_->setSortRole(Qt::UserRole);
    for (const auto& r : s.resolutions) {
        QList<QStandardItem*> row;
        const auto cell = [&loc](double v, int decimals) {
            auto* item = new QStandardItem(loc.toString(v, 'f', decimals));
            item->setData(v, Qt::UserRole);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return item;
        };
        row << cell(r.width, 0) << cell(r.height, 0) << cell(double(r.width) * r.height / 1e6, 2)
            << cell(double(r.count), 0);
        resolutionModel_->appendRow(row);
    }
    resolutions_->sortByColumn(3, Qt::DescendingOrder);  // most common first, as the core orders them
    fillHealth();
}

void StatisticsView::fillHealth() {
    const stats::ProjectStatistics& s = *stats_;
    const QString rootPrefix = document_->rootPath() + QLatin1Char('/');
    const auto group = [this](const QString& title, size_t count) {
        auto* item = new QTreeWidgetItem(health_);
        item->setText(0, QStringLiteral("%1 (%2)").arg(title).arg(count));
        QFont f = item->font(0);
        f.setBold(true);
        item->setFont(0, f);
        item->setFirstColumnSpanned(true);
        return item;
    };
    const auto flaggedGroup = [&](const QString& title, const std::vector<stats::FlaggedImage>& list) {
        QTreeWidgetItem* top = group(title, list.size());
        std::vector<int64_t> all;
        for (const auto& f : list) {
            auto* item = new QTreeWidgetItem(top);
            item->setText(0, QString::fromStdString(f.relPath));
            // Reasons may name the file by its absolute path; inside the project the relative path says enough.
            item->setText(1, QString::fromStdString(f.reason).replace(rootPrefix, QString()));
            item->setToolTip(1, QString::fromStdString(f.reason));
            item->setData(0, kIdsRole, idsVariant({f.id}));
            all.push_back(f.id);
        }
        top->setData(0, kIdsRole, idsVariant(all));
        top->setDisabled(list.empty());
    };
    const auto duplicateGroup = [&](const QString& title, const std::vector<stats::DuplicateGroup>& groups,
                                    bool exact) {
        QTreeWidgetItem* top = group(title, groups.size());
        std::vector<int64_t> all;
        for (const auto& g : groups) {
            auto* item = new QTreeWidgetItem(top);
            item->setText(0, tr("%n image(s)", nullptr, int(g.ids.size())) + QStringLiteral(": ") +
                                 QString::fromStdString(g.relPaths.empty() ? std::string() : g.relPaths.front()) +
                                 (g.relPaths.size() > 1 ? QStringLiteral(", …") : QString()));
            item->setText(1, exact ? tr("identical files") : tr("pHash distance ≤ %1").arg(g.maxDistance));
            item->setData(0, kIdsRole, idsVariant(g.ids));
            for (size_t i = 0; i < g.ids.size(); ++i) {
                auto* child = new QTreeWidgetItem(item);
                child->setText(0, QString::fromStdString(g.relPaths[i]));
                child->setData(0, kIdsRole, idsVariant({g.ids[i]}));
            }
            all.insert(all.end(), g.ids.begin(), g.ids.end());
        }
        top->setData(0, kIdsRole, idsVariant(all));
        top->setDisabled(groups.empty());
    };
    flaggedGroup(tr("Unreadable"), s.unreadableImages);
    flaggedGroup(tr("Too small"), s.tooSmall);
    flaggedGroup(tr("Blurry"), s.blurry);
    duplicateGroup(tr("Exact duplicates"), s.exactDuplicates, true);
    duplicateGroup(tr("Near duplicates"), s.nearDuplicates, false);
    for (int i = 0; i < health_->topLevelItemCount(); ++i) {
        QTreeWidgetItem* top = health_->topLevelItem(i);
        top->setExpanded(top->childCount() > 0 && top->childCount() <= 20);
    }
}

void StatisticsView::onHealthActivated(QTreeWidgetItem* item) {
    if (!item) return;
    const QVector<qint64> ids = idsFrom(item->data(0, kIdsRole));
    if (!ids.isEmpty()) emit selectImagesRequested(ids);
}

void StatisticsView::onResolutionActivated(const QModelIndex& index) {
    const int w = resolutionModel_->item(index.row(), 0)->data(Qt::UserRole).toInt();
    const int h = resolutionModel_->item(index.row(), 1)->data(Qt::UserRole).toInt();
    QVector<qint64> ids;
    for (const auto& r : snapshot_)
        if (r.width == w && r.height == h) ids << r.id;
    if (!ids.isEmpty()) emit selectImagesRequested(ids);
}

}  // namespace tessera::ui
