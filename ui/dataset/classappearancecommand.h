#pragma once
// Undoable change of a class's shortcut key and/or colour. A key names one class, so taking a key from another
// class is part of the same step: undo gives every class its previous key back.
#include <QString>
#include <QUndoCommand>
#include <QVector>

#include <utility>

namespace tessera::ui {

class ProjectDocument;

class ClassAppearanceCommand : public QUndoCommand {
public:
    // key < 0 keeps the key; an empty colour keeps the colour.
    ClassAppearanceCommand(ProjectDocument* document, qint64 classId, int key, const QString& color,
                           QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    ProjectDocument* document_;
    qint64 classId_;
    int key_;
    QString color_;
    QString previousColor_;
    QVector<std::pair<qint64, int>> previousKeys_;  // every class's key before the change
};

}  // namespace tessera::ui
