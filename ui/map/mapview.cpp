#include "ui/map/mapview.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QProgressBar>
#include <QSet>
#include <QPushButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <map>

#include <qcustomplot.h>

#include "core/project/projectstore.h"
#include "ui/shared/percenttext.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/setdisputedcommand.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/shared/thumbnailprovider.h"

namespace tessera::ui {
namespace {

constexpr double kHoverPixels = 6.0;
constexpr int kPreviewSize = 220;
const QColor kUnknown(150, 150, 150);
const QColor kDisputed(204, 102, 0);  // rings: a label specialists disagree on


// Photos of one find: a thin line from the first photo of the find to each other one (NaN breaks the curve).
void addFindLinks(QCustomPlot* plot, const std::vector<learn::MapPoint>& points) {
    std::map<std::string, std::vector<int>> byFind;
    for (size_t i = 0; i < points.size(); ++i)
        if (!points[i].find.empty()) byFind[points[i].find].push_back(int(i));
    auto* links = new QCPCurve(plot->xAxis, plot->yAxis);
    links->setPen(QPen(QColor(120, 120, 120, 110), 1.0));
    links->setSelectable(QCP::stNone);
    links->removeFromLegend();
    double t = 0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [find, members] : byFind) {
        for (size_t m = 1; m < members.size(); ++m) {
            const auto& a = points[size_t(members[0])];
            const auto& b = points[size_t(members[m])];
            links->addData(t++, a.x, a.y);
            links->addData(t++, b.x, b.y);
            links->addData(t++, nan, nan);
        }
    }
}

// The dots of one colour in the legend.
struct DotGroup {
    QString name;
    QColor colour;
    bool hollow = false;
    int size = 6;
    QVector<int> members;  // indices into the map's points
};

QCPCurve* addDotCurve(QCustomPlot* plot, const DotGroup& g, const std::vector<learn::MapPoint>& points) {
    auto* curve = new QCPCurve(plot->xAxis, plot->yAxis);
    curve->setLineStyle(QCPCurve::lsNone);
    curve->setScatterStyle(g.hollow ? QCPScatterStyle(QCPScatterStyle::ssCircle, g.colour, g.size)
                                    : QCPScatterStyle(QCPScatterStyle::ssDisc, g.colour, g.colour, g.size));
    // Several ranges: a rectangle holds dots whose data indices are not consecutive (stDataRange would select
    // everything between the first and the last of them).
    curve->setSelectable(QCP::stMultipleDataRanges);
    curve->selectionDecorator()->setPen(Qt::NoPen);
    curve->selectionDecorator()->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2.0), QBrush(g.colour), g.size + 4),
        QCPScatterStyle::spAll);
    curve->setName(QStringLiteral("%1 (%2)").arg(g.name).arg(g.members.size()));
    QVector<double> ts, xs, ys;
    for (int i = 0; i < g.members.size(); ++i) {
        ts.push_back(i);
        xs.push_back(points[size_t(g.members[i])].x);
        ys.push_back(points[size_t(g.members[i])].y);
    }
    curve->setData(ts, xs, ys, /*alreadySorted=*/true);
    return curve;
}

}  // namespace

MapView::MapView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent)
    : QWidget(parent), document_(document), thumbnails_(thumbnails) {
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(createToolBar());
    auto* middle = new QHBoxLayout;
    middle->addWidget(createPlot(), 1);
    middle->addWidget(createSidePanel());
    layout->addLayout(middle, 1);
    connect(&document_->jobs(), &JobRunner::progressed, this, [this](int job, const Progress& p) {
        if (!computing_ || job != mapJob_) return;
        const QString stage = QString::fromStdString(p.stage);
        progress_->setRange(0, int(std::max<int64_t>(1, p.total)));
        progress_->setValue(int(p.done));
        progress_->setFormat(p.total > 0 ? tr("%1: %2 of %3").arg(stage).arg(p.done).arg(p.total) : stage);
    });
    connectControls();
    updateClassChoices();
    updateSelectionBar();
}

