#include "ui/review/reviewmodel.h"

#include <QColor>
#include <QFont>

#include <algorithm>

#include "ui/shared/projectdocument.h"
#include "ui/shared/thumbnailprovider.h"

namespace tessera::ui {

namespace {

bool lessCertainFirst(const ReviewItem& a, const ReviewItem& b) {
    if (a.error.isEmpty() != b.error.isEmpty()) return !a.error.isEmpty();  // unreadable first: they need a look
    return a.confidence < b.confidence;
}

}  // namespace

ReviewModel::ReviewModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent)
    : QAbstractListModel(parent), document_(document), thumbnails_(thumbnails) {
    connect(thumbnails_, &ThumbnailProvider::thumbnailReady, this, [this](const QString& hash) {
        for (int r = 0; r < rows_.size(); ++r)
            if (rows_[r].contentHash == hash) emit dataChanged(index(r), index(r), {Qt::DecorationRole});
    });
    connect(document_, &ProjectDocument::labelsChanged, this, &ReviewModel::refreshLabels);
}

int ReviewModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_.size(); }

QVariant ReviewModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const ReviewItem& it = rows_[index.row()];
    const bool unknown = it.error.isEmpty() && it.confidence < threshold_;
    const auto label = labelOf_.constFind(it.imageId);
    switch (role) {
    case Qt::DisplayRole: {
        if (!it.error.isEmpty()) return tr("%1\ncannot read").arg(it.relPath.section(QLatin1Char('/'), -1));
        QStringList lines;
        if (label != labelOf_.constEnd()) {
            const auto cls = document_->classById(*label);
            lines << tr("✓ %1").arg(cls ? QString::fromStdString(cls->name) : QString());
        } else if (unknown) {
            lines << tr("unknown?");
        }
        for (int i = 0; i < it.topClasses.size(); ++i)
            lines << QStringLiteral("%1 %2 %").arg(it.topClasses[i]).arg(100.0 * it.topProbs[i], 0, 'f', 0);
        // The "label these next" rank leads the first line: the grid cell has room for three lines only.
        if (it.suggestRank > 0 && !lines.isEmpty())
            lines[0] = (it.nearDuplicate ? tr("#%1 ≈ %2") : tr("#%1 · %2")).arg(it.suggestRank).arg(lines[0]);
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::ToolTipRole: {
        QString tip = it.error.isEmpty() ? it.relPath : tr("%1\n%2").arg(it.relPath, it.error);
        if (it.suggestRank > 0)
            tip += (it.nearDuplicate ? tr("\nSuggested #%1, though it looks like an earlier suggestion")
                                     : tr("\nSuggested #%1: its label would teach the model most"))
                       .arg(it.suggestRank);
        return tip;
    }
    case Qt::DecorationRole: {
        const QPixmap pm = thumbnails_->thumbnail(it.contentHash, it.absPath);
        return pm.isNull() ? QVariant() : QVariant(pm);
    }
    case Qt::ForegroundRole:
        if (label != labelOf_.constEnd()) return QColor(30, 120, 60);
        if (unknown || !it.error.isEmpty()) return QColor(150, 80, 40);
        return {};
    case Qt::FontRole:
        if (label != labelOf_.constEnd()) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case ImageIdRole: return it.imageId;
    case ConfidenceRole: return double(it.confidence);
    case UnknownRole: return unknown;
    case LabelledRole: return label != labelOf_.constEnd();
    default: return {};
    }
}

void ReviewModel::clear() {
    beginResetModel();
    rows_.clear();
    labelOf_.clear();
    endResetModel();
}

void ReviewModel::addItems(const QVector<ReviewItem>& items) {
    if (items.isEmpty()) return;
    // Results arrive in batches while the user may already be working on the top rows: insert each at its sorted
    // place (rows keep their selection) instead of resetting.
    for (const ReviewItem& it : items) {
        const auto pos = std::upper_bound(rows_.begin(), rows_.end(), it, lessCertainFirst);
        const int row = int(pos - rows_.begin());
        beginInsertRows(QModelIndex(), row, row);
        rows_.insert(row, it);
        endInsertRows();
        readLabel(it.imageId);
    }
}

void ReviewModel::setItems(QVector<ReviewItem> items) {
    std::stable_sort(items.begin(), items.end(), lessCertainFirst);
    beginResetModel();
    rows_ = std::move(items);
    labelOf_.clear();
    // One query for every label instead of one per row: a refresh may bring thousands of rows.
    if (document_->isOpen())
        if (auto labels = document_->store().classByImage(); labels.ok())
            for (const ReviewItem& it : rows_)
                if (auto l = labels->find(it.imageId); l != labels->end()) labelOf_.insert(it.imageId, l->second);
    endResetModel();
}

void ReviewModel::readLabel(qint64 imageId) {
    if (!document_->isOpen()) return;
    auto label = document_->store().label(imageId);
    if (label.ok() && *label) labelOf_.insert(imageId, (*label)->classId);
    else labelOf_.remove(imageId);
}

int ReviewModel::rowOf(qint64 imageId) const {
    for (int r = 0; r < rows_.size(); ++r)
        if (rows_[r].imageId == imageId) return r;
    return -1;
}

void ReviewModel::moveToTop(const QVector<qint64>& imageIds, const QSet<qint64>& nearDuplicates) {
    beginResetModel();
    QVector<ReviewItem> top, rest;
    QHash<qint64, int> rank;
    for (int i = 0; i < imageIds.size(); ++i) rank.insert(imageIds[i], i);
    top.resize(imageIds.size());
    QVector<bool> filled(imageIds.size(), false);
    for (ReviewItem& it : rows_) {
        const auto r = rank.constFind(it.imageId);
        if (r == rank.constEnd()) {
            it.suggestRank = 0;
            it.nearDuplicate = false;
            rest << it;
        } else {
            top[*r] = it;
            filled[*r] = true;
        }
    }
    rows_.clear();
    for (int i = 0; i < top.size(); ++i) {
        if (!filled[i]) continue;
        top[i].suggestRank = rows_.size() + 1;
        top[i].nearDuplicate = nearDuplicates.contains(top[i].imageId);
        rows_ << top[i];
    }
    rows_ << rest;
    endResetModel();
}

void ReviewModel::setUnknownThreshold(double threshold) {
    threshold_ = threshold;
    if (!rows_.isEmpty()) emit dataChanged(index(0), index(rows_.size() - 1));
}

void ReviewModel::refreshLabels(const QVector<qint64>& imageIds) {
    if (!document_->isOpen()) return;
    for (qint64 id : imageIds) {
        const int row = rowOf(id);
        if (row < 0) continue;
        readLabel(id);
        emit dataChanged(index(row), index(row));
    }
}

}  // namespace tessera::ui
