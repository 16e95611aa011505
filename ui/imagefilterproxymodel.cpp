#include "ui/imagefilterproxymodel.h"

#include "ui/imagelistmodel.h"

namespace tessera::ui {

ImageFilterProxyModel::ImageFilterProxyModel(QObject* parent) : QSortFilterProxyModel(parent) {
    // Re-filter when a label changes so that e.g. "Unlabelled" drops an image as soon as it is labelled.
    setDynamicSortFilter(true);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    sort(0, Qt::AscendingOrder);
}

void ImageFilterProxyModel::setFilter(Filter filter, qint64 classId) {
    if (filter == filter_ && classId == classId_) return;
    filter_ = filter;
    classId_ = classId;
    invalidateFilter();
}

void ImageFilterProxyModel::setSearchText(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed == search_) return;
    search_ = trimmed;
    invalidateFilter();
}

void ImageFilterProxyModel::setSortKey(SortKey key, Qt::SortOrder order) {
    sortKey_ = key;
    invalidate();
    sort(0, order);
}

bool ImageFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const qint64 classId = index.data(ImageListModel::ClassIdRole).toLongLong();
    switch (filter_) {
    case Filter::All: break;
    case Filter::Class:
        if (classId != classId_) return false;
        break;
    case Filter::Unlabelled:
        if (classId != 0) return false;
        break;
    case Filter::Labelled:
        if (classId == 0) return false;
        break;
    case Filter::Flagged:
        if (!(index.data(ImageListModel::FlagsRole).toUInt() & ImageListModel::kWarningFlags)) return false;
        break;
    }
    if (!search_.isEmpty() && !index.data(ImageListModel::RelPathRole).toString().contains(search_, Qt::CaseInsensitive))
        return false;
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
    }
    return byName();
}

}  // namespace tessera::ui
