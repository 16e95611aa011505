#pragma once
// The Review grid's rows: one per classified photo, least confident first, with the top-3 classes and their
// probabilities, whether the photo now carries a label (and which), and an "unknown" mark below the threshold.
#include <QAbstractListModel>
#include <QHash>
#include <QSet>
#include <QVector>

#include "ui/review/predictworker.h"

namespace tessera::ui {

class ProjectDocument;
class ThumbnailProvider;

class ReviewModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { ImageIdRole = Qt::UserRole + 1, ConfidenceRole, UnknownRole, LabelledRole };

    ReviewModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    void clear();
    void addItems(const QVector<ReviewItem>& items);  // keeps the rows sorted by confidence, lowest first
    // Replaces every row at once (the quick model's refreshed predictions), sorted like addItems.
    void setItems(QVector<ReviewItem> items);
    const ReviewItem& item(int row) const { return rows_[row]; }
    int rowOf(qint64 imageId) const;
    const QVector<ReviewItem>& items() const { return rows_; }

    // "Label these next": moves these image ids to the top in the given order (the rest keep confidence order)
    // and marks them with their rank; `nearDuplicates` are marked as only similar to an earlier suggestion.
    void moveToTop(const QVector<qint64>& imageIds, const QSet<qint64>& nearDuplicates = {});
    void setUnknownThreshold(double threshold);  // 0..1
    double unknownThreshold() const { return threshold_; }
    void refreshLabels(const QVector<qint64>& imageIds);  // re-read these images' labels from the store

private:
    void readLabel(qint64 imageId);

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    QVector<ReviewItem> rows_;
    QHash<qint64, qint64> labelOf_;  // imageId -> classId for the rows that have a label now
    double threshold_ = 0.5;
};

}  // namespace tessera::ui
