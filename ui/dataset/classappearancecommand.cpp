#include "ui/dataset/classappearancecommand.h"

#include <QCoreApplication>

#include "ui/shared/projectdocument.h"

namespace tessera::ui {

ClassAppearanceCommand::ClassAppearanceCommand(ProjectDocument* document, qint64 classId, int key,
                                               const QString& color, QUndoCommand* parent)
    : QUndoCommand(parent), document_(document), classId_(classId), key_(key), color_(color) {
    const auto cls = document_->classById(classId);
    const QString name = cls ? QString::fromStdString(cls->name) : QString::number(classId);
    setText(key >= 0 ? QCoreApplication::translate("ClassAppearanceCommand", "Key %1 for %2").arg(key).arg(name)
                     : QCoreApplication::translate("ClassAppearanceCommand", "Colour of %1").arg(name));
}

void ClassAppearanceCommand::redo() {
    auto& store = document_->store();
    const qint64 id = document_->resolveClassId(classId_);
    previousKeys_.clear();
    previousColor_.clear();
    for (const auto& c : document_->classes()) {
        previousKeys_.push_back({c.id, c.key});
        if (c.id == id) previousColor_ = QString::fromStdString(c.color);
    }
    Status st;
    if (key_ >= 0) st = store.setClassKey(id, key_);
    if (st.ok() && !color_.isEmpty()) st = store.setClassColor(id, color_.toStdString());
    if (!st.ok()) {
        document_->reportError(QString::fromStdString(st.error()));
        setObsolete(true);
    }
    document_->notifyClassesChanged();
}

void ClassAppearanceCommand::undo() {
    auto& store = document_->store();
    const qint64 id = document_->resolveClassId(classId_);
    // Clear first so that putting keys back never steals one from a class restored later in the loop.
    for (const auto& [cid, key] : previousKeys_) store.setClassKey(document_->resolveClassId(cid), 0);
    for (const auto& [cid, key] : previousKeys_)
        if (key > 0) store.setClassKey(document_->resolveClassId(cid), key);
    if (!color_.isEmpty() && !previousColor_.isEmpty()) store.setClassColor(id, previousColor_.toStdString());
    document_->notifyClassesChanged();
}

}  // namespace tessera::ui
