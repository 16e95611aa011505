#pragma once
// Thin list model over the project's image records for the thumbnail grid. Holds the records (not pixels), answers
// custom roles for cheap filtering and sorting, and asks the ThumbnailProvider for a thumbnail only when a view
// paints a row (Qt::DecorationRole). Rows whose file is missing on disk are not shown. The predictions of the
// document's prediction run are held per row in memory too, so filtering and sorting by them never touches SQL.
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
        // Predictions of ProjectDocument::predictionRun(); each is an invalid QVariant when the image has none.
        PredictedClassIdRole,     // 0 when the predicted class was removed since
        PredictedClassNameRole,   // follows renames; empty when the class was removed
        PredictedClassColorRole,  // QColor of the predicted class
        ConfidenceRole,           // double, top-1 probability in [0, 1]
        DisputedRole,             // bool: a person marked the label as disputed (left out of training)
        SuggestedClassIdRole,     // the label check doubts the label: the class it looks like; 0 when not flagged
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
    const QString& relPathAt(int row) const { return rows_[size_t(row)].relPath; }
    // Prediction of a row without a QVariant (the filter proxy sorts 100,000 rows with these).
    bool hasPredictionAt(int row) const { return rows_[size_t(row)].confidence >= 0.f; }
    qint64 predictedClassIdAt(int row) const { return rows_[size_t(row)].predictedClassId; }
    float confidenceAt(int row) const { return rows_[size_t(row)].confidence; }  // -1 without a prediction
    bool disputedAt(int row) const { return rows_[size_t(row)].disputed; }
    qint64 suggestedClassIdAt(int row) const { return rows_[size_t(row)].suggestedClassId; }
    qint64 predictionRunId() const { return predictionRun_; }  // the run the prediction roles come from; 0 = none
    int predictedCount() const { return predictedCount_; }     // shown rows that have a prediction
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
    // Around an in-place re-read of the prediction roles (new or rewritten run): the dataChanged signals come
    // between the two, so that a sorting proxy can re-sort once instead of moving rows one by one.
    void predictionsAboutToBeReloaded();
    void predictionsReloaded();  // also after a reset that re-read them (open, rescan)

private:
    struct Row {
        project::ImageRecord record;
        QString relPath, fileName, hash;
        qint64 classId = 0;
        qint64 predictedClassId = 0;
        float confidence = -1.f;  // -1: no prediction
        bool disputed = false;
        qint64 suggestedClassId = 0;  // the label check's flag that still stands (ProjectStore::labelIssues)
    };
    struct Prediction {
        qint64 classId = 0;
        float confidence = -1.f;
    };

    void onLabelsChanged(const QVector<qint64>& imageIds);
    void onDisputesChanged(const QVector<qint64>& imageIds);
    void onClassesChanged();
    void onPredictionsChanged();
    // Reads the prediction run into rows_; returns the rows whose prediction changed. Reports store errors.
    QVector<int> readPredictions();
    // Reads the label check's standing flags into rows_; returns the rows whose flag changed. Reports store errors.
    QVector<int> readLabelIssues();
    void onLabelIssuesChanged();
    void forgetRemovedPredictedClasses();
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
    qint64 predictionRun_ = 0;
    int predictedCount_ = 0;
};

}  // namespace tessera::ui
