#include "ui/dataset/mergeclassescommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

MergeClassesCommand::MergeClassesCommand(ProjectDocument* document, qint64 fromClassId, qint64 intoClassId,
                                         QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), fromId_(fromClassId), intoId_(intoClassId) {
    const auto from = document_->classById(fromClassId);
    const auto into = document_->classById(intoClassId);
    setText(QCoreApplication::translate("MergeClassesCommand", "Merge %1 into %2")
                .arg(from ? QString::fromStdString(from->name) : QString::number(fromClassId),
                     into ? QString::fromStdString(into->name) : QString::number(intoClassId)));
}

void MergeClassesCommand::redo() {
    const qint64 from = document_->resolveClassId(fromId_);
    const auto info = document_->classById(from);
    if (!info) {
        setObsolete(true);
        return;
    }
    fromInfo_ = *info;
    fromLabels_ = document_->labelsOfClass(from);
    const Status st = document_->store().mergeClasses(from, document_->resolveClassId(intoId_));
    if (!st.ok()) {
        document_->reportError(QString::fromStdString(st.error()));
        setObsolete(true);
        return;
    }
    QVector<qint64> ids;
    ids.reserve(int(fromLabels_.size()));
    for (const auto& l : fromLabels_) ids.push_back(l.imageId);
    document_->notifyClassesChanged();
    document_->notifyLabelsChanged(ids);
}

void MergeClassesCommand::undo() { document_->restoreClass(fromInfo_, fromLabels_); }

}  // namespace tessera::ui
