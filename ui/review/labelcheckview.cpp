#include "ui/review/labelcheckview.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>

#include "core/fewshot/collectionmap.h"
#include "core/train/split.h"
#include "ui/shared/percenttext.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewgrid.h"
#include "ui/dataset/setdisputedcommand.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/shared/thumbnailprovider.h"

namespace tessera::ui {

namespace {

// A self-confidence: small ones keep a decimal, so that 0.4 % does not read as 0 %.
QString scoreText(double p) { return percentText(p, p < 0.1 ? 1 : 0); }

}  // namespace

LabelIssueModel::LabelIssueModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent)
    : QAbstractListModel(parent), document_(document), thumbnails_(thumbnails) {
    // Connected before the view's reload (the view makes this model first), so a reload after these reads afresh.
    for (auto signal : {&ProjectDocument::imagesChanged, &ProjectDocument::opened, &ProjectDocument::closed})
        connect(document_, signal, this, [this] { photoOf_.clear(); });
    connect(thumbnails_, &ThumbnailProvider::thumbnailReady, this, [this](const QString& hash) {
        for (int r = 0; r < rows_.size(); ++r)
            if (rows_[r].contentHash == hash) emit dataChanged(index(r), index(r), {Qt::DecorationRole});
    });
}

int LabelIssueModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QString LabelIssueModel::className(qint64 classId) const {
    const auto cls = document_->classById(classId);
    return cls ? QString::fromStdString(cls->name) : tr("(removed class)");
}

QVariant LabelIssueModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const Row& row = rows_[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return tr("labelled %1\nlooks like %2\np(label) %3")
            .arg(className(row.issue.classId), className(row.issue.suggestedClassId), scoreText(row.issue.selfConfidence));
    case Qt::ToolTipRole: return row.relPath;
    case Qt::DecorationRole: {
        const QPixmap pm = thumbnails_->thumbnail(row.contentHash, row.absPath);
        return pm.isNull() ? QVariant() : QVariant(pm);
    }
    case ImageIdRole: return qint64(row.issue.imageId);
    default: return {};
    }
}

void LabelIssueModel::reload() {
    QVector<Row> rows;
    if (document_->isOpen()) {
        auto& store = document_->store();
        auto issues = store.labelIssues();
        if (!issues.ok()) {
            document_->reportError(QString::fromStdString(issues.error()));
        } else {
            for (const auto& issue : *issues) {
                if (const auto known = photoOf_.constFind(issue.imageId); known != photoOf_.constEnd()) {
                    rows.push_back(*known);
                    rows.back().issue = issue;
                    continue;
                }
                auto image = store.image(issue.imageId);
                if (!image.ok()) continue;  // removed meanwhile
                const auto& rec = *image;
                rows.push_back({issue, QString::fromStdString(rec.relPath),
                                QString::fromStdString((store.root() / rec.relPath).string()),
                                QString::fromStdString(rec.contentHash),
                                QString::fromStdString(learn::findDisplayName(
                                    learn::Split::groupKey(rec.site, rec.context, rec.findId)))});
                photoOf_.insert(issue.imageId, rows.back());
            }
        }
    }
    if (dropResolvedRows(rows)) return;
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

bool LabelIssueModel::dropResolvedRows(const QVector<Row>& rows) {
    if (rows.size() >= rows_.size()) return false;
    const auto same = [](const Row& a, const Row& b) {
        return a.issue.imageId == b.issue.imageId && a.issue.classId == b.issue.classId &&
               a.issue.suggestedClassId == b.issue.suggestedClassId && a.issue.selfConfidence == b.issue.selfConfidence;
    };
    // `rows` must be rows_ in the same order with some left out.
    std::vector<int> gone;
    int next = 0;
    for (int r = 0; r < rows_.size(); ++r) {
        if (next < rows.size() && same(rows_[r], rows[next])) ++next;
        else gone.push_back(r);
    }
    if (next != rows.size()) return false;
    for (auto it = gone.rbegin(); it != gone.rend(); ++it) {
        beginRemoveRows(QModelIndex(), *it, *it);
        rows_.remove(*it);
        endRemoveRows();
    }
    return true;
}

int LabelIssueModel::rowOf(qint64 imageId) const {
    for (int r = 0; r < rows_.size(); ++r)
        if (rows_[r].issue.imageId == imageId) return r;
    return -1;
}

LabelCheckView::LabelCheckView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent)
    : QWidget(parent), document_(document) {
    model_ = new LabelIssueModel(document_, thumbnails, this);
    header_ = new QLabel(this);
    header_->setWordWrap(true);
    check_ = new QPushButton(tr("Check Labels Now"), this);
    check_->setToolTip(tr("Score every labelled photo with a quick model that did not learn from it (5-fold "
                          "cross-validation, photos of one find kept together) and list those whose label it doubts "
                          "most (confident learning). A few seconds; no label is changed."));
    auto* top = new QHBoxLayout;
    top->addWidget(header_, 1);
    top->addWidget(check_);

    const ReviewSplit queue = makeReviewSplit(this, model_);
    list_ = queue.list;
    image_ = queue.image;
    facts_ = queue.facts;
    QSplitter* split = queue.splitter;

    status_ = new QLabel(tr("Enter accepts the suggestion · K keeps your label · D marks it as disputed · 1–9 picks "
                            "another class · Space skips · Ctrl+Z undoes"),
                         this);
    status_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(status_);

    connect(check_, &QPushButton::clicked, this, [this] {
        if (!checking_ && document_->isOpen()) emit checkRequested();
    });
    connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, &LabelCheckView::onCurrentChanged);
    // Whatever may end or bring back a flag: labels (accept, keep, relabel, undo), disputes, classes, a rescan, a new
    // check. Hidden (another mode or source is on screen), the queue is read again when it is shown.
    const auto changed = [this] {
        if (isVisible()) reload();
        else stale_ = true;
    };
    for (auto signal : {&ProjectDocument::labelsChanged, &ProjectDocument::disputesChanged})
        connect(document_, signal, this, changed);
    for (auto signal : {&ProjectDocument::classesChanged, &ProjectDocument::imagesChanged,
                        &ProjectDocument::labelIssuesChanged, &ProjectDocument::opened, &ProjectDocument::closed})
        connect(document_, signal, this, changed);
    reload();
}