// Draw, cancel, progress, colouring, pan, status.
QHBoxLayout* MapView::createToolBar() {
    drawButton_ = new QPushButton(tr("Draw the map"), this);
    drawButton_->setToolTip(tr("Lay every photo out by the similarity of its features (takes seconds; new photos "
                               "are embedded first)"));
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->hide();
    colourBy_ = new QComboBox(this);
    colourBy_->addItem(tr("Colour by label"));
    colourBy_->addItem(tr("Colour by prediction"));
    colourBy_->addItem(tr("Show possibly mislabelled"));
    panButton_ = new QPushButton(tr("Pan"), this);
    panButton_->setCheckable(true);
    panButton_->setToolTip(tr("On: dragging moves the map. Off: dragging selects the photos in a rectangle"));
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(260);
    progress_->hide();
    status_ = new QLabel(tr("Draw the map to see the whole collection at once: similar photos lie close together."),
                         this);
    status_->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(drawButton_);
    top->addWidget(cancelButton_);
    top->addWidget(progress_);
    top->addWidget(colourBy_);
    top->addWidget(panButton_);
    top->addWidget(status_, 1);
    return top;
}

// The scatter plot: no axes (the map's coordinates mean nothing on their own), zoom and rectangle selection.
QCustomPlot* MapView::createPlot() {
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(480, 360);
    plot_->setInteractions(QCP::iRangeZoom | QCP::iSelectPlottables | QCP::iMultiSelect);
    plot_->setSelectionRectMode(QCP::srmSelect);
    plot_->setNotAntialiasedElements(QCP::aeScatters | QCP::aePlottables);  // 10,000 dots stay smooth to pan
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->setTicks(false);
        axis->setTickLabels(false);
        axis->grid()->setVisible(false);
        axis->setBasePen(Qt::NoPen);  // the map's coordinates mean nothing on their own: no axes
    }
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    return plot_;
}

// The photo under the pointer, and what can be done with the selected ones.
QWidget* MapView::createSidePanel() {
    preview_ = new QLabel(this);
    preview_->setFixedSize(kPreviewSize, kPreviewSize);
    preview_->setAlignment(Qt::AlignCenter);
    preview_->setFrameShape(QFrame::StyledPanel);
    details_ = new QLabel(tr("Point at a photo on the map."), this);
    details_->setWordWrap(true);
    details_->setTextFormat(Qt::RichText);
    selectionLabel_ = new QLabel(this);
    selectionLabel_->setWordWrap(true);
    classChoice_ = new QComboBox(this);
    labelButton_ = new QPushButton(tr("Label selected"), this);
    labelButton_->setToolTip(tr("Give the selected photos the chosen class (Ctrl+Z undoes it); keys 1-9 do the same"));
    showButton_ = new QPushButton(tr("Show in Dataset"), this);
    disputeButton_ = new QPushButton(tr("Mark labels as disputed"), this);
    disputeButton_->setToolTip(tr("Specialists disagree on these photos: they keep their labels but are left out of "
                                  "training until the dispute is cleared (D in Dataset mode; Ctrl+Z undoes it)"));
    auto* side = new QVBoxLayout;
    side->addWidget(preview_);
    side->addWidget(details_);
    side->addSpacing(12);
    side->addWidget(selectionLabel_);
    side->addWidget(classChoice_);
    side->addWidget(labelButton_);
    side->addWidget(showButton_);
    side->addWidget(disputeButton_);
    side->addStretch(1);
    auto* sideBox = new QWidget(this);
    sideBox->setLayout(side);
    sideBox->setFixedWidth(kPreviewSize + 24);
    return sideBox;
}

