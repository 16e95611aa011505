#pragma once
// Undoable merge of one class into another: every image of `from` is relabelled `into` and `from` is removed.
// Undo re-creates `from` (name, key, colour) and restores the exact labels its images had.
#include <QUndoCommand>

#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::ui {

class ProjectDocument;

class MergeClassesCommand : public QUndoCommand {
public:
    MergeClassesCommand(ProjectDocument* document, qint64 fromClassId, qint64 intoClassId,
                        QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    ProjectDocument* document_;
    qint64 fromId_, intoId_;  // original ids, resolved when applied
    project::ClassInfo fromInfo_;
    std::vector<project::Label> fromLabels_;
};

}  // namespace tessera::ui
