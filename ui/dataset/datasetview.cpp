#include "ui/dataset/datasetview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QLocale>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include "ui/dataset/classpanel.h"
#include "ui/dataset/imagefilterproxymodel.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/dataset/imageviewer.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/setdisputedcommand.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/dataset/thumbnaildelegate.h"

namespace tessera::ui {

namespace {
// Filter combo entries carry (kind, classId) packed as kind * 2^40 + classId.
constexpr qint64 kKindShift = qint64(1) << 40;

QString needsPredictionsTip() {
    return DatasetView::tr("Needs predictions: train a model (Train) or classify photos (Review) first.");
}

// Greys out (and explains) combo entries that mean nothing without predictions.
void enableComboItem(QComboBox* combo, int i, bool enabled) {
    auto* model = qobject_cast<QStandardItemModel*>(combo->model());
    if (QStandardItem* item = model ? model->item(i) : nullptr) item->setEnabled(enabled);
    combo->setItemData(i, enabled ? QVariant() : QVariant(needsPredictionsTip()), Qt::ToolTipRole);
}

QString ageText(qint64 thenMs, qint64 nowMs) {
    const qint64 minutes = std::max<qint64>(0, nowMs - thenMs) / 60000;
    if (minutes < 1) return DatasetView::tr("just now");
    if (minutes < 60) return DatasetView::tr("%1 min ago").arg(minutes);
    if (minutes < 24 * 60) return DatasetView::tr("%1 h ago").arg(minutes / 60);
    return DatasetView::tr("on %1").arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(thenMs).date(), QLocale::ShortFormat));
}
}  // namespace

DatasetView::DatasetView(ProjectDocument* document, ImageListModel* images, QWidget* parent)
    : QWidget(parent), document_(document), images_(images) {
    proxy_ = new ImageFilterProxyModel(this);
    proxy_->setSourceModel(images_);

    createControls();
    layOut();
    connectControls();
    rebuildFilterCombo();
    updatePredictionInfo();
    applyConfidenceBound();
    updateSummary();
}

// The filter bar's controls, the grid and its side panels.
void DatasetView::createControls() {
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Search file names…"));
    search_->setClearButtonEnabled(true);
    search_->setMaximumWidth(260);
    filter_ = new QComboBox(this);
    filter_->setToolTip(tr("Show only some images"));
    filter_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    sort_ = new QComboBox(this);
    sort_->addItem(tr("Sort by name"), int(ImageFilterProxyModel::SortKey::Name));
    sort_->addItem(tr("Sort by class"), int(ImageFilterProxyModel::SortKey::Class));
    sort_->addItem(tr("Sort by file size"), int(ImageFilterProxyModel::SortKey::FileSize));
    sort_->addItem(tr("Sort by resolution"), int(ImageFilterProxyModel::SortKey::Resolution));
    sort_->addItem(tr("Least confident first"), int(ImageFilterProxyModel::SortKey::Confidence));
    confidenceCheck_ = new QCheckBox(tr("Only confidence below"), this);
    confidenceSpin_ = new QSpinBox(this);
    confidenceSpin_->setRange(1, 100);
    confidenceSpin_->setValue(60);
    confidenceSpin_->setSuffix(tr(" %"));
    confidenceSpin_->setToolTip(tr("Show only the photos the model is this unsure about (its top class probability)"));
    predictionInfo_ = new QLabel(this);
    predictionInfo_->setContentsMargins(8, 0, 6, 2);
    size_ = new QSlider(Qt::Horizontal, this);
    size_->setRange(80, 192);
    size_->setValue(136);
    size_->setMaximumWidth(120);
    size_->setToolTip(tr("Thumbnail size"));
    summary_ = new QLabel(this);
    QPalette quiet = summary_->palette();
    quiet.setColor(QPalette::WindowText, quiet.color(QPalette::PlaceholderText));
    summary_->setPalette(quiet);
    predictionInfo_->setPalette(quiet);

    // --- grid ---
    delegate_ = new ThumbnailDelegate(this);
    delegate_->setCellSize(size_->value());
    list_ = new QListView(this);
    list_->setViewMode(QListView::IconMode);
    list_->setResizeMode(QListView::Adjust);
    list_->setMovement(QListView::Static);
    list_->setUniformItemSizes(true);              // no per-item size queries: 100,000 items lay out instantly
    list_->setLayoutMode(QListView::Batched);
    list_->setBatchSize(2000);
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list_->setSpacing(2);
    list_->setWrapping(true);
    list_->setItemDelegate(delegate_);
    list_->setGridSize(delegate_->cellSize());
    list_->setMouseTracking(true);
    list_->setModel(proxy_);
    list_->installEventFilter(this);
    list_->verticalScrollBar()->setSingleStep(24);
    list_->setToolTip(QString());

    classes_ = new ClassPanel(document_, images_, this);
    classes_->setMinimumWidth(190);
    viewer_ = new ImageViewer(&document_->jobs(), this);
    viewer_->setMinimumWidth(260);
}

