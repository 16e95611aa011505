#pragma once
// Review's "possibly mislabelled" queue: the labelled photos the last label check flagged (learn::checkLabels, kept in
// the project by the quick-model worker or `tessera-cli check-labels`), most suspect first. Only flags that still
// stand are listed (ProjectStore::labelIssues), so a photo leaves the queue as soon as a person acts on it and an undo
// brings it back. One key each, all through the undo stack: Enter accepts the suggested class, K keeps the label
// (stored as Confirmed: the check does not ask again), D marks it as disputed (left out of training), 1-9 picks another
// class, Space skips.
#include <QAbstractListModel>
#include <QHash>
#include <QImage>
#include <QVector>
#include <QWidget>

#include "core/project/imagerecord.h"

class QLabel;
class QListView;
class QPushButton;

namespace tessera::ui {

class ProjectDocument;
class ThumbnailProvider;

class LabelIssueModel : public QAbstractListModel {
    Q_OBJECT
public:
    struct Row {
        project::LabelIssueRecord issue;
        QString relPath, absPath, contentHash;
        QString find;  // "site / context / find id"; empty when the photo has no find id
    };
    enum Role { ImageIdRole = Qt::UserRole + 1 };

    LabelIssueModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    // The standing flags from the store; empty without a project. When the flags are the ones shown less some
    // (answers), the rows go with removeRows, not a reset, so the grid keeps its layout; each photo's path and find
    // are read from the store once, until the images change (a rescan) or another project opens.
    void reload();
    const Row& row(int r) const { return rows_[r]; }
    int rowOf(qint64 imageId) const;
    QString className(qint64 classId) const;

private:
    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    bool dropResolvedRows(const QVector<Row>& rows);  // true when `rows` are rows_ less some, removed one by one

    QVector<Row> rows_;
    QHash<qint64, Row> photoOf_;  // the image fields of rows read before (issue fields are re-read every time)
};

class LabelCheckView : public QWidget {
    Q_OBJECT
public:
    LabelCheckView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent = nullptr);
    ~LabelCheckView() override;

    // Re-reads the queue, keeping the photo the user is on (else the same place: the next one after a resolved one).
    void reload();
    // The worker's check is running (the button waits) / has ended with this line for the status.
    void setChecking(bool checking);
    void showCheckResult(const QString& message);

    // The keys' actions on the current photo (also reachable from tests); false when there is none to act on.
    bool acceptSuggestion();
    bool keepLabel();
    bool markDisputed();
    bool relabel(int key);
    void skip();

    LabelIssueModel* model() const { return model_; }
    QListView* listView() const { return list_; }
    int currentRow() const;
    void setCurrentRow(int row);
    QString statusText() const;
    QString headerText() const;

signals:
    void checkRequested();  // "Check Labels Now": the owner runs the check on the quick-model worker

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void onCurrentChanged();
    void updateHeader();
    void showImage();
    void relabelCurrent(qint64 classId, project::LabelSource source);

    ProjectDocument* document_;
    LabelIssueModel* model_;
    QListView* list_;
    QLabel *header_, *image_, *facts_, *status_;
    QPushButton* check_;
    int photoRequest_ = 0;  // the latest photo asked for (readReviewPhotoLater)
    QImage photoImage_;
    qint64 shownId_ = 0;
    bool checking_ = false;
    bool stale_ = false;  // the store changed while the queue was hidden
};

}  // namespace tessera::ui
