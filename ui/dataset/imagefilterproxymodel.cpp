#include "ui/dataset/imagefilterproxymodel.h"

#include "ui/dataset/imagelistmodel.h"

namespace tessera::ui {

ImageFilterProxyModel::ImageFilterProxyModel(QObject* parent) : QSortFilterProxyModel(parent) {
    // Re-filter when a label changes so that e.g. "Unlabelled" drops an image as soon as it is labelled.
    setDynamicSortFilter(true);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    sort(0, Qt::AscendingOrder);
}

void ImageFilterProxyModel::setSourceModel(QAbstractItemModel* sourceModel) {
    if (images_) disconnect(images_, nullptr, this, nullptr);
    images_ = qobject_cast<const ImageListModel*>(sourceModel);
    QSortFilterProxyModel::setSourceModel(sourceModel);
    if (!images_) return;
    // A rewritten prediction run changes most rows at once. Left dynamic, QSortFilterProxyModel would move or drop
    // them interval by interval (seconds for 100,000 rows); paused, it only forwards dataChanged and one rebuild
    // of the mapping afterwards costs a single sort.
    // A view that neither filters nor sorts by prediction keeps its order and rows: nothing to pause or rebuild
    // (re-enabling dynamic sorting re-sorts every row, measurable on 100,000).
    connect(images_, &ImageListModel::predictionsAboutToBeReloaded, this, [this] {
        if (!dynamicSortFilter() || !dependsOnPredictions()) return;
        pausedDynamic_ = true;
        setDynamicSortFilter(false);
    });
    connect(images_, &ImageListModel::predictionsReloaded, this, [this] {
        if (!pausedDynamic_) return;
        pausedDynamic_ = false;
        invalidate();
        setDynamicSortFilter(true);
    });
}

bool ImageFilterProxyModel::dependsOnPredictions() const {
    return needsPredictions(filter_) || needsPredictions(sortKey_) || confidenceBelow_.has_value();
}

void ImageFilterProxyModel::refilter() {
    // invalidate() rebuilds the mapping in one pass (persistent indexes, hence the selection, are carried over);
    // invalidateFilter() would remove the rows that no longer pass one interval at a time, which takes seconds
    // when a filter hides tens of thousands of interleaved rows.
    invalidate();
}

void ImageFilterProxyModel::setFilter(Filter filter, qint64 classId) {
    if (filter == filter_ && classId == classId_) return;
    filter_ = filter;
    classId_ = classId;
    refilter();
}

void ImageFilterProxyModel::setConfidenceBelow(std::optional<double> bound) {
    if (bound == confidenceBelow_) return;
    confidenceBelow_ = bound;
    refilter();
}

void ImageFilterProxyModel::setSearchText(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed == search_) return;
    search_ = trimmed;
    refilter();
}

void ImageFilterProxyModel::setSortKey(SortKey key, Qt::SortOrder order) {
    sortKey_ = key;
    invalidate();
    sort(0, order);
}

ImageFilterProxyModel::RowFacts ImageFilterProxyModel::factsOf(const QModelIndex& index) const {
    RowFacts f;
    if (images_) {
        const int row = index.row();
        f.classId = images_->classIdAt(row);
        f.predictedClassId = images_->predictedClassIdAt(row);
        f.confidence = images_->confidenceAt(row);
        f.flags = images_->record(row).flags;
        f.disputed = images_->disputedAt(row);
        f.suggestedClassId = images_->suggestedClassIdAt(row);
        return f;
    }
    f.classId = index.data(ImageListModel::ClassIdRole).toLongLong();
    const QVariant confidence = index.data(ImageListModel::ConfidenceRole);
    if (confidence.isValid()) {
        f.confidence = confidence.toFloat();
        f.predictedClassId = index.data(ImageListModel::PredictedClassIdRole).toLongLong();
    }
    f.flags = index.data(ImageListModel::FlagsRole).toUInt();
    f.disputed = index.data(ImageListModel::DisputedRole).toBool();
    f.suggestedClassId = index.data(ImageListModel::SuggestedClassIdRole).toLongLong();
    return f;
}

QString ImageFilterProxyModel::relPathOf(const QModelIndex& index) const {
    return images_ ? images_->relPathAt(index.row()) : index.data(ImageListModel::RelPathRole).toString();
}

bool ImageFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const RowFacts f = factsOf(index);
    const bool predicted = f.confidence >= 0.f;
    switch (filter_) {
    case Filter::All: break;
    case Filter::Class:
        if (f.classId != classId_) return false;
        break;
    case Filter::Unlabelled:
        if (f.classId != 0) return false;
        break;
    case Filter::Labelled:
        if (f.classId == 0) return false;
        break;
    case Filter::Flagged:
        if (!(f.flags & ImageListModel::kWarningFlags)) return false;
        break;
    case Filter::Disputed:
        if (!f.disputed) return false;
        break;
    case Filter::PossiblyMislabelled:
        if (f.suggestedClassId == 0) return false;
        break;
    case Filter::PredictedAs:
        if (!predicted || f.predictedClassId != classId_) return false;
        break;
    case Filter::Disagrees:
        // A prediction of a since-removed class (0) is no opinion about the label, so it is not a disagreement.
        if (f.classId == 0 || !predicted || f.predictedClassId == 0 || f.predictedClassId == f.classId) return false;
        break;
    }
    if (confidenceBelow_ && (!predicted || double(f.confidence) >= *confidenceBelow_)) return false;
    if (!search_.isEmpty() && !relPathOf(index).contains(search_, Qt::CaseInsensitive)) return false;
    return true;
}

bool ImageFilterProxyModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    // The source rows are already in path order (the store returns them so): comparing rows is the name order and
    // costs nothing, which matters when 100,000 images are sorted.
    const auto byName = [&] { return left.row() < right.row(); };
    switch (sortKey_) {
    case SortKey::Name: return byName();
    case SortKey::Class: {
        const QString a = left.data(ImageListModel::ClassNameRole).toString();
        const QString b = right.data(ImageListModel::ClassNameRole).toString();
        if (a == b) return byName();
        if (a.isEmpty() || b.isEmpty()) return b.isEmpty();  // unlabelled last
        return QString::compare(a, b, Qt::CaseInsensitive) < 0;
    }
    case SortKey::FileSize: {
        const qint64 a = left.data(ImageListModel::FileSizeRole).toLongLong();
        const qint64 b = right.data(ImageListModel::FileSizeRole).toLongLong();
        return a == b ? byName() : a < b;
    }
    case SortKey::Resolution: {
        const qint64 a = qint64(left.data(ImageListModel::WidthRole).toInt()) * left.data(ImageListModel::HeightRole).toInt();
        const qint64 b = qint64(right.data(ImageListModel::WidthRole).toInt()) * right.data(ImageListModel::HeightRole).toInt();
        return a == b ? byName() : a < b;
    }
    case SortKey::Confidence: {
        // The hot path of "least confident first" on 100,000 rows: one float per side, no QVariant.
        const float a = images_ ? images_->confidenceAt(left.row()) : factsOf(left).confidence;
        const float b = images_ ? images_->confidenceAt(right.row()) : factsOf(right).confidence;
        if (a == b) return byName();
        if (a < 0.f || b < 0.f) return b < 0.f;  // without a prediction: after all predicted images
        return a < b;
    }
    }
    return byName();
}

}  // namespace tessera::ui
