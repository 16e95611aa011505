#include "ui/dataset/setdisputedcommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

SetDisputedCommand::SetDisputedCommand(ProjectDocument* document, QVector<qint64> imageIds, bool disputed,
                                       QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), imageIds_(std::move(imageIds)), disputed_(disputed) {
    const QString what = disputed ? QCoreApplication::translate("SetDisputedCommand", "Mark label as disputed")
                                  : QCoreApplication::translate("SetDisputedCommand", "Clear dispute");
    setText(imageIds_.size() == 1 ? what
                                  : QCoreApplication::translate("SetDisputedCommand", "%1 (%2 images)")
                                        .arg(what)
                                        .arg(imageIds_.size()));
}

void SetDisputedCommand::redo() {
    const std::vector<int64_t> ids(imageIds_.begin(), imageIds_.end());
    auto changed = document_->store().setDisputed(ids, disputed_);
    if (!changed.ok()) {
        document_->reportError(QString::fromStdString(changed.error()));
        setObsolete(true);
        return;
    }
    changed_ = QVector<qint64>(changed->begin(), changed->end());
    if (changed_.isEmpty()) setObsolete(true);  // nothing changed: no step to undo
    document_->notifyDisputesChanged(changed_);
}

void SetDisputedCommand::undo() {
    const std::vector<int64_t> ids(changed_.begin(), changed_.end());
    if (auto back = document_->store().setDisputed(ids, !disputed_); !back.ok())
        document_->reportError(QString::fromStdString(back.error()));
    document_->notifyDisputesChanged(changed_);
}

}  // namespace tessera::ui
