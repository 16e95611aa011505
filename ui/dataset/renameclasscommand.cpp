#include "ui/dataset/renameclasscommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

RenameClassCommand::RenameClassCommand(ProjectDocument* document, qint64 classId, QString oldName, QString newName,
                                       QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), classId_(classId), oldName_(std::move(oldName)),
      newName_(std::move(newName)) {
    setText(QCoreApplication::translate("RenameClassCommand", "Rename class %1 to %2").arg(oldName_, newName_));
}

void RenameClassCommand::redo() { apply(newName_); }
void RenameClassCommand::undo() { apply(oldName_); }

void RenameClassCommand::apply(const QString& name) {
    const Status st = document_->store().renameClass(document_->resolveClassId(classId_), name.toStdString());
    if (!st.ok()) {
        document_->reportError(QString::fromStdString(st.error()));
        setObsolete(true);
    }
    document_->notifyClassesChanged();
}

}  // namespace tessera::ui
