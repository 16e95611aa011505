// The grid with 100,000 images: loading the model, laying out the icon view and painting a page must stay fast,
// and painting asks for thumbnails of the visible rows only (not of all 100,000).
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QListView>
#include <QScrollBar>
#include <QTest>

#include <cstdio>

#include "core/project/projectstore.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/projectdocument.h"
#include "ui/shared/thumbnailprovider.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

TEST(UiLargeGrid, HundredThousandImagesStaySmooth) {
    uitest::ensureApplication();
    uitest::TempDir dir("large");
    constexpr int kImages = 100000;
    {
        auto store = project::ProjectStore::open(dir.path(), true);
        ASSERT_TRUE(store.ok()) << store.error();
        std::vector<project::ImageRecord> records(kImages);
        for (int i = 0; i < kImages; ++i) {
            char name[32], hash[65];
            std::snprintf(name, sizeof name, "img_%06d.jpg", i);
            std::snprintf(hash, sizeof hash, "%064x", i);
            records[size_t(i)].relPath = name;
            records[size_t(i)].contentHash = hash;
            records[size_t(i)].width = 640 + i % 7;
            records[size_t(i)].height = 480;
            records[size_t(i)].fileSize = 100000 + i;
            records[size_t(i)].format = "jpeg";
        }
        ASSERT_TRUE(store->upsertImages(records).ok());
    }
    ProjectDocument document;
    ASSERT_TRUE(document.open(QString::fromStdString(dir.path().string())));
    ThumbnailProvider thumbnails;  // no files exist: decodes fail quickly, which is all this test needs
    ImageListModel model(&document, &thumbnails);

    QElapsedTimer timer;
    timer.start();
    model.reload();
    const qint64 reloadMs = timer.elapsed();
    ASSERT_EQ(model.rowCount(), kImages);

    DatasetView view(&document, &model);
    view.resize(1200, 800);
    timer.restart();
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QTest::qWait(20);
    const qint64 showMs = timer.elapsed();
    const int requestedAfterShow = thumbnails.pendingCount();

    // Jump to the end and paint: again only a page of rows is asked for.
    timer.restart();
    view.listView()->scrollToBottom();
    view.listView()->viewport()->repaint();
    const qint64 scrollMs = timer.elapsed();
    std::printf("100k images: model reload %lld ms, first show %lld ms, scroll+paint %lld ms, requests %d\n",
                reloadMs, showMs, scrollMs, requestedAfterShow);
    EXPECT_LT(reloadMs, 5000);
    EXPECT_LT(scrollMs, 1000);
    EXPECT_LE(requestedAfterShow, 200);  // a page of cells, not 100,000
}