void MapView::connectControls() {
    connect(drawButton_, &QPushButton::clicked, this, &MapView::drawMap);
    connect(cancelButton_, &QPushButton::clicked, this, &MapView::cancel);
    connect(colourBy_, &QComboBox::currentIndexChanged, this, [this] { rebuildPlot(true); });
    connect(panButton_, &QPushButton::toggled, this, &MapView::setPanMode);
    connect(labelButton_, &QPushButton::clicked, this,
            [this] { labelSelection(classChoice_->currentData().toLongLong()); });
    connect(disputeButton_, &QPushButton::clicked, this, &MapView::markSelectionDisputed);
    connect(showButton_, &QPushButton::clicked, this, [this] {
        const auto ids = selectedImageIds();
        if (!ids.isEmpty()) emit selectImagesRequested(ids);
    });
    connect(plot_, &QCustomPlot::selectionChangedByUser, this, &MapView::updateSelectionBar);
    connect(plot_, &QCustomPlot::mouseMove, this, &MapView::showHover);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
        const int i = pointAt(event->position());
        if (i >= 0) emit selectImagesRequested({map_->points[size_t(i)].imageId});
    });
    connect(thumbnails_, &ThumbnailProvider::thumbnailReady, this, [this](const QString& hash) {
        if (hovered_ < 0 || hash != hoveredHash_ || !map_) return;
        showPoint(hovered_);  // again, with the thumbnail now in the cache
    });
    connect(document_, &ProjectDocument::labelsChanged, this, &MapView::onLabelsChanged);
    connect(document_, &ProjectDocument::disputesChanged, this, &MapView::onLabelsChanged);  // re-reads both
    connect(document_, &ProjectDocument::classesChanged, this, [this] {
        updateClassChoices();
        rebuildPlot(true);
    });
    connect(document_, &ProjectDocument::opened, this, &MapView::closed);
    connect(document_, &ProjectDocument::closed, this, &MapView::closed);
}

MapView::~MapView() = default;

bool MapView::drawMap() {
    if (!document_->isOpen() || computing_) return false;
    computing_ = true;
    drawButton_->setEnabled(false);
    cancelButton_->show();
    progress_->setRange(0, 0);
    progress_->setFormat(QString());
    progress_->show();
    status_->setText(tr("Laying out the photos…"));
    const QString root = document_->rootPath();
    const QString bundle = document_->activeModelPath();
    auto job = std::make_shared<int>(0);  // the job's id, known once run() returns
    mapJob_ = *job = document_->jobs()
                         .run(
                             tr("Laying out the map"), this,
                             [root, bundle](const JobContext& context) {
                                 return computeMap(root, bundle, learn::FeatureMapOptions{}, context);
                             },
                             [this, job](const MapResult& result) {
                                 if (*job == mapJob_) onFinished(result);
                             })
                         ->id();
    return true;
}

void MapView::cancel() { document_->jobs().cancel(mapJob_); }

void MapView::onFinished(const MapResult& result) {
    if (!computing_ || !document_->isOpen() || result.root != document_->rootPath()) return;
    computing_ = false;
    drawButton_->setEnabled(true);
    cancelButton_->hide();
    progress_->hide();
    last_ = result;
    if (!result.ok) {
        status_->setText(result.message == QStringLiteral("cancelled") ? tr("Cancelled.") : result.message);
        emit mapReady(false);
        return;
    }
    setMap(*result.map);
    const int n = int(map_->points.size());
    const QString seconds = QString::number(result.seconds, 'f', 1);
    QString line = n == 1 ? tr("1 photo, %1, laid out in %2 s.").arg(result.backbone, seconds)
                          : tr("%1 photos, %2, laid out in %3 s.").arg(QString::number(n), result.backbone, seconds);
    if (map_->labelCheckSkipped.empty())
        line += QLatin1Char(' ') + tr("%1 possibly mislabelled.").arg(map_->flagged);
    else
        line += QLatin1Char(' ') + tr("No label check: %1").arg(QString::fromStdString(map_->labelCheckSkipped));
    status_->setText(line);
    emit mapReady(true);
}

void MapView::setMap(const learn::CollectionMap& map) {
    map_ = std::make_shared<learn::CollectionMap>(map);
    hovered_ = -1;
    rebuildPlot(false);
}

void MapView::closed() {
    document_->jobs().cancel(mapJob_);
    computing_ = false;
    drawButton_->setEnabled(true);
    cancelButton_->hide();
    progress_->hide();
    map_.reset();
    last_ = MapResult{};
    hovered_ = -1;
    preview_->clear();
    details_->setText(tr("Point at a photo on the map."));
    rebuildPlot(false);
    updateClassChoices();
    status_->setText(tr("Draw the map to see the whole collection at once: similar photos lie close together."));
}

