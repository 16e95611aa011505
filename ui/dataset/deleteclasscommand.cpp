#include "ui/dataset/deleteclasscommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

DeleteClassCommand::DeleteClassCommand(ProjectDocument* document, qint64 classId, QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), classId_(classId) {
    const auto info = document_->classById(classId);
    setText(QCoreApplication::translate("DeleteClassCommand", "Delete class %1")
                .arg(info ? QString::fromStdString(info->name) : QString::number(classId)));
}

void DeleteClassCommand::redo() {
    const qint64 id = document_->resolveClassId(classId_);
    const auto info = document_->classById(id);
    if (!info) {
        setObsolete(true);
        return;
    }
    info_ = *info;
    labels_ = document_->labelsOfClass(id);
    const Status st = document_->store().removeClass(id);
    if (!st.ok()) {
        document_->reportError(QString::fromStdString(st.error()));
        setObsolete(true);
        return;
    }
    QVector<qint64> ids;
    ids.reserve(int(labels_.size()));
    for (const auto& l : labels_) ids.push_back(l.imageId);
    document_->notifyClassesChanged();
    document_->notifyLabelsChanged(ids);
}

void DeleteClassCommand::undo() { document_->restoreClass(info_, labels_); }

}  // namespace tessera::ui
