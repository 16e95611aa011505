// ImageListModel, the filter proxy and the class undo commands over a real scanned project.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "core/project/projectstore.h"
#include "ui/dataset/addclasscommand.h"
#include "ui/dataset/deleteclasscommand.h"
#include "ui/dataset/imagefilterproxymodel.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/dataset/mergeclassescommand.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/renameclasscommand.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/shared/thumbnailprovider.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

class UiModels : public ::testing::Test {
protected:
    void SetUp() override {
        uitest::ensureApplication();
        files = uitest::writeSmallProject(dir.path());
        ASSERT_EQ(uitest::scanProject(dir.path()), 20);
        QString error;
        ASSERT_TRUE(document.open(QString::fromStdString(dir.path().string()), &error)) << error.toStdString();
        model.reload();
    }

    qint64 classIdNamed(const std::string& name) {
        for (const auto& c : document.classes())
            if (c.name == name) return c.id;
        return 0;
    }
    qint64 idOf(const std::string& relPath) {
        auto rec = document.store().imageByPath(relPath);
        return rec.ok() && rec->has_value() ? (*rec)->id : 0;
    }
    qint64 storedClass(qint64 imageId) {
        auto label = document.store().label(imageId);
        return label.ok() && label->has_value() ? (*label)->classId : 0;
    }

    uitest::TempDir dir{"models"};
    std::vector<uitest::FixtureImage> files;
    ProjectDocument document;
    ThumbnailProvider thumbnails;
    ImageListModel model{&document, &thumbnails};
};

TEST_F(UiModels, RowsAndRolesMatchTheStore) {
    ASSERT_EQ(model.rowCount(), 20);
    const auto counts = model.counts();
    EXPECT_EQ(counts.images, 20);
    EXPECT_EQ(counts.labelled, 14);  // class folders label their images
    EXPECT_EQ(counts.unlabelled, 6);

    const int row = model.rowForId(idOf("amphora/find_00.jpg"));
    ASSERT_GE(row, 0);
    const QModelIndex index = model.index(row);
    EXPECT_EQ(index.data(ImageListModel::RelPathRole).toString(), QStringLiteral("amphora/find_00.jpg"));
    EXPECT_EQ(index.data(Qt::DisplayRole).toString(), QStringLiteral("find_00.jpg"));
    EXPECT_EQ(index.data(ImageListModel::ClassIdRole).toLongLong(), classIdNamed("amphora"));
    EXPECT_EQ(index.data(ImageListModel::ClassNameRole).toString(), QStringLiteral("amphora"));
    EXPECT_TRUE(index.data(ImageListModel::ClassColorRole).value<QColor>().isValid());
    EXPECT_EQ(index.data(ImageListModel::WidthRole).toInt(), files[0].width);
    EXPECT_EQ(index.data(ImageListModel::HeightRole).toInt(), files[0].height);
    EXPECT_EQ(index.data(ImageListModel::FileSizeRole).toLongLong(),
              qint64(std::filesystem::file_size(dir.path() / "amphora/find_00.jpg")));
    EXPECT_EQ(index.data(ImageListModel::FormatRole).toString(), QStringLiteral("jpeg"));
    EXPECT_EQ(index.data(ImageListModel::ContentHashRole).toString().size(), 64);
    EXPECT_TRUE(index.data(ImageListModel::AbsolutePathRole).toString().endsWith(QStringLiteral("amphora/find_00.jpg")));
    // Unlabelled root image.
    const QModelIndex root = model.index(model.rowForId(idOf("find_14.jpg")));
    EXPECT_EQ(root.data(ImageListModel::ClassIdRole).toLongLong(), 0);
    EXPECT_FALSE(root.data(ImageListModel::ClassColorRole).value<QColor>().isValid());
}

TEST_F(UiModels, ProxyFiltersByClassUnlabelledAndSearch) {
    ImageFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    EXPECT_EQ(proxy.rowCount(), 20);
    proxy.setFilter(ImageFilterProxyModel::Filter::Class, classIdNamed("samian"));
    EXPECT_EQ(proxy.rowCount(), 5);
    for (int r = 0; r < proxy.rowCount(); ++r)
        EXPECT_TRUE(proxy.index(r, 0).data(ImageListModel::RelPathRole).toString().startsWith(QStringLiteral("samian/")));
    proxy.setFilter(ImageFilterProxyModel::Filter::Unlabelled);
    EXPECT_EQ(proxy.rowCount(), 6);
    proxy.setFilter(ImageFilterProxyModel::Filter::Labelled);
    EXPECT_EQ(proxy.rowCount(), 14);
    proxy.setFilter(ImageFilterProxyModel::Filter::All);
    proxy.setSearchText(QStringLiteral("FIND_1"));  // find_10 .. find_19, case-insensitive
    EXPECT_EQ(proxy.rowCount(), 10);
    proxy.setSearchText(QStringLiteral("coarse/"));
    EXPECT_EQ(proxy.rowCount(), 4);
    proxy.setSearchText(QString());

    // Labelling an image drops it from the "Unlabelled" view at once (dynamic filter).
    proxy.setFilter(ImageFilterProxyModel::Filter::Unlabelled);
    document.undoStack()->push(new SetLabelsCommand(&document, {idOf("find_14.jpg")}, classIdNamed("coarse")));
    EXPECT_EQ(proxy.rowCount(), 5);
}