LabelCheckView::~LabelCheckView() = default;

void LabelCheckView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (stale_) reload();
}

void LabelCheckView::reload() {
    stale_ = false;
    const int keepRow = currentRow();
    const qint64 keepId = keepRow >= 0 ? model_->row(keepRow).issue.imageId : 0;
    QSet<qint64> before;
    for (int r = 0; r < model_->rowCount(); ++r) before.insert(model_->row(r).issue.imageId);
    model_->reload();
    // One photo back in the queue is an undo of what was done to it: show it again.
    QVector<int> back;
    for (int r = 0; r < model_->rowCount() && !before.isEmpty(); ++r)
        if (!before.contains(model_->row(r).issue.imageId)) back.push_back(r);
    int row = back.size() == 1 ? back.front() : keepId ? model_->rowOf(keepId) : -1;
    if (row < 0 && keepRow >= 0) row = std::min(keepRow, model_->rowCount() - 1);  // the one after a resolved photo
    if (row < 0 && model_->rowCount() > 0) row = 0;
    if (row >= 0) {
        setCurrentRow(row);
    } else {
        shownId_ = 0;
        photoImage_ = QImage();
        facts_->clear();
        showImage();
    }
    updateHeader();
}

void LabelCheckView::updateHeader() {
    check_->setEnabled(document_->isOpen() && !checking_);
    check_->setText(checking_ ? tr("Checking…") : tr("Check Labels Now"));
    if (!document_->isOpen()) {
        header_->setText(tr("<b>Possibly mislabelled:</b> no project open."));
        return;
    }
    const int n = model_->rowCount();
    if (n == 0) {
        header_->setText(tr("<b>Possibly mislabelled:</b> no photo waits for a look. Check the labels to score every "
                            "labelled photo with a model that did not learn from it."));
        return;
    }
    int64_t newest = 0;
    for (int r = 0; r < n; ++r) newest = std::max(newest, model_->row(r).issue.timeMs);
    const QString when = QLocale().toString(QDateTime::fromMSecsSinceEpoch(newest), QLocale::ShortFormat);
    header_->setText(tr("<b>Possibly mislabelled:</b> %n photo(s) whose label the check of %1 doubts, most suspect "
                        "first.",
                        nullptr, n)
                         .arg(when.toHtmlEscaped()));
}

void LabelCheckView::setChecking(bool checking) {
    checking_ = checking;
    if (checking) status_->setText(tr("Checking the labels: each photo is scored by a quick model that did not learn "
                                      "from it…"));
    updateHeader();
}

