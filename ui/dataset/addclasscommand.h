#pragma once
// Undoable "add class". Undo removes the class (it has no labels yet at that point in the stack); redo re-creates it
// with the same name, key and colour and maps the old id to the new one for later commands.
#include <QString>
#include <QUndoCommand>

#include "core/project/imagerecord.h"

namespace tessera::ui {

class ProjectDocument;

class AddClassCommand : public QUndoCommand {
public:
    AddClassCommand(ProjectDocument* document, QString name, QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

    qint64 classId() const { return originalId_; }  // the id given by the first redo (0 if it failed)

private:
    ProjectDocument* document_;
    QString name_;
    qint64 originalId_ = 0;
    project::ClassInfo created_;
};

}  // namespace tessera::ui