// Filter bar over the grid, the class panel on the left, the viewer on the right.
void DatasetView::layOut() {
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 6, 6, 2);
    bar->addWidget(search_);
    bar->addWidget(filter_);
    bar->addWidget(sort_);
    bar->addStretch(1);
    bar->addWidget(summary_);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Size"), this));
    bar->addWidget(size_);

    auto* gridPane = new QWidget(this);
    auto* gridLayout = new QVBoxLayout(gridPane);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->setSpacing(0);
    gridLayout->addLayout(bar);
    // Second row: where the predictions come from and the confidence bound, which only means something with them.
    auto* predictionBar = new QHBoxLayout;
    predictionBar->setContentsMargins(0, 0, 6, 2);
    predictionBar->addWidget(predictionInfo_, 1);
    predictionBar->addWidget(confidenceCheck_);
    predictionBar->addWidget(confidenceSpin_);
    gridLayout->addLayout(predictionBar);
    gridLayout->addWidget(list_, 1);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(classes_);
    splitter->addWidget(gridPane);
    splitter->addWidget(viewer_);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    splitter->setSizes({220, 760, 340});
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
}

void DatasetView::connectControls() {
    connect(search_, &QLineEdit::textChanged, proxy_, &ImageFilterProxyModel::setSearchText);
    connect(filter_, qOverload<int>(&QComboBox::activated), this, &DatasetView::applyFilterCombo);
    connect(sort_, qOverload<int>(&QComboBox::activated), this, [this] {
        proxy_->setSortKey(ImageFilterProxyModel::SortKey(sort_->currentData().toInt()));
    });
    connect(confidenceCheck_, &QCheckBox::toggled, this, &DatasetView::applyConfidenceBound);
    connect(confidenceSpin_, qOverload<int>(&QSpinBox::valueChanged), this, &DatasetView::applyConfidenceBound);
    connect(size_, &QSlider::valueChanged, this, [this](int side) {
        delegate_->setCellSize(side);
        list_->setGridSize(delegate_->cellSize());
    });
    connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, &DatasetView::onCurrentChanged);
    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DatasetView::updateSummary);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &DatasetView::updateSummary);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &DatasetView::updateSummary);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &DatasetView::updateSummary);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &DatasetView::updateSummary);
    connect(images_, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight, const QVector<int>& roles) {
                const QModelIndex current = proxy_->mapToSource(list_->currentIndex());
                if (current.isValid() && current.row() >= topLeft.row() && current.row() <= bottomRight.row() &&
                    (roles.isEmpty() || roles.contains(ImageListModel::ClassIdRole) ||
                     roles.contains(ImageListModel::ClassNameRole)))
                    viewer_->refreshFacts();
            });
    connect(images_, &QAbstractItemModel::modelReset, this, [this] { viewer_->setIndex(QModelIndex()); });
    connect(document_, &ProjectDocument::classesChanged, this, &DatasetView::rebuildFilterCombo);
    connect(document_, &ProjectDocument::opened, this, &DatasetView::rebuildFilterCombo);
    connect(document_, &ProjectDocument::predictionsChanged, this, [this](qint64 runId) {
        signalledRun_ = runId;
        signalledMs_ = QDateTime::currentMSecsSinceEpoch();
    });
    connect(images_, &ImageListModel::predictionsReloaded, this, &DatasetView::onPredictionsReloaded);
    predictionAge_ = new QTimer(this);
    predictionAge_->setInterval(30000);
    connect(predictionAge_, &QTimer::timeout, this, &DatasetView::renderPredictionInfo);
    predictionAge_->start();
    connect(classes_, &ClassPanel::classActivated, this, [this](qint64 classId) {
        const int i = filter_->findData(qint64(ImageFilterProxyModel::Filter::Class) * kKindShift + classId);
        if (i >= 0) {
            filter_->setCurrentIndex(i);
            applyFilterCombo();
        }
    });
}

