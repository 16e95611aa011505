#include "ui/dataset/imagelistmodel.h"

#include <QColor>
#include <QLocale>
#include <QSet>

#include <algorithm>

#include "ui/shared/projectdocument.h"
#include "ui/shared/thumbnailprovider.h"

namespace tessera::ui {

ImageListModel::ImageListModel(ProjectDocument* document, ThumbnailProvider* thumbnails, QObject* parent)
    : QAbstractListModel(parent), document_(document), thumbnails_(thumbnails) {
    connect(document_, &ProjectDocument::labelsChanged, this, &ImageListModel::onLabelsChanged);
    connect(document_, &ProjectDocument::disputesChanged, this, &ImageListModel::onDisputesChanged);
    connect(document_, &ProjectDocument::labelIssuesChanged, this, &ImageListModel::onLabelIssuesChanged);
    connect(document_, &ProjectDocument::classesChanged, this, &ImageListModel::onClassesChanged);
    connect(document_, &ProjectDocument::imagesChanged, this, &ImageListModel::reload);
    connect(document_, &ProjectDocument::opened, this, &ImageListModel::reload);
    connect(document_, &ProjectDocument::closed, this, &ImageListModel::reload);
    connect(document_, &ProjectDocument::predictionsChanged, this, &ImageListModel::onPredictionsChanged);
    connect(thumbnails_, &ThumbnailProvider::thumbnailReady, this, &ImageListModel::onThumbnailDone);
    connect(thumbnails_, &ThumbnailProvider::thumbnailFailed, this, [this](const QString& hash, const QString&) {
        failedThumbnails_.insert(hash);
        onThumbnailDone(hash);
    });
    connect(thumbnails_, &ThumbnailProvider::requestsDropped, this, [this] {
        if (!rows_.empty()) emit dataChanged(index(0), index(int(rows_.size()) - 1), {Qt::DecorationRole});
    });
}

int ImageListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QStringList ImageListModel::flagNames(uint32_t flags) {
    QStringList names;
    if (flags & project::FlagUnreadable) names << tr("unreadable");
    if (flags & project::FlagTooSmall) names << tr("too small");
    if (flags & project::FlagBlurry) names << tr("blurry");
    if (flags & project::FlagDuplicate) names << tr("duplicate");
    if (flags & project::FlagNearDuplicate) names << tr("near duplicate");
    if (flags & project::FlagMissing) names << tr("missing");
    return names;
}

QVariant ImageListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size())) return {};
    const Row& row = rows_[size_t(index.row())];
    const project::ImageRecord& r = row.record;
    switch (role) {
    case Qt::DisplayRole:
    case FileNameRole: return row.fileName;
    case Qt::DecorationRole:
        if (r.flags & project::FlagUnreadable) return QPixmap();
        return thumbnails_->thumbnail(row.hash, root_ + QLatin1Char('/') + row.relPath);
    case Qt::ToolTipRole: {
        QString tip = row.relPath;
        if (r.width > 0) tip += QStringLiteral("\n%1 × %2 px").arg(r.width).arg(r.height);
        tip += QLatin1Char('\n') + QLocale().formattedDataSize(r.fileSize);
        if (const auto cls = document_->classById(row.classId)) tip += QLatin1Char('\n') + QString::fromStdString(cls->name);
        const QStringList flags = flagNames(r.flags);
        if (!flags.isEmpty()) tip += QLatin1Char('\n') + tr("Warnings: %1").arg(flags.join(QStringLiteral(", ")));
        if (!r.error.empty()) tip += QLatin1Char('\n') + QString::fromStdString(r.error);
        if (row.confidence >= 0.f) {
            const auto predicted = document_->classById(row.predictedClassId);
            tip += QLatin1Char('\n') + tr("Model says: %1 (%2 %)")
                                            .arg(predicted ? QString::fromStdString(predicted->name) : tr("a removed class"))
                                            .arg(qRound(row.confidence * 100.f));
        }
        return tip;
    }
    case IdRole: return qlonglong(r.id);
    case RelPathRole: return row.relPath;
    case AbsolutePathRole: return root_ + QLatin1Char('/') + row.relPath;
    case ClassIdRole: return qlonglong(row.classId);
    case ClassNameRole: {
        const auto cls = document_->classById(row.classId);
        return cls ? QString::fromStdString(cls->name) : QString();
    }
    case ClassColorRole: {
        const auto cls = document_->classById(row.classId);
        return cls ? QColor(QString::fromStdString(cls->color)) : QColor();
    }
    case FlagsRole: return uint(r.flags);
    case WidthRole: return r.width;
    case HeightRole: return r.height;
    case FileSizeRole: return qlonglong(r.fileSize);
    case FormatRole: return QString::fromStdString(r.format);
    case ErrorRole: return QString::fromStdString(r.error);
    case ContentHashRole: return row.hash;
    case PredictedClassIdRole:
        return row.confidence >= 0.f ? QVariant(qlonglong(row.predictedClassId)) : QVariant();
    case PredictedClassNameRole: {
        if (row.confidence < 0.f) return {};
        const auto cls = document_->classById(row.predictedClassId);
        return cls ? QString::fromStdString(cls->name) : QString();
    }
    case PredictedClassColorRole: {
        if (row.confidence < 0.f) return {};
        const auto cls = document_->classById(row.predictedClassId);
        return cls ? QColor(QString::fromStdString(cls->color)) : QColor();
    }
    case ConfidenceRole: return row.confidence >= 0.f ? QVariant(double(row.confidence)) : QVariant();
    case DisputedRole: return row.disputed;
    case SuggestedClassIdRole: return row.suggestedClassId;
    case ThumbnailStateRole:
        if ((r.flags & project::FlagUnreadable) || failedThumbnails_.contains(row.hash)) return int(ThumbnailFailed);
        return int(thumbnails_->isCached(row.hash) ? ThumbnailReady : ThumbnailPending);
    default: return {};
    }
}

