// Dataset mode: keyboard labelling of a selection (single and bulk), exact undo/redo against the store, and the
// thumbnail provider's decode + disk cache.
#include <gtest/gtest.h>

#include <QFileInfo>
#include <QItemSelectionModel>
#include <QListView>
#include <QSignalSpy>
#include <QTest>

#include "core/project/projectstore.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagefilterproxymodel.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/projectdocument.h"
#include "ui/shared/thumbnailprovider.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

class UiDataset : public ::testing::Test {
protected:
    void SetUp() override {
        uitest::ensureApplication();
        uitest::writeSmallProject(dir.path());
        ASSERT_EQ(uitest::scanProject(dir.path()), 20);
        ASSERT_TRUE(document.open(QString::fromStdString(dir.path().string())));
        model.reload();
        view = std::make_unique<DatasetView>(&document, &model);
        view->resize(1000, 700);
        view->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
    }

    qint64 idOf(const std::string& relPath) {
        auto rec = document.store().imageByPath(relPath);
        return rec.ok() && rec->has_value() ? (*rec)->id : 0;
    }
    std::optional<project::Label> storedLabel(qint64 imageId) {
        auto label = document.store().label(imageId);
        return label.ok() ? *label : std::nullopt;
    }
    const project::ClassInfo& classWithKey(int key) {
        for (const auto& c : document.classes())
            if (c.key == key) return c;
        throw std::runtime_error("no class with key " + std::to_string(key));
    }
    void select(const std::vector<std::string>& paths) {
        QVector<qint64> ids;
        for (const auto& p : paths) ids << idOf(p);
        view->selectImages(ids);
        ASSERT_EQ(view->selectedImageIds().size(), int(paths.size()));
    }

    uitest::TempDir dir{"dataset"};
    ProjectDocument document;
    ThumbnailProvider thumbnails;
    ImageListModel model{&document, &thumbnails};
    std::unique_ptr<DatasetView> view;
};

TEST_F(UiDataset, KeyOneLabelsTheSelectionAndUndoRestoresIt) {
    const auto& first = classWithKey(1);
    const qint64 img = idOf("find_14.jpg");
    ASSERT_FALSE(storedLabel(img).has_value());
    select({"find_14.jpg"});
    QTest::keyClick(view->listView(), Qt::Key_1);
    auto label = storedLabel(img);
    ASSERT_TRUE(label.has_value());
    EXPECT_EQ(label->classId, first.id);
    EXPECT_EQ(label->source, project::LabelSource::Manual);
    EXPECT_EQ(model.index(model.rowForId(img)).data(ImageListModel::ClassIdRole).toLongLong(), first.id);

    document.undoStack()->undo();
    EXPECT_FALSE(storedLabel(img).has_value());
    EXPECT_EQ(model.index(model.rowForId(img)).data(ImageListModel::ClassIdRole).toLongLong(), 0);
    document.undoStack()->redo();
    ASSERT_TRUE(storedLabel(img).has_value());
    EXPECT_EQ(storedLabel(img)->classId, first.id);
}

TEST_F(UiDataset, BulkAssignAndExactUndo) {
    const auto& second = classWithKey(2);
    const std::vector<std::string> paths = {"amphora/find_00.jpg", "amphora/find_01.jpg", "coarse/find_10.jpg",
                                            "find_15.jpg", "find_16.jpg"};
    std::vector<std::optional<project::Label>> before;
    for (const auto& p : paths) before.push_back(storedLabel(idOf(p)));
    select(paths);
    QTest::keyClick(view->listView(), Qt::Key_2);
    for (const auto& p : paths) {
        auto l = storedLabel(idOf(p));
        ASSERT_TRUE(l.has_value()) << p;
        EXPECT_EQ(l->classId, second.id) << p;
    }
    EXPECT_EQ(document.undoStack()->count(), 1);  // one undo step for the whole selection

    document.undoStack()->undo();
    for (size_t i = 0; i < paths.size(); ++i) {
        auto now = storedLabel(idOf(paths[i]));
        ASSERT_EQ(now.has_value(), before[i].has_value()) << paths[i];
        if (now) {
            EXPECT_EQ(now->classId, before[i]->classId) << paths[i];
            EXPECT_EQ(now->source, before[i]->source) << paths[i];  // imported from the folder, not "manual"
            EXPECT_EQ(now->timeMs, before[i]->timeMs) << paths[i];
        }
    }
    document.undoStack()->redo();
    for (const auto& p : paths) EXPECT_EQ(storedLabel(idOf(p))->classId, second.id) << p;

    // 0 clears the labels of the selection; a key without a class does nothing.
    select({"amphora/find_00.jpg", "amphora/find_01.jpg"});
    QTest::keyClick(view->listView(), Qt::Key_0);
    EXPECT_FALSE(storedLabel(idOf("amphora/find_00.jpg")).has_value());
    EXPECT_FALSE(storedLabel(idOf("amphora/find_01.jpg")).has_value());
    const int steps = document.undoStack()->count();
    QTest::keyClick(view->listView(), Qt::Key_9);
    EXPECT_EQ(document.undoStack()->count(), steps);
    document.undoStack()->undo();
    EXPECT_EQ(storedLabel(idOf("amphora/find_00.jpg"))->classId, second.id);
}

