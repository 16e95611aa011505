#include "ui/dataset/addclasscommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

AddClassCommand::AddClassCommand(ProjectDocument* document, QString name, QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), name_(std::move(name)) {
    setText(QCoreApplication::translate("AddClassCommand", "Add class %1").arg(name_));
}

void AddClassCommand::redo() {
    auto& store = document_->store();
    auto id = store.addClass(name_.toStdString());
    if (!id.ok()) {
        document_->reportError(QString::fromStdString(id.error()));
        setObsolete(true);
        return;
    }
    if (originalId_ == 0) {
        originalId_ = *id;
        document_->notifyClassesChanged();
        if (auto info = document_->classById(*id)) created_ = *info;
        return;
    }
    // Re-created after an undo: give it back the key and colour it had, and let older ids find it.
    if (created_.key > 0) (void)store.setClassKey(*id, created_.key);
    if (!created_.color.empty()) (void)store.setClassColor(*id, created_.color);
    document_->remapClassId(originalId_, *id);
    document_->notifyClassesChanged();
}

void AddClassCommand::undo() {
    if (originalId_ == 0) return;
    const Status st = document_->store().removeClass(document_->resolveClassId(originalId_));
    if (!st.ok()) document_->reportError(QString::fromStdString(st.error()));
    document_->notifyClassesChanged();
}

}  // namespace tessera::ui