void MapView::setColouring(Colouring colouring) { colourBy_->setCurrentIndex(int(colouring)); }
MapView::Colouring MapView::colouring() const { return Colouring(colourBy_->currentIndex()); }

void MapView::setPanMode(bool on) {
    if (panButton_->isChecked() != on) panButton_->setChecked(on);  // toggled() comes back here once
    plot_->setSelectionRectMode(on ? QCP::srmNone : QCP::srmSelect);
    plot_->setInteraction(QCP::iRangeDrag, on);
}

int MapView::classIndexOf(qint64 classId) {
    for (size_t c = 0; c < map_->classIds.size(); ++c)
        if (map_->classIds[c] == classId) return int(c);
    const auto info = document_->classById(classId);
    map_->classIds.push_back(classId);
    map_->classNames.push_back(info ? info->name : std::to_string(classId));
    return int(map_->classIds.size()) - 1;
}

void MapView::onLabelsChanged(const QVector<qint64>& imageIds) {
    if (!map_ || !document_->isOpen()) return;
    const QSet<qint64> ids(imageIds.begin(), imageIds.end());
    const learn::CollectionMap* original = last_.map.get();  // as laid out: the label check's verdicts
    bool changed = false;
    for (size_t i = 0; i < map_->points.size(); ++i) {
        auto& p = map_->points[i];
        if (!ids.contains(p.imageId)) continue;
        const auto label = document_->store().label(p.imageId);
        if (!label) continue;
        p.label = *label ? classIndexOf((*label)->classId) : -1;
        p.disputed = *label && (*label)->disputed;
        // The check judged the label it saw: its verdict holds while the photo has that label again (an undo), and
        // is void for any other, and for a disputed one.
        const bool asChecked = original && i < original->points.size() && original->points[i].imageId == p.imageId &&
                               original->points[i].label >= 0 && p.label >= 0 && !p.disputed &&
                               map_->classIds[size_t(p.label)] == original->classIds[size_t(original->points[i].label)];
        p.suggested = asChecked ? original->points[i].suggested : -1;
        changed = true;
    }
    map_->flagged = size_t(std::count_if(map_->points.begin(), map_->points.end(),
                                         [](const learn::MapPoint& p) { return p.suggested >= 0; }));
    if (changed) rebuildPlot(true);
}

// The whole map in view, with one unit as long across as up.
void MapView::fitView() {
    plot_->rescaleAxes();
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) axis->scaleRange(1.08, axis->range().center());
    // One unit is as long across as up (distances on screen are distances on the map): the axis with less to
    // show per pixel is widened to the other's scale, so every dot stays in view.
    const QRect area = plot_->axisRect()->rect();
    const double xPerPixel = plot_->xAxis->range().size() / std::max(1, area.width());
    const double yPerPixel = plot_->yAxis->range().size() / std::max(1, area.height());
    if (xPerPixel < yPerPixel)
        plot_->xAxis->setScaleRatio(plot_->yAxis, 1.0);
    else
        plot_->yAxis->setScaleRatio(plot_->xAxis, 1.0);
}