TEST_F(UiDataset, ThumbnailProviderDecodesAndWritesDiskCache) {
    const QString cacheDir = QString::fromStdString((document.store().dataDir() / "thumbs").string());
    thumbnails.setCacheDir(cacheDir);
    const int row = model.rowForId(idOf("samian/find_05.jpg"));
    const QModelIndex index = model.index(row);
    const QString hash = index.data(ImageListModel::ContentHashRole).toString();
    QSignalSpy ready(&thumbnails, &ThumbnailProvider::thumbnailReady);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // The first request queues a decode and answers with no pixmap.
    const QPixmap first = index.data(Qt::DecorationRole).value<QPixmap>();
    EXPECT_TRUE(first.isNull() || thumbnails.isCached(hash));
    while (!thumbnails.isCached(hash) && ready.wait(10000)) {
    }
    ASSERT_TRUE(thumbnails.isCached(hash));
    const QPixmap pixmap = index.data(Qt::DecorationRole).value<QPixmap>();
    ASSERT_FALSE(pixmap.isNull());
    EXPECT_EQ(std::max(pixmap.width(), pixmap.height()), ThumbnailProvider::kLongSide);
    EXPECT_EQ(index.data(ImageListModel::ThumbnailStateRole).toInt(), int(ImageListModel::ThumbnailReady));
    bool rowChanged = false;
    for (const auto& args : changed)
        if (args[0].toModelIndex().row() <= row && args[1].toModelIndex().row() >= row) rowChanged = true;
    EXPECT_TRUE(rowChanged);
    const QFileInfo onDisk(thumbnails.diskCachePath(hash));
    ASSERT_TRUE(onDisk.exists());
    EXPECT_GT(onDisk.size(), 100);

    // A fresh provider (second open) reads the disk cache instead of decoding the photo: delete the photo to prove it.
    std::filesystem::remove(dir.path() / "samian/find_05.jpg");
    ThumbnailProvider again;
    again.setCacheDir(cacheDir);
    QSignalSpy readyAgain(&again, &ThumbnailProvider::thumbnailReady);
    EXPECT_TRUE(again.thumbnail(hash, index.data(ImageListModel::AbsolutePathRole).toString()).isNull());
    ASSERT_TRUE(readyAgain.wait(10000));
    EXPECT_FALSE(again.thumbnail(hash, QString()).isNull());
}

TEST_F(UiDataset, FilterComboAndSelectionFollowTheStore) {
    // Painting the grid asks for thumbnails of visible rows only.
    QTest::qWait(50);
    EXPECT_LE(thumbnails.pendingCount(), 20);
    view->proxy()->setFilter(ImageFilterProxyModel::Filter::Unlabelled);
    EXPECT_EQ(view->proxy()->rowCount(), 6);
    // selectImages clears filters that would hide the requested images.
    view->selectImages({idOf("amphora/find_00.jpg")});
    EXPECT_EQ(view->proxy()->filter(), ImageFilterProxyModel::Filter::All);
    EXPECT_EQ(view->selectedImageIds(), QVector<qint64>{idOf("amphora/find_00.jpg")});
}

}  // namespace
