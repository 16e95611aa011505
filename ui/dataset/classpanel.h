#pragma once
// The class list beside the grid: colour, shortcut key, name and image count of each class, with add / rename /
// merge / delete, shortcut key and colour. Every edit goes onto the document's undo stack. Activating a class filters the grid to it.
#include <QWidget>

class QColor;
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
    bool setClassKey(qint64 classId, int key);  // 0..9; a key taken from another class moves here
    bool setClassColor(qint64 classId, const QColor& color);

signals:
    void classActivated(qint64 classId);  // double-click: show only this class

private:
    void refresh();
    void updateButtons();
    void onAdd();
    void onRename();
    void onMerge();
    void onDelete();
    void onKey();
    void onColor();

    ProjectDocument* document_;
    ImageListModel* images_;
    QTreeWidget* tree_;
    QPushButton *add_, *rename_, *merge_, *delete_, *key_, *color_;
};

}  // namespace tessera::ui