void MapView::rebuildPlot(bool keepView) {
    const QVector<qint64> wasSelected = keepView ? selectedImageIds() : QVector<qint64>{};
    plot_->clearPlottables();
    curves_.clear();
    groupPoints_.clear();
    if (!map_ || map_->points.empty()) {
        plot_->replot();
        updateSelectionBar();
        return;
    }
    const auto& points = map_->points;
    addFindLinks(plot_, points);

    const auto classColour = [this](int c) {
        const auto info = document_->isOpen() ? document_->classById(map_->classIds[size_t(c)]) : std::nullopt;
        return info && QColor::isValidColorName(QString::fromStdString(info->color))
                   ? QColor::fromString(QString::fromStdString(info->color))
                   : QColor::fromHsv((c * 67) % 360, 180, 200);
    };
    std::vector<DotGroup> groups;
    const Colouring mode = colouring();
    if (mode == Colouring::PossiblyMislabelled) {
        groups.push_back({tr("unlabelled"), kUnknown, true, 5, {}});
        groups.push_back({tr("not flagged"), QColor(200, 200, 200), false, 5, {}});
        groups.push_back({tr("possibly mislabelled"), QColor(214, 39, 40), false, 8, {}});
        groups.push_back({tr("disputed"), kDisputed, true, 8, {}});
        for (size_t i = 0; i < points.size(); ++i)
            groups[points[i].disputed ? 3 : points[i].label < 0 ? 0 : points[i].suggested >= 0 ? 2 : 1].members.push_back(
                int(i));
    } else {
        for (size_t c = 0; c < map_->classNames.size(); ++c)
            groups.push_back({QString::fromStdString(map_->classNames[c]), classColour(int(c)), false, 6, {}});
        groups.push_back({mode == Colouring::Label ? tr("unlabelled") : tr("no prediction"), kUnknown, true, 6, {}});
        // A disputed label is no label to colour by: those photos are rings of their own in Label colouring.
        const size_t disputedGroup = groups.size();
        if (mode == Colouring::Label) groups.push_back({tr("disputed label"), kDisputed, true, 8, {}});
        for (size_t i = 0; i < points.size(); ++i) {
            const int c = mode == Colouring::Label ? points[i].label : points[i].predicted;
            const size_t g = mode == Colouring::Label && points[i].disputed ? disputedGroup
                             : c >= 0                                         ? size_t(c)
                                                                              : map_->classNames.size();
            groups[g].members.push_back(int(i));
        }
        // Unlabelled under the labelled dots.
        std::rotate(groups.begin(), groups.begin() + ptrdiff_t(map_->classNames.size()),
                    groups.begin() + ptrdiff_t(map_->classNames.size()) + 1);
    }
    for (const auto& g : groups) {
        if (g.members.isEmpty()) continue;
        curves_.push_back(addDotCurve(plot_, g, points));
        groupPoints_.push_back(g.members);
    }
    if (!wasSelected.isEmpty()) {  // the same photos stay selected across a relabel or a colour switch
        const QSet<qint64> keep(wasSelected.begin(), wasSelected.end());
        for (int g = 0; g < curves_.size(); ++g) {
            QCPDataSelection selection;
            for (int i = 0; i < groupPoints_[g].size(); ++i)
                if (keep.contains(points[size_t(groupPoints_[g][i])].imageId)) selection.addDataRange({i, i + 1});
            curves_[g]->setSelection(selection);
        }
    }
    if (!keepView) fitView();
    plot_->replot();
    updateSelectionBar();
    if (hovered_ >= 0 && size_t(hovered_) < points.size()) showPoint(hovered_);  // its label may have changed
}

QVector<qint64> MapView::selectedImageIds() const {
    QVector<qint64> ids;
    if (!map_) return ids;
    for (int g = 0; g < curves_.size(); ++g)
        for (const QCPDataRange& range : curves_[g]->selection().dataRanges())
            for (int i = range.begin(); i < range.end(); ++i)
                ids.push_back(map_->points[size_t(groupPoints_[g][i])].imageId);
    return ids;
}

bool MapView::markSelectionDisputed() {
    if (!map_ || !document_->isOpen()) return false;
    const auto selected = selectedImageIds();
    const QSet<qint64> chosen(selected.begin(), selected.end());
    QVector<qint64> ids;  // only labels can be disputed: unlabelled photos in the selection are passed over
    for (const auto& p : map_->points)
        if (p.label >= 0 && chosen.contains(p.imageId)) ids.push_back(p.imageId);
    if (ids.isEmpty()) return false;
    document_->undoStack()->push(new SetDisputedCommand(document_, ids, true));
    return true;
}

bool MapView::labelSelection(qint64 classId) {
    const auto ids = selectedImageIds();
    if (ids.isEmpty() || classId <= 0 || !document_->isOpen()) return false;
    document_->undoStack()->push(new SetLabelsCommand(document_, ids, classId));
    return true;
}

QString MapView::hoverText() const { return details_->text(); }

QPointF MapView::pixelOf(qint64 imageId) const {
    if (map_)
        for (const auto& p : map_->points)
            if (p.imageId == imageId) return {plot_->xAxis->coordToPixel(p.x), plot_->yAxis->coordToPixel(p.y)};
    return {-1, -1};
}

