#include "ui/dataset/setlabelscommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

SetLabelsCommand::SetLabelsCommand(ProjectDocument* document, QVector<qint64> imageIds, qint64 classId,
                                   project::LabelSource source, QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), imageIds_(std::move(imageIds)), source_(source), classId_(classId) {
    const auto cls = document_->classById(classId);
    const QString what = classId == 0 ? QCoreApplication::translate("SetLabelsCommand", "Clear label")
                                      : QCoreApplication::translate("SetLabelsCommand", "Label as %1")
                                            .arg(cls ? QString::fromStdString(cls->name) : QString::number(classId));
    setText(imageIds_.size() == 1 ? what
                                  : QCoreApplication::translate("SetLabelsCommand", "%1 (%2 images)")
                                        .arg(what)
                                        .arg(imageIds_.size()));
}

void SetLabelsCommand::redo() {
    auto& store = document_->store();
    previous_.clear();
    if (classId_ != 0) {
        const std::vector<int64_t> ids(imageIds_.begin(), imageIds_.end());
        auto prev = store.setLabels(ids, document_->resolveClassId(classId_), source_);
        if (!prev.ok()) {
            document_->reportError(QString::fromStdString(prev.error()));
            setObsolete(true);
            return;
        }
        previous_ = std::move(*prev);
    } else {
        previous_.reserve(size_t(imageIds_.size()));
        for (qint64 id : imageIds_) {
            auto prev = store.clearLabel(id);
            if (!prev.ok()) {
                document_->reportError(QString::fromStdString(prev.error()));
                previous_.push_back(std::nullopt);  // keep positions aligned with imageIds_
                continue;
            }
            previous_.push_back(*prev);
        }
    }
    document_->notifyLabelsChanged(imageIds_);
}

void SetLabelsCommand::undo() {
    auto& store = document_->store();
    for (size_t i = 0; i < previous_.size() && i < size_t(imageIds_.size()); ++i) {
        std::optional<project::Label> label = previous_[i];
        if (label) label->classId = document_->resolveClassId(label->classId);
        const Status st = store.restoreLabel(imageIds_[int(i)], label);
        if (!st.ok()) document_->reportError(QString::fromStdString(st.error()));
    }
    document_->notifyLabelsChanged(imageIds_);
}

}  // namespace tessera::ui
