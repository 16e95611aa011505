#include "ui/dataset/classpanel.h"

#include <QColorDialog>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/dataset/addclasscommand.h"
#include "ui/dataset/classappearancecommand.h"
#include "ui/dataset/deleteclasscommand.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/dataset/mergeclassescommand.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/renameclasscommand.h"

namespace tessera::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;

QIcon swatch(const QColor& color) {
    QPixmap pm(14, 14);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(color.darker(130));
    p.setBrush(color);
    p.drawRoundedRect(QRectF(0.5, 0.5, 13, 13), 3, 3);
    return QIcon(pm);
}

}  // namespace

ClassPanel::ClassPanel(ProjectDocument* document, ImageListModel* images, QWidget* parent)
    : QWidget(parent), document_(document), images_(images) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto* title = new QLabel(tr("<b>Classes</b>"), this);
    layout->addWidget(title);

    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(3);
    tree_->setHeaderLabels({tr("Key"), tr("Class"), tr("Images")});
    tree_->setRootIsDecorated(false);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    tree_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    tree_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    tree_->setToolTip(tr("Press a class's key (1–9) to label the selected images; 0 removes the label.\n"
                         "Double-click a class to show only its images."));
    layout->addWidget(tree_, 1);

    auto* buttons = new QGridLayout;
    add_ = new QPushButton(tr("Add…"), this);
    rename_ = new QPushButton(tr("Rename…"), this);
    merge_ = new QPushButton(tr("Merge into…"), this);
    delete_ = new QPushButton(tr("Delete"), this);
    add_->setToolTip(tr("Add a new class"));
    merge_->setToolTip(tr("Move all images of this class into another class and remove it"));
    delete_->setToolTip(tr("Remove this class; its images become unlabelled"));
    buttons->addWidget(add_, 0, 0);
    buttons->addWidget(rename_, 0, 1);
    buttons->addWidget(merge_, 1, 0);
    buttons->addWidget(delete_, 1, 1);
    key_ = new QPushButton(tr("Key…"), this);
    key_->setToolTip(tr("Choose the key (1–9) that labels photos with this class"));
    color_ = new QPushButton(tr("Colour…"), this);
    color_->setToolTip(tr("Choose the colour this class is shown in"));
    buttons->addWidget(key_, 2, 0);
    buttons->addWidget(color_, 2, 1);
    layout->addLayout(buttons);

    connect(add_, &QPushButton::clicked, this, &ClassPanel::onAdd);
    connect(rename_, &QPushButton::clicked, this, &ClassPanel::onRename);
    connect(merge_, &QPushButton::clicked, this, &ClassPanel::onMerge);
    connect(delete_, &QPushButton::clicked, this, &ClassPanel::onDelete);
    connect(key_, &QPushButton::clicked, this, &ClassPanel::onKey);
    connect(color_, &QPushButton::clicked, this, &ClassPanel::onColor);
    connect(tree_, &QTreeWidget::currentItemChanged, this, &ClassPanel::updateButtons);
    connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        emit classActivated(item->data(0, kIdRole).toLongLong());
    });
    connect(document_, &ProjectDocument::classesChanged, this, &ClassPanel::refresh);
    connect(document_, &ProjectDocument::opened, this, &ClassPanel::refresh);
    connect(document_, &ProjectDocument::closed, this, &ClassPanel::refresh);
    connect(images_, &ImageListModel::countsChanged, this, &ClassPanel::refresh);
    refresh();
}

qint64 ClassPanel::currentClassId() const {
    const QTreeWidgetItem* item = tree_->currentItem();
    return item ? item->data(0, kIdRole).toLongLong() : 0;
}

void ClassPanel::setCurrentClassId(qint64 id) {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i)
        if (tree_->topLevelItem(i)->data(0, kIdRole).toLongLong() == id) tree_->setCurrentItem(tree_->topLevelItem(i));
}

void ClassPanel::refresh() {
    const qint64 current = currentClassId();
    const QHash<qint64, int> counts = images_->classCounts();
    tree_->clear();
    for (const auto& c : document_->classes()) {
        auto* item = new QTreeWidgetItem(tree_);
        item->setData(0, kIdRole, qlonglong(c.id));
        item->setText(0, c.key > 0 ? QString::number(c.key) : QString());
        item->setTextAlignment(0, Qt::AlignCenter);
        item->setIcon(1, swatch(QColor(QString::fromStdString(c.color))));
        item->setText(1, QString::fromStdString(c.name));
        item->setText(2, QLocale().toString(counts.value(c.id)));
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
    }
    setCurrentClassId(current);
    updateButtons();
}