QHash<int, QByteArray> ImageListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "imageId");
    names.insert(RelPathRole, "relPath");
    names.insert(ClassIdRole, "classId");
    names.insert(FlagsRole, "flags");
    names.insert(WidthRole, "width");
    names.insert(HeightRole, "height");
    names.insert(FileSizeRole, "fileSize");
    names.insert(PredictedClassIdRole, "predictedClassId");
    names.insert(PredictedClassNameRole, "predictedClassName");
    names.insert(ConfidenceRole, "confidence");
    names.insert(DisputedRole, "disputed");
    names.insert(SuggestedClassIdRole, "suggestedClassId");
    return names;
}

void ImageListModel::reload() {
    beginResetModel();
    rows_.clear();
    rowById_.clear();
    rowsByHash_.clear();
    failedThumbnails_.clear();
    root_.clear();
    predictionRun_ = 0;
    predictedCount_ = 0;
    if (document_->isOpen()) {
        root_ = document_->rootPath();
        auto images = document_->store().images();
        auto labels = document_->store().classByImage();
        auto disputed = document_->store().disputedImages();
        if (!images.ok() || !labels.ok() || !disputed.ok()) {
            document_->reportError(QString::fromStdString(
                !images.ok() ? images.error() : !labels.ok() ? labels.error() : disputed.error()));
        } else {
            rows_.reserve(images->size());
            for (auto& rec : *images) {
                if (rec.flags & project::FlagMissing) continue;
                Row row;
                row.relPath = QString::fromStdString(rec.relPath);
                row.fileName = row.relPath.mid(row.relPath.lastIndexOf(QLatin1Char('/')) + 1);
                row.hash = QString::fromStdString(rec.contentHash);
                const auto it = labels->find(rec.id);
                row.classId = it == labels->end() ? 0 : it->second;
                row.disputed = disputed->count(rec.id) > 0;
                row.record = std::move(rec);
                const int index = int(rows_.size());
                rowById_.insert(row.record.id, index);
                if (!row.hash.isEmpty()) rowsByHash_.insert(row.hash, index);
                rows_.push_back(std::move(row));
            }
            readPredictions();  // inside the reset: no per-row signals needed
            readLabelIssues();
        }
    }
    endResetModel();
    emit predictionsReloaded();
    recount();
}

