#pragma once
// Filters and sorts the image grid: by class, unlabelled only, flagged only, and a file-name search; sorted by name,
// class or file size. Works on ImageListModel's custom roles, never on pixels.
#include <QSortFilterProxyModel>
#include <QString>

namespace tessera::ui {

class ImageFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Filter { All, Class, Unlabelled, Labelled, Flagged };
    enum class SortKey { Name, Class, FileSize, Resolution };

    explicit ImageFilterProxyModel(QObject* parent = nullptr);

    void setFilter(Filter filter, qint64 classId = 0);
    Filter filter() const { return filter_; }
    qint64 filterClassId() const { return classId_; }
    void setSearchText(const QString& text);
    QString searchText() const { return search_; }
    void setSortKey(SortKey key, Qt::SortOrder order = Qt::AscendingOrder);
    SortKey sortKey() const { return sortKey_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    Filter filter_ = Filter::All;
    qint64 classId_ = 0;
    QString search_;
    SortKey sortKey_ = SortKey::Name;
};

}  // namespace tessera::ui