void ClassPanel::updateButtons() {
    const bool open = document_->isOpen();
    const bool has = currentClassId() != 0;
    add_->setEnabled(open);
    rename_->setEnabled(open && has);
    merge_->setEnabled(open && has && document_->classes().size() > 1);
    delete_->setEnabled(open && has);
    key_->setEnabled(open && has);
    color_->setEnabled(open && has);
}

bool ClassPanel::setClassKey(qint64 classId, int key) {
    const auto info = document_->classById(classId);
    if (!info || key < 0 || key > 9 || info->key == key) return false;
    document_->undoStack()->push(new ClassAppearanceCommand(document_, classId, key, QString()));
    return document_->classById(classId).has_value() && document_->classById(classId)->key == key;
}

bool ClassPanel::setClassColor(qint64 classId, const QColor& color) {
    if (!document_->classById(classId) || !color.isValid()) return false;
    document_->undoStack()->push(new ClassAppearanceCommand(document_, classId, -1, color.name()));
    return true;
}

void ClassPanel::onKey() {
    const auto info = document_->classById(currentClassId());
    if (!info) return;
    bool ok = false;
    const int key = QInputDialog::getInt(this, tr("Class Key"),
                                         tr("Key for “%1” (1–9, 0 for none). A key used by another class moves "
                                            "to this one.").arg(QString::fromStdString(info->name)),
                                         info->key, 0, 9, 1, &ok);
    if (ok) setClassKey(info->id, key);
}

void ClassPanel::onColor() {
    const auto info = document_->classById(currentClassId());
    if (!info) return;
    const QColor color = QColorDialog::getColor(QColor(QString::fromStdString(info->color)), this,
                                                tr("Colour of “%1”").arg(QString::fromStdString(info->name)));
    if (color.isValid()) setClassColor(info->id, color);
}

bool ClassPanel::addClass(const QString& name) {
    if (!document_->isOpen() || name.trimmed().isEmpty()) return false;
    auto* cmd = new AddClassCommand(document_, name.trimmed());
    document_->undoStack()->push(cmd);
    return document_->classById(document_->resolveClassId(cmd->classId())).has_value();
}

bool ClassPanel::renameClass(qint64 classId, const QString& newName) {
    const auto info = document_->classById(classId);
    if (!info || newName.trimmed().isEmpty()) return false;
    const QString oldName = QString::fromStdString(info->name);
    if (oldName == newName.trimmed()) return false;
    document_->undoStack()->push(new RenameClassCommand(document_, classId, oldName, newName.trimmed()));
    return true;
}

bool ClassPanel::mergeClass(qint64 fromClassId, qint64 intoClassId) {
    if (fromClassId == intoClassId || !document_->classById(fromClassId) || !document_->classById(intoClassId))
        return false;
    document_->undoStack()->push(new MergeClassesCommand(document_, fromClassId, intoClassId));
    return true;
}

bool ClassPanel::deleteClass(qint64 classId) {
    if (!document_->classById(classId)) return false;
    document_->undoStack()->push(new DeleteClassCommand(document_, classId));
    return true;
}

void ClassPanel::onAdd() {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Add Class"), tr("Name of the new class:"), QLineEdit::Normal,
                                               QString(), &ok);
    if (ok && !name.trimmed().isEmpty()) addClass(name);
}

void ClassPanel::onRename() {
    const auto info = document_->classById(currentClassId());
    if (!info) return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename Class"), tr("New name:"), QLineEdit::Normal,
                                               QString::fromStdString(info->name), &ok);
    if (ok) renameClass(info->id, name);
}

void ClassPanel::onMerge() {
    const auto from = document_->classById(currentClassId());
    if (!from) return;
    QStringList names;
    QVector<qint64> ids;
    for (const auto& c : document_->classes()) {
        if (c.id == from->id) continue;
        names << QString::fromStdString(c.name);
        ids << c.id;
    }
    bool ok = false;
    const QString target = QInputDialog::getItem(
        this, tr("Merge Class"),
        tr("Move all images of “%1” into:").arg(QString::fromStdString(from->name)), names, 0, false, &ok);
    if (ok && names.contains(target)) mergeClass(from->id, ids[names.indexOf(target)]);
}

void ClassPanel::onDelete() {
    const auto info = document_->classById(currentClassId());
    if (!info) return;
    const int count = images_->classCounts().value(info->id);
    if (count > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Delete Class"),
            tr("Delete “%1”? Its %n image(s) become unlabelled. You can undo this with Edit ▸ Undo.", nullptr, count)
                .arg(QString::fromStdString(info->name)));
        if (answer != QMessageBox::Yes) return;
    }
    deleteClass(info->id);
}

}  // namespace tessera::ui