QHash<qint64, int> ImageListModel::classCounts() const {
    QHash<qint64, int> counts;
    for (const Row& row : rows_)
        if (row.classId != 0) ++counts[row.classId];
    return counts;
}

std::vector<project::ImageRecord> ImageListModel::records() const {
    std::vector<project::ImageRecord> out;
    out.reserve(rows_.size());
    for (const Row& row : rows_) out.push_back(row.record);
    return out;
}

std::unordered_map<int64_t, int64_t> ImageListModel::classByImage() const {
    std::unordered_map<int64_t, int64_t> out;
    out.reserve(rows_.size());
    for (const Row& row : rows_)
        if (row.classId != 0) out.emplace(row.record.id, row.classId);
    return out;
}

void ImageListModel::recount() {
    Counts c;
    c.images = qint64(rows_.size());
    for (const Row& row : rows_) {
        if (row.classId != 0) ++c.labelled;
        if (row.record.flags & kWarningFlags) ++c.flagged;
    }
    c.unlabelled = c.images - c.labelled;
    counts_ = c;
    emit countsChanged();
}

void ImageListModel::onDisputesChanged(const QVector<qint64>& imageIds) {
    if (!document_->isOpen() || imageIds.isEmpty()) return;
    auto disputed = document_->store().disputedImages();
    if (!disputed.ok()) return document_->reportError(QString::fromStdString(disputed.error()));
    QVector<int> changed;
    for (qint64 id : imageIds) {
        const int row = rowForId(id);
        if (row < 0) continue;
        rows_[size_t(row)].disputed = disputed->count(id) > 0;
        changed.push_back(row);
    }
    emitRowsChanged(changed, {DisputedRole});
    onLabelIssuesChanged();  // a disputed label is not questioned
}

QVector<int> ImageListModel::readLabelIssues() {
    QVector<int> changed;
    if (!document_->isOpen()) return changed;
    auto issues = document_->store().labelIssues();
    if (!issues.ok()) {
        document_->reportError(QString::fromStdString(issues.error()));
        return changed;
    }
    QHash<qint64, qint64> suggestedOf;
    for (const auto& issue : *issues) suggestedOf.insert(issue.imageId, issue.suggestedClassId);
    for (size_t r = 0; r < rows_.size(); ++r) {
        const qint64 suggested = suggestedOf.value(rows_[r].record.id, 0);
        if (rows_[r].suggestedClassId == suggested) continue;
        rows_[r].suggestedClassId = suggested;
        changed.push_back(int(r));
    }
    return changed;
}

void ImageListModel::onLabelIssuesChanged() { emitRowsChanged(readLabelIssues(), {SuggestedClassIdRole}); }

void ImageListModel::onLabelsChanged(const QVector<qint64>& imageIds) {
    if (!document_->isOpen() || imageIds.isEmpty()) return;
    auto& store = document_->store();
    QVector<int> changed;
    // A dispute goes with its label (cleared with it, back with an undo): both are read again.
    // Many ids: one query for the whole map is cheaper than one per image.
    if (imageIds.size() > 200) {
        auto labels = store.classByImage();
        if (!labels.ok()) return document_->reportError(QString::fromStdString(labels.error()));
        auto disputed = store.disputedImages();
        if (!disputed.ok()) return document_->reportError(QString::fromStdString(disputed.error()));
        for (qint64 id : imageIds) {
            const int row = rowForId(id);
            if (row < 0) continue;
            const auto it = labels->find(id);
            rows_[size_t(row)].classId = it == labels->end() ? 0 : it->second;
            rows_[size_t(row)].disputed = disputed->count(id) > 0;
            changed.push_back(row);
        }
    } else {
        for (qint64 id : imageIds) {
            const int row = rowForId(id);
            if (row < 0) continue;
            auto label = store.label(id);
            if (!label.ok()) return document_->reportError(QString::fromStdString(label.error()));
            rows_[size_t(row)].classId = label->has_value() ? (*label)->classId : 0;
            rows_[size_t(row)].disputed = label->has_value() && (*label)->disputed;
            changed.push_back(row);
        }
    }
    emitRowsChanged(changed, {ClassIdRole, ClassNameRole, ClassColorRole, DisputedRole, Qt::ToolTipRole});
    recount();
    onLabelIssuesChanged();  // a flag stands only while its label does
}