int MapView::pointAt(const QPointF& pixel) const {
    if (!map_) return -1;
    int best = -1;
    double bestDistance = kHoverPixels * kHoverPixels;
    for (size_t i = 0; i < map_->points.size(); ++i) {
        const double dx = plot_->xAxis->coordToPixel(map_->points[i].x) - pixel.x();
        const double dy = plot_->yAxis->coordToPixel(map_->points[i].y) - pixel.y();
        if (dx * dx + dy * dy <= bestDistance) {
            bestDistance = dx * dx + dy * dy;
            best = int(i);
        }
    }
    return best;
}

void MapView::showHover(QMouseEvent* event) {
    const int i = pointAt(event->position());
    if (i >= 0 && i != hovered_) showPoint(i);
}

void MapView::showPoint(int i) {
    hovered_ = i;
    const auto& p = map_->points[size_t(i)];
    const auto nameOf = [this](int c) { return QString::fromStdString(map_->classNames[size_t(c)]).toHtmlEscaped(); };
    QString text = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(p.relPath).toHtmlEscaped());
    text += QStringLiteral("<br>") + (p.label < 0    ? tr("Unlabelled")
                                      : p.disputed ? tr("Label: %1 (disputed: left out of training)").arg(nameOf(p.label))
                                                   : tr("Label: %1").arg(nameOf(p.label)));
    if (p.predicted >= 0)
        text += QStringLiteral("<br>") + tr("Model: %1 (%2)").arg(nameOf(p.predicted), percentText(p.confidence, 0));
    if (p.suggested >= 0)
        text += QStringLiteral("<br><span style='color:#d62728'>") +
                tr("Possibly mislabelled: looks like %1").arg(nameOf(p.suggested)) + QStringLiteral("</span>");
    if (!p.find.empty())
        text += QStringLiteral("<br>") +
                tr("Find: %1").arg(QString::fromStdString(learn::findDisplayName(p.find)).toHtmlEscaped());
    details_->setText(text);
    preview_->clear();
    hoveredHash_.clear();
    if (!document_->isOpen()) return;
    const auto image = document_->store().image(p.imageId);
    if (!image) return;
    hoveredHash_ = QString::fromStdString(image->contentHash);
    const QPixmap pixmap = thumbnails_->thumbnail(
        QString::fromStdString(image->contentHash),
        document_->rootPath() + QLatin1Char('/') + QString::fromStdString(image->relPath));
    if (!pixmap.isNull())
        preview_->setPixmap(pixmap.scaled(preview_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

void MapView::updateClassChoices() {
    const qint64 previous = classChoice_->currentData().toLongLong();
    classChoice_->clear();
    if (document_->isOpen())
        if (auto classes = document_->store().classes())
            for (const auto& c : *classes) {
                const QString name = QString::fromStdString(c.name);
                classChoice_->addItem(c.key > 0 ? QStringLiteral("%1  (%2)").arg(name).arg(c.key) : name,
                                      QVariant::fromValue<qint64>(c.id));
            }
    const int at = classChoice_->findData(QVariant::fromValue<qint64>(previous));
    if (at >= 0) classChoice_->setCurrentIndex(at);
}

void MapView::updateSelectionBar() {
    const auto n = selectedImageIds().size();
    selectionLabel_->setText(n == 0   ? tr("Drag a rectangle on the map to select photos.")
                             : n == 1 ? tr("1 photo selected")
                                      : tr("%1 photos selected").arg(n));
    labelButton_->setEnabled(n > 0 && classChoice_->count() > 0);
    disputeButton_->setEnabled(n > 0);
    showButton_->setEnabled(n > 0);
}

void MapView::keyPressEvent(QKeyEvent* event) {
    const int key = event->key() - Qt::Key_0;
    if (key >= 1 && key <= 9 && event->modifiers() == Qt::NoModifier && !selectedImageIds().isEmpty()) {
        if (const auto info = document_->classByKey(key)) {
            labelSelection(info->id);
            return;
        }
    }
    QWidget::keyPressEvent(event);
}

}  // namespace tessera::ui