void LabelCheckView::showCheckResult(const QString& message) {
    checking_ = false;
    reload();
    status_->setText(message);
}

QString LabelCheckView::statusText() const { return status_->text(); }
QString LabelCheckView::headerText() const { return header_->text(); }

int LabelCheckView::currentRow() const { return list_->currentIndex().isValid() ? list_->currentIndex().row() : -1; }

void LabelCheckView::setCurrentRow(int row) {
    if (row < 0 || row >= model_->rowCount()) return;
    const QModelIndex index = model_->index(row);
    list_->setCurrentIndex(index);
    list_->scrollTo(index);
    onCurrentChanged();  // also when the index stayed the same but its photo changed (a reload)
}

void LabelCheckView::relabelCurrent(qint64 classId, project::LabelSource source) {
    const qint64 id = model_->row(currentRow()).issue.imageId;
    document_->undoStack()->push(new SetLabelsCommand(document_, {id}, classId, source));  // the queue reloads
}

bool LabelCheckView::acceptSuggestion() {
    const int row = currentRow();
    if (row < 0) return false;
    const auto suggested = model_->row(row).issue.suggestedClassId;
    if (!document_->classById(suggested)) {
        status_->setText(tr("The suggested class no longer exists; pick one with its key."));
        return false;
    }
    relabelCurrent(suggested, project::LabelSource::AcceptedPrediction);
    return true;
}

bool LabelCheckView::keepLabel() {
    const int row = currentRow();
    if (row < 0) return false;
    relabelCurrent(model_->row(row).issue.classId, project::LabelSource::Confirmed);
    return true;
}

bool LabelCheckView::markDisputed() {
    const int row = currentRow();
    if (row < 0) return false;
    document_->undoStack()->push(new SetDisputedCommand(document_, {model_->row(row).issue.imageId}, true));
    return true;
}

bool LabelCheckView::relabel(int key) {
    const auto cls = document_->classByKey(key);
    if (currentRow() < 0 || !cls) return false;
    relabelCurrent(cls->id, project::LabelSource::Manual);
    return true;
}

void LabelCheckView::skip() { setCurrentRow(std::min(currentRow() + 1, model_->rowCount() - 1)); }

bool LabelCheckView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == list_ && event->type() == QEvent::KeyPress) {
        const ReviewKey key = reviewKeyOf(*static_cast<QKeyEvent*>(event));
        switch (key.action) {
        case ReviewKey::Action::Accept: acceptSuggestion(); return true;
        case ReviewKey::Action::Keep: keepLabel(); return true;
        case ReviewKey::Action::Dispute: markDisputed(); return true;
        case ReviewKey::Action::Skip: skip(); return true;
        case ReviewKey::Action::ClassKey: relabel(key.classKey); return true;
        case ReviewKey::Action::None: break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void LabelCheckView::onCurrentChanged() {
    const int row = currentRow();
    if (row < 0) return;
    const auto& r = model_->row(row);
    const QString label = model_->className(r.issue.classId).toHtmlEscaped();
    const QString suggested = model_->className(r.issue.suggestedClassId).toHtmlEscaped();
    QStringList lines;
    lines << QStringLiteral("<b>%1</b>").arg(r.relPath.toHtmlEscaped());
    lines << tr("Labelled <b>%1</b>; a model that never saw this photo gives that label %2 and thinks it looks like "
                "<b>%3</b>.")
                 .arg(label, scoreText(r.issue.selfConfidence), suggested);
    if (!r.find.isEmpty()) lines << tr("Find: %1").arg(r.find.toHtmlEscaped());
    lines << tr("<small>Enter: it is %1 · K: keep %2 · D: disputed · 1–9: another class · Space: skip</small>")
                 .arg(suggested, label);
    facts_->setText(lines.join(QStringLiteral("<br>")));
    if (r.issue.imageId == shownId_) return;
    shownId_ = r.issue.imageId;
    photoImage_ = QImage();
    showImage();
    const QString path = r.absPath;
    readReviewPhotoLater(document_->jobs(), this, &photoRequest_, path, [this](const QImage& photo) {
        photoImage_ = photo;
        showImage();
    });
}

void LabelCheckView::showImage() { showReviewPhoto(image_, photoImage_, shownId_ ? tr("Loading…") : QString()); }

}  // namespace tessera::ui
