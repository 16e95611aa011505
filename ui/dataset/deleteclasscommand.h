#pragma once
// Undoable class deletion (its images become unlabelled). Undo re-creates the class (name, key, colour) and
// restores the exact labels its images had.
#include <QUndoCommand>

#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::ui {

class ProjectDocument;

class DeleteClassCommand : public QUndoCommand {
public:
    DeleteClassCommand(ProjectDocument* document, qint64 classId, QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    ProjectDocument* document_;
    qint64 classId_;  // original id, resolved when applied
    project::ClassInfo info_;
    std::vector<project::Label> labels_;
};

}  // namespace tessera::ui
