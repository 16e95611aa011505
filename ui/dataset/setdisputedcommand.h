#pragma once
// Undoable "this label is disputed" (or clearing it) for one or many photos: redo writes the state in one store
// transaction and remembers which photos actually changed; undo puts back exactly those.
#include <QUndoCommand>
#include <QVector>

namespace tessera::ui {

class ProjectDocument;

class SetDisputedCommand : public QUndoCommand {
public:
    SetDisputedCommand(ProjectDocument* document, QVector<qint64> imageIds, bool disputed,
                       QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    ProjectDocument* document_;
    QVector<qint64> imageIds_;
    bool disputed_;
    QVector<qint64> changed_;  // what redo changed: undo reverts only these
};

}  // namespace tessera::ui
