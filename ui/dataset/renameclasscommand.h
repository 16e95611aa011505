#pragma once
// Undoable class rename.
#include <QString>
#include <QUndoCommand>

namespace tessera::ui {

class ProjectDocument;

class RenameClassCommand : public QUndoCommand {
public:
    RenameClassCommand(ProjectDocument* document, qint64 classId, QString oldName, QString newName,
                       QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    void apply(const QString& name);

    ProjectDocument* document_;
    qint64 classId_;
    QString oldName_, newName_;
};

}  // namespace tessera::ui