void ImageListModel::onClassesChanged() {
    if (rows_.empty()) return;
    forgetRemovedPredictedClasses();
    emit dataChanged(index(0), index(int(rows_.size()) - 1),
                     {ClassNameRole, ClassColorRole, PredictedClassIdRole, PredictedClassNameRole,
                      PredictedClassColorRole, Qt::ToolTipRole});
}

void ImageListModel::forgetRemovedPredictedClasses() {
    // The store reads a prediction of a since-removed class back as class 0; do the same in memory so that
    // "Predicted as" and "disagrees" never match a class id that no longer exists (or is reused after undo).
    QSet<qint64> known;
    for (const auto& c : document_->classes()) known.insert(c.id);
    for (Row& row : rows_)
        if (row.predictedClassId != 0 && !known.contains(row.predictedClassId)) row.predictedClassId = 0;
}

QVector<int> ImageListModel::readPredictions() {
    QVector<int> changed;
    predictionRun_ = document_->isOpen() ? document_->predictionRun() : 0;
    QHash<qint64, Prediction> byImage;
    if (predictionRun_ != 0) {
        // Handed over by the worker that wrote them (the quick model), else read from the store.
        ProjectDocument::PredictionRows predictions = document_->predictionRows();
        if (!predictions) {
            auto stored = document_->store().predictions(predictionRun_);
            if (stored.ok())
                predictions = std::make_shared<const std::vector<project::PredictionRecord>>(std::move(*stored));
            else
                document_->reportError(QString::fromStdString(stored.error()));
        }
        if (predictions) {
            byImage.reserve(int(predictions->size()));
            for (const auto& p : *predictions)
                byImage.insert(p.imageId, Prediction{p.classId, float(std::clamp(p.confidence, 0.0, 1.0))});
        }
    }
    predictedCount_ = 0;
    for (size_t i = 0; i < rows_.size(); ++i) {
        Row& row = rows_[i];
        const auto it = byImage.constFind(row.record.id);
        const Prediction p = it == byImage.cend() ? Prediction{} : *it;
        if (p.confidence >= 0.f) ++predictedCount_;
        if (p.classId == row.predictedClassId && p.confidence == row.confidence) continue;
        row.predictedClassId = p.classId;
        row.confidence = p.confidence;
        changed.push_back(int(i));
    }
    forgetRemovedPredictedClasses();
    return changed;
}

void ImageListModel::onPredictionsChanged() {
    // Rewrite the rows in place and signal only those that changed: the grid keeps its selection and scroll
    // position while the quick model refreshes its predictions every few labels.
    emit predictionsAboutToBeReloaded();
    const QVector<int> changed = readPredictions();
    emitRowsChanged(changed, {PredictedClassIdRole, PredictedClassNameRole, PredictedClassColorRole, ConfidenceRole,
                              Qt::ToolTipRole});
    emit predictionsReloaded();
}

void ImageListModel::onThumbnailDone(const QString& hash) {
    QVector<int> rows;
    for (auto it = rowsByHash_.constFind(hash); it != rowsByHash_.cend() && it.key() == hash; ++it) rows.push_back(*it);
    emitRowsChanged(rows, {Qt::DecorationRole, ThumbnailStateRole});
}

void ImageListModel::emitRowsChanged(const QVector<int>& rows, const QVector<int>& roles) {
    if (rows.isEmpty()) return;
    QVector<int> sorted = rows;
    std::sort(sorted.begin(), sorted.end());
    // Coalesce runs of consecutive rows into one signal each: a bulk assign of a contiguous selection is one range.
    int first = sorted.front(), last = first;
    for (int i = 1; i <= sorted.size(); ++i) {
        if (i < sorted.size() && sorted[i] <= last + 1) {
            last = std::max(last, sorted[i]);
            continue;
        }
        emit dataChanged(index(first), index(last), roles);
        if (i < sorted.size()) first = last = sorted[i];
    }
}

}  // namespace tessera::ui
