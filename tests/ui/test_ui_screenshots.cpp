// Screenshots of the welcome page and the five modes (Dataset, Statistics, Train after a tiny run, Review of the
// unlabelled photos, Map) over a generated demo-like project, for looking at the GUI without a display. PNGs go to $TESSERA_SCREENSHOT_DIR when set (e.g. docs/screenshots), else a temp dir.
#include <gtest/gtest.h>

#include <QApplication>
#include <QFileInfo>
#include <QMouseEvent>
#include <QImage>
#include <QListView>
#include <QSignalSpy>
#include <QTest>

#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/dataset/imageviewer.h"
#include "ui/shared/mainwindow.h"
#include "ui/map/mapview.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewmodel.h"
#include "ui/review/reviewview.h"
#include "ui/statistics/statisticsview.h"
#include "ui/shared/thumbnailprovider.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

#include <qcustomplot.h>

using namespace tessera;
using namespace tessera::ui;

namespace {

QString outputDir(const uitest::TempDir& fallback) {
    const QByteArray env = qgetenv("TESSERA_SCREENSHOT_DIR");
    const QString dir = env.isEmpty() ? QString::fromStdString((fallback.path() / "shots").string())
                                      : QString::fromLocal8Bit(env);
    std::filesystem::create_directories(dir.toStdString());
    return dir;
}

void save(QWidget* widget, const QString& file) {
    const QImage image = widget->grab().toImage().convertToFormat(QImage::Format_RGB888);
    ASSERT_FALSE(image.isNull());
    ASSERT_TRUE(image.save(file, "PNG", 9)) << file.toStdString();
    // Screenshots are committed under docs/: keep each below 200 KB with a 256-colour palette when needed.
    if (QFileInfo(file).size() > 200 * 1024) {
        ASSERT_TRUE(image.convertToFormat(QImage::Format_Indexed8, Qt::DiffuseDither).save(file, "PNG", 9));
    }
    EXPECT_GT(QFileInfo(file).size(), 10000) << file.toStdString();
}

TEST(UiScreenshots, DatasetAndStatisticsModes) {
    uitest::ensureApplication();
    uitest::TempDir dir("shots");
    const auto project = dir.path() / "Roman villa 2024";
    uitest::writeDemoProject(project, 12);
    const QString out = outputDir(dir);

    MainWindow window;
    window.resize(1360, 860);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    save(&window, out + QStringLiteral("/welcome.png"));

    QSignalSpy finished(window.document(), &ProjectDocument::scanFinished);
    ASSERT_TRUE(window.openProject(QString::fromStdString(project.string())));
    ASSERT_TRUE(finished.wait(30000));
    ASSERT_TRUE(finished.front()[0].toBool()) << finished.front()[1].toString().toStdString();

    // Select one photo for the viewer, label a few more by key, and wait until every visible thumbnail is there.
    DatasetView* dataset = window.datasetView();
    const int rows = window.imageModel()->rowCount();
    ASSERT_GE(rows, 60);
    dataset->selectImages({window.imageModel()->record(2).id});
    QTest::qWait(100);
    for (int i = 0; i < 200 && (window.thumbnails()->pendingCount() > 0 || !dataset->viewer()->hasImage()); ++i)
        QTest::qWait(50);
    EXPECT_EQ(window.thumbnails()->pendingCount(), 0);
    EXPECT_TRUE(dataset->viewer()->hasImage());
    dataset->listView()->viewport()->update();
    QTest::qWait(100);
    save(&window, out + QStringLiteral("/dataset.png"));

    QSignalSpy updated(window.statisticsView(), &StatisticsView::statisticsUpdated);
    window.setMode(MainWindow::Mode::Statistics);
    ASSERT_TRUE(updated.wait(20000));
    while (window.statisticsView()->isComputing()) ASSERT_TRUE(updated.wait(20000));
    QTest::qWait(100);
    save(&window, out + QStringLiteral("/statistics.png"));

    // Train mode after a tiny run (small images, two epochs, random start): plots, confusion, runs, gallery.
    window.setMode(MainWindow::Mode::Train);
    learn::TrainOptions o = learn::TrainOptions::defaults();
    o.epochs = 3;
    o.imageSize = 48;
    o.batchSize = 8;
    o.augmentation = learn::AugmentPreset::Light;
    o.device = "cpu";
    o.threads = 1;
    QSignalSpy trained(window.trainView(), &TrainView::trainingFinished);
    QSignalSpy gallery(window.trainView(), &TrainView::misclassifiedReady);
    QSignalSpy ready(window.reviewView(), &ReviewView::modelReady);
    ASSERT_TRUE(window.trainView()->startTraining(o));
    ASSERT_TRUE(trained.wait(90000));
    ASSERT_TRUE(trained.front()[0].toBool()) << trained.front()[1].toString().toStdString();
    ASSERT_TRUE(gallery.count() > 0 || gallery.wait(30000));
    QTest::qWait(200);
    save(&window, out + QStringLiteral("/train.png"));

    // Review mode: the unlabelled photos classified, the least certain one selected.
    ASSERT_TRUE(ready.count() > 0 || ready.wait(20000));
    window.setMode(MainWindow::Mode::Review);
    QSignalSpy predicted(window.reviewView(), &ReviewView::predictionFinished);
    ASSERT_TRUE(window.reviewView()->predictUnlabelled());
    ASSERT_TRUE(predicted.wait(30000));
    ASSERT_GT(window.reviewView()->model()->rowCount(), 0);
    window.reviewView()->setCurrentRow(0);
    for (int i = 0; i < 100 && window.thumbnails()->pendingCount() > 0; ++i) QTest::qWait(50);
    QTest::qWait(300);
    save(&window, out + QStringLiteral("/review.png"));

    // Map mode: every photo laid out on the trained model's features, one photo hovered.
    window.setMode(MainWindow::Mode::Map);
    QSignalSpy mapped(window.mapView(), &MapView::mapReady);
    ASSERT_TRUE(window.mapView()->drawMap());
    ASSERT_TRUE(mapped.wait(60000));
    ASSERT_TRUE(mapped.front()[0].toBool()) << window.mapView()->lastResult().message.toStdString();
    const QPointF at = window.mapView()->pixelOf(window.mapView()->map()->points.front().imageId);
    QMouseEvent hover(QEvent::MouseMove, at, window.mapView()->plot()->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                      Qt::NoModifier);
    QApplication::sendEvent(window.mapView()->plot(), &hover);
    for (int i = 0; i < 100 && window.thumbnails()->pendingCount() > 0; ++i) QTest::qWait(50);
    QTest::qWait(300);
    save(&window, out + QStringLiteral("/map.png"));
    std::printf("screenshots in %s\n", qPrintable(out));
}

}  // namespace