void DatasetView::rebuildFilterCombo() {
    const QVariant current = filter_->currentData();
    filter_->clear();
    using F = ImageFilterProxyModel::Filter;
    filter_->addItem(tr("All images"), qint64(F::All) * kKindShift);
    filter_->addItem(tr("Unlabelled"), qint64(F::Unlabelled) * kKindShift);
    filter_->addItem(tr("Labelled"), qint64(F::Labelled) * kKindShift);
    filter_->addItem(tr("With warnings"), qint64(F::Flagged) * kKindShift);
    filter_->addItem(tr("Model disagrees with label"), qint64(F::Disagrees) * kKindShift);
    filter_->addItem(tr("Disputed labels"), qint64(F::Disputed) * kKindShift);
    filter_->addItem(tr("Possibly mislabelled (label check)"), qint64(F::PossiblyMislabelled) * kKindShift);
    if (!document_->classes().isEmpty()) filter_->insertSeparator(filter_->count());
    for (const auto& c : document_->classes())
        filter_->addItem(tr("Class: %1").arg(QString::fromStdString(c.name)), qint64(F::Class) * kKindShift + c.id);
    if (!document_->classes().isEmpty()) filter_->insertSeparator(filter_->count());
    for (const auto& c : document_->classes())
        filter_->addItem(tr("Predicted as: %1").arg(QString::fromStdString(c.name)),
                         qint64(F::PredictedAs) * kKindShift + c.id);
    // An invalid `current` (first build) would match a separator, which carries no data: start at "All images".
    const int i = current.isValid() ? filter_->findData(current) : -1;
    filter_->setCurrentIndex(i >= 0 ? i : 0);
    updatePredictionControls();
    applyFilterCombo();  // a deleted class falls back to "All images"
}

void DatasetView::onPredictionsReloaded() {
    updatePredictionControls();
    updatePredictionInfo();
}

void DatasetView::updatePredictionControls() {
    const bool have = images_->predictedCount() > 0;
    for (int i = 0; i < filter_->count(); ++i) {
        const QVariant data = filter_->itemData(i);
        if (!data.isValid()) continue;  // separators
        const auto kind = ImageFilterProxyModel::Filter(data.toLongLong() / kKindShift);
        if (ImageFilterProxyModel::needsPredictions(kind)) enableComboItem(filter_, i, have);
    }
    for (int i = 0; i < sort_->count(); ++i)
        if (ImageFilterProxyModel::needsPredictions(ImageFilterProxyModel::SortKey(sort_->itemData(i).toInt())))
            enableComboItem(sort_, i, have);
    confidenceCheck_->setEnabled(have);
    confidenceSpin_->setEnabled(have);
    confidenceCheck_->setToolTip(have ? tr("Show only the photos the model is unsure about") : needsPredictionsTip());
    if (have) return;
    // Predictions went away (closed project, cleared run): fall back to entries that still mean something.
    const auto filterKind = ImageFilterProxyModel::Filter(filter_->currentData().toLongLong() / kKindShift);
    if (ImageFilterProxyModel::needsPredictions(filterKind)) {
        filter_->setCurrentIndex(0);
        applyFilterCombo();
    }
    if (ImageFilterProxyModel::needsPredictions(ImageFilterProxyModel::SortKey(sort_->currentData().toInt()))) {
        sort_->setCurrentIndex(0);
        proxy_->setSortKey(ImageFilterProxyModel::SortKey::Name);
    }
    confidenceCheck_->setChecked(false);
}

void DatasetView::applyConfidenceBound() {
    proxy_->setConfidenceBelow(confidenceCheck_->isChecked() ? std::optional<double>(confidenceSpin_->value() / 100.0)
                                                             : std::nullopt);
    updateSummary();
}

void DatasetView::updatePredictionInfo() {
    predictionSource_.clear();
    predictionTimeMs_ = 0;
    const qint64 runId = images_->predictionRunId();
    if (document_->isOpen() && runId != 0 && images_->predictedCount() > 0) {
        auto runs = document_->store().runs();
        if (!runs.ok()) return document_->reportError(QString::fromStdString(runs.error()));
        predictionSource_ = tr("run %1").arg(runId);
        for (const auto& run : *runs) {
            if (run.id != runId) continue;
            const QString name = QString::fromStdString(run.name);
            if (run.kind == "quick model")
                predictionSource_ = tr("quick model");
            else if (run.kind == "predict")
                predictionSource_ = name.isEmpty() ? tr("classifying photos") : tr("classifying photos (%1)").arg(name);
            else
                predictionSource_ = name.isEmpty() ? tr("a trained model") : tr("trained model “%1”").arg(name);
            predictionTimeMs_ = run.finishedMs > 0 ? run.finishedMs : run.createdMs;
        }
        if (signalledRun_ == runId) predictionTimeMs_ = std::max(predictionTimeMs_, signalledMs_);
    }
    renderPredictionInfo();
}