TEST_F(UiModels, ProxySortsByClassAndSize) {
    ImageFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortKey(ImageFilterProxyModel::SortKey::FileSize);
    for (int r = 1; r < proxy.rowCount(); ++r)
        EXPECT_LE(proxy.index(r - 1, 0).data(ImageListModel::FileSizeRole).toLongLong(),
                  proxy.index(r, 0).data(ImageListModel::FileSizeRole).toLongLong());
    proxy.setSortKey(ImageFilterProxyModel::SortKey::Class);
    EXPECT_EQ(proxy.index(0, 0).data(ImageListModel::ClassNameRole).toString(), QStringLiteral("amphora"));
    EXPECT_EQ(proxy.index(19, 0).data(ImageListModel::ClassIdRole).toLongLong(), 0);  // unlabelled last
    proxy.setSortKey(ImageFilterProxyModel::SortKey::Name);
    EXPECT_EQ(proxy.index(0, 0).data(ImageListModel::RelPathRole).toString(), QStringLiteral("amphora/find_00.jpg"));
}

TEST_F(UiModels, AddRenameClassUndoRedo) {
    const int before = document.classes().size();
    auto* add = new AddClassCommand(&document, QStringLiteral("tile"));
    document.undoStack()->push(add);
    ASSERT_EQ(document.classes().size(), before + 1);
    const qint64 tile = add->classId();
    ASSERT_NE(tile, 0);
    document.undoStack()->push(new RenameClassCommand(&document, tile, QStringLiteral("tile"), QStringLiteral("roof tile")));
    EXPECT_EQ(document.classById(tile)->name, "roof tile");
    // Label with the new class, then undo everything and redo everything: the label lands on the re-created class.
    const qint64 img = idOf("find_15.jpg");
    document.undoStack()->push(new SetLabelsCommand(&document, {img}, tile));
    EXPECT_EQ(storedClass(img), tile);

    document.undoStack()->undo();
    EXPECT_EQ(storedClass(img), 0);
    document.undoStack()->undo();
    EXPECT_EQ(document.classById(tile)->name, "tile");
    document.undoStack()->undo();
    EXPECT_EQ(document.classes().size(), before);
    auto names = document.store().classes();
    for (const auto& c : *names) EXPECT_NE(c.name, "tile");

    document.undoStack()->redo();
    document.undoStack()->redo();
    document.undoStack()->redo();
    ASSERT_EQ(document.classes().size(), before + 1);
    const qint64 recreated = document.resolveClassId(tile);
    EXPECT_EQ(document.classById(recreated)->name, "roof tile");
    EXPECT_EQ(storedClass(img), recreated);
    EXPECT_EQ(model.index(model.rowForId(img)).data(ImageListModel::ClassNameRole).toString(), QStringLiteral("roof tile"));
}

TEST_F(UiModels, MergeClassesUndoRestoresExactLabels) {
    const qint64 amphora = classIdNamed("amphora"), samian = classIdNamed("samian");
    auto before = document.store().labels();
    ASSERT_TRUE(before.ok());
    document.undoStack()->push(new MergeClassesCommand(&document, samian, amphora));
    EXPECT_FALSE(document.classById(samian).has_value());
    EXPECT_EQ(model.classCounts().value(amphora), 10);
    EXPECT_EQ(storedClass(idOf("samian/find_05.jpg")), amphora);

    document.undoStack()->undo();
    const qint64 samianAgain = document.resolveClassId(samian);
    ASSERT_TRUE(document.classById(samianAgain).has_value());
    EXPECT_EQ(document.classById(samianAgain)->name, "samian");
    EXPECT_EQ(model.classCounts().value(amphora), 5);
    EXPECT_EQ(model.classCounts().value(samianAgain), 5);
    auto after = document.store().labels();
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->size(), before->size());
    for (const auto& old : *before) {
        auto now = document.store().label(old.imageId);
        ASSERT_TRUE(now.ok() && now->has_value());
        EXPECT_EQ((*now)->classId, document.resolveClassId(old.classId));
        EXPECT_EQ((*now)->source, old.source);
        EXPECT_EQ((*now)->timeMs, old.timeMs);
    }
    document.undoStack()->redo();
    EXPECT_EQ(storedClass(idOf("samian/find_05.jpg")), amphora);
}

TEST_F(UiModels, DeleteClassUndoRedo) {
    const qint64 coarse = classIdNamed("coarse");
    const qint64 img = idOf("coarse/find_10.jpg");
    const auto key = document.classById(coarse)->key;
    document.undoStack()->push(new DeleteClassCommand(&document, coarse));
    EXPECT_FALSE(document.classById(coarse).has_value());
    EXPECT_EQ(storedClass(img), 0);
    EXPECT_EQ(model.counts().unlabelled, 10);

    document.undoStack()->undo();
    const qint64 back = document.resolveClassId(coarse);
    ASSERT_TRUE(document.classById(back).has_value());
    EXPECT_EQ(document.classById(back)->key, key);
    EXPECT_EQ(storedClass(img), back);
    EXPECT_EQ(model.counts().unlabelled, 6);

    document.undoStack()->redo();
    EXPECT_EQ(storedClass(img), 0);
    EXPECT_EQ(model.counts().labelled, 10);
}

}  // namespace
