#pragma once
// Thin list model over the project's image records for the thumbnail grid. Holds the records (not pixels), answers
// custom roles for cheap filtering and sorting, and asks the ThumbnailProvider for a thumbnail only when a view
// paints a row (Qt::DecorationRole). Rows whose file is missing on disk are not shown.
#include <QAbstractListModel>
#include <QHash>
#include <QMultiHash>
#include <QSet>
#include <QStringList>
#include <QPixmap>
#include <QString>
#include <QVector>

#include <unordered_map>
#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::ui {

class ProjectDocument;
class ThumbnailProvider;

class ImageListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        RelPathRole,
        FileNameRole,
        AbsolutePathRole,
        ClassIdRole,     // 0 when unlabelled
        ClassNameRole,
        ClassColorRole,  // QColor, invalid when unlabelled
        FlagsRole,       // project::ImageFlag bits
        WidthRole,
        HeightRole,
        FileSizeRole,
        FormatRole,
        ErrorRole,       // why the image is unreadable
        ContentHashRole,
        ThumbnailStateRole,  // ThumbnailState; does not request a decode
    };
    enum ThumbnailState { ThumbnailPending, ThumbnailReady, ThumbnailFailed };

    struct Counts {
        qint64 images = 0, labelled = 0, unlabelled = 0, flagged = 0;
    };

    ImageListModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reload();  // re-reads images and labels from the store (after open or a scan)
    int rowForId(qint64 imageId) const { return rowById_.value(imageId, -1); }
    const project::ImageRecord& record(int row) const { return rows_[size_t(row)].record; }
    qint64 classIdAt(int row) const { return rows_[size_t(row)].classId; }
    Counts counts() const { return counts_; }
    QHash<qint64, int> classCounts() const;  // classId -> images
    // Snapshots for core statistics (copied so a worker thread can use them while the model changes).
    std::vector<project::ImageRecord> records() const;
    std::unordered_map<int64_t, int64_t> classByImage() const;

    // Health flags worth a warning badge (Missing rows are not shown at all).
    static constexpr uint32_t kWarningFlags = project::FlagUnreadable | project::FlagTooSmall | project::FlagBlurry |
                                              project::FlagDuplicate | project::FlagNearDuplicate;
    static QStringList flagNames(uint32_t flags);

signals:
    void countsChanged();

private:
    struct Row {
        project::ImageRecord record;
        QString relPath, fileName, hash;
        qint64 classId = 0;
    };

    void onLabelsChanged(const QVector<qint64>& imageIds);
    void onClassesChanged();
    void onThumbnailDone(const QString& hash);
    void recount();
    void emitRowsChanged(const QVector<int>& rows, const QVector<int>& roles);

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    QString root_;
    std::vector<Row> rows_;
    QHash<qint64, int> rowById_;
    QMultiHash<QString, int> rowsByHash_;
    QSet<QString> failedThumbnails_;
    Counts counts_;
};

}  // namespace tessera::ui
