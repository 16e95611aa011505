#pragma once
// The class list beside the grid: colour, shortcut key, name and image count of each class, with add / rename /
// merge / delete. Every edit goes onto the document's undo stack. Activating a class filters the grid to it.
#include <QWidget>

class QPushButton;
class QTreeWidget;

namespace tessera::ui {

class ImageListModel;
class ProjectDocument;

class ClassPanel : public QWidget {
    Q_OBJECT
public:
    ClassPanel(ProjectDocument* document, ImageListModel* images, QWidget* parent = nullptr);

    qint64 currentClassId() const;
    void setCurrentClassId(qint64 id);

    // The edits, without dialogs (the buttons ask first, then call these). Each pushes one undo command.
    bool addClass(const QString& name);
    bool renameClass(qint64 classId, const QString& newName);
    bool mergeClass(qint64 fromClassId, qint64 intoClassId);
    bool deleteClass(qint64 classId);

signals:
    void classActivated(qint64 classId);  // double-click: show only this class

private:
    void refresh();
    void updateButtons();
    void onAdd();
    void onRename();
    void onMerge();
    void onDelete();

    ProjectDocument* document_;
    ImageListModel* images_;
    QTreeWidget* tree_;
    QPushButton *add_, *rename_, *merge_, *delete_;
};

}  // namespace tessera::ui
