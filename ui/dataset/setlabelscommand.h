#pragma once
// Undoable label assignment for one or many images (keys 1-9 on a selection, 0 to clear). Redo commits the new label
// in one store transaction; undo puts back each image's previous label exactly (class, source and time).
#include <QUndoCommand>
#include <QVector>

#include <optional>
#include <vector>

#include "core/project/imagerecord.h"

namespace tessera::ui {

class ProjectDocument;

class SetLabelsCommand : public QUndoCommand {
public:
    // classId 0 clears the labels.
    // `source` records how the label came about (Review mode's Enter stores AcceptedPrediction).
    SetLabelsCommand(ProjectDocument* document, QVector<qint64> imageIds, qint64 classId,
                     project::LabelSource source = project::LabelSource::Manual, QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

private:
    ProjectDocument* document_;
    QVector<qint64> imageIds_;
    project::LabelSource source_;
    qint64 classId_;  // as given; resolved through ProjectDocument::resolveClassId when applied
    std::vector<std::optional<project::Label>> previous_;
};

}  // namespace tessera::ui