void DatasetView::renderPredictionInfo() {
    predictionInfo_->setText(predictionSourceText());
}

QString DatasetView::predictionSourceText() const {
    if (predictionSource_.isEmpty())
        return tr("No predictions yet: train a model (Train) or classify photos (Review)");
    QString text = tr("Predictions from %1").arg(predictionSource_);
    if (predictionTimeMs_ > 0) text += tr(", %1").arg(ageText(predictionTimeMs_, QDateTime::currentMSecsSinceEpoch()));
    const int n = images_->predictedCount();
    if (n < images_->rowCount()) text += tr(" · %1 of %2 photos").arg(n).arg(images_->rowCount());
    return text;
}

void DatasetView::applyFilterCombo() {
    const qint64 packed = filter_->currentData().toLongLong();
    proxy_->setFilter(ImageFilterProxyModel::Filter(packed / kKindShift), packed % kKindShift);
    updateSummary();
}

void DatasetView::onCurrentChanged() {
    viewer_->setIndex(proxy_->mapToSource(list_->currentIndex()));
}

void DatasetView::updateSummary() {
    const int shown = proxy_->rowCount();
    const int selected = list_->selectionModel() ? int(list_->selectionModel()->selectedIndexes().size()) : 0;
    QString text = tr("%n image(s)", nullptr, shown);
    if (shown != images_->rowCount()) text += tr(" of %1").arg(images_->rowCount());
    if (selected > 1) text += tr(" · %1 selected").arg(selected);
    summary_->setText(text);
}

QVector<qint64> DatasetView::selectedImageIds() const {
    QVector<qint64> ids;
    const QModelIndexList rows = list_->selectionModel()->selectedIndexes();
    ids.reserve(rows.size());
    for (const QModelIndex& index : rows) ids.push_back(index.data(ImageListModel::IdRole).toLongLong());
    std::sort(ids.begin(), ids.end());
    return ids;
}

bool DatasetView::assignClassToSelection(qint64 classId) {
    if (!document_->isOpen()) return false;
    const QVector<qint64> ids = selectedImageIds();
    if (ids.isEmpty()) return false;
    document_->undoStack()->push(new SetLabelsCommand(document_, ids, classId));
    return true;
}

bool DatasetView::toggleDisputedOnSelection() {
    if (!document_->isOpen()) return false;
    QVector<qint64> ids;  // only labels can be disputed: unlabelled photos in the selection are passed over
    bool allDisputed = true;
    for (qint64 id : selectedImageIds()) {
        const int row = images_->rowForId(id);
        if (row < 0 || images_->classIdAt(row) == 0) continue;
        ids.push_back(id);
        allDisputed = allDisputed && images_->disputedAt(row);
    }
    if (ids.isEmpty()) return false;
    document_->undoStack()->push(new SetDisputedCommand(document_, ids, !allDisputed));
    return true;
}

void DatasetView::selectImages(const QVector<qint64>& imageIds) {
    // Clear filters so that none of the requested images is hidden.
    search_->clear();
    confidenceCheck_->setChecked(false);
    filter_->setCurrentIndex(0);
    applyFilterCombo();
    QItemSelection selection;
    QModelIndex first;
    for (qint64 id : imageIds) {
        const int row = images_->rowForId(id);
        if (row < 0) continue;
        const QModelIndex index = proxy_->mapFromSource(images_->index(row));
        if (!index.isValid()) continue;
        selection.select(index, index);
        if (!first.isValid() || index.row() < first.row()) first = index;
    }
    auto* sel = list_->selectionModel();
    sel->clearSelection();
    if (!first.isValid()) return;
    sel->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    sel->select(selection, QItemSelectionModel::Select);
    list_->scrollTo(first, QAbstractItemView::PositionAtCenter);
    onCurrentChanged();
    list_->setFocus();
}

bool DatasetView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == list_ && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const Qt::KeyboardModifiers mods = key->modifiers() & ~Qt::KeypadModifier;
        if (mods == Qt::NoModifier && key->key() >= Qt::Key_0 && key->key() <= Qt::Key_9) {
            const int digit = key->key() - Qt::Key_0;
            if (digit == 0) {
                assignClassToSelection(0);
            } else if (const auto cls = document_->classByKey(digit)) {
                assignClassToSelection(cls->id);
            }
            return true;  // digits never start the list's keyboard search
        }
        if (mods == Qt::NoModifier && key->key() == Qt::Key_D) {
            toggleDisputedOnSelection();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace tessera::ui
