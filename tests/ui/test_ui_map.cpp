// Map mode on a small project with a tiny trained model: the map lays out every photo off the GUI thread; hovering a
// dot names its photo; a rectangle dragged with the mouse selects exactly the photos inside it (also when they are
// scattered through the data); the key of a class labels them (one undoable step, the map follows both ways); their
// labels can be marked disputed, which Dataset mode filters and D clears; without any features it says what is
// missing; closing the project while a layout runs is safe.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QListView>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <qcustomplot.h>

#include <memory>
#include <set>

#include "core/train/trainer.h"
#include "ui/dataset/datasetview.h"
#include "ui/shared/mainwindow.h"
#include "ui/map/mapview.h"
#include "ui/shared/projectdocument.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

// The fixture's weights cache is empty: the features come from the model trained here, or there are none.
class UiMap : public uitest::SmallProjectWindowTest {
protected:
    UiMap() : SmallProjectWindowTest("map") {}
    void SetUp() override {
        SmallProjectWindowTest::SetUp();
        window->setMode(MainWindow::Mode::Map);
        map = window->mapView();
    }

    bool drawAndWait() {
        QSignalSpy ready(map, &MapView::mapReady);
        if (!map->drawMap()) return false;
        if (!ready.wait(60000)) return false;
        return ready.front()[0].toBool();
    }

    void mouse(QEvent::Type type, QPointF at, Qt::MouseButton button, Qt::MouseButtons buttons) {
        QMouseEvent event(type, at, map->plot()->mapToGlobal(at), button, buttons, Qt::NoModifier);
        QApplication::sendEvent(map->plot(), &event);
    }

    std::optional<int64_t> classOf(int64_t imageId) {
        auto label = store().label(imageId).value();
        return label ? std::optional<int64_t>(label->classId) : std::nullopt;
    }

    MapView* map = nullptr;
};

}  // namespace

TEST_F(UiMap, SaysWhatIsMissingWithoutFeatures) {
    EXPECT_FALSE(drawAndWait());
    EXPECT_TRUE(map->lastResult().message.contains(QStringLiteral("needs features")))
        << map->lastResult().message.toStdString();
    EXPECT_EQ(map->map(), nullptr);
}

TEST_F(UiMap, HoverNamesAPhotoAndADraggedRectangleSelectsAndLabelsUndoably) {
    trainTinyModel();
    ASSERT_TRUE(drawAndWait()) << map->lastResult().message.toStdString();
    ASSERT_NE(map->map(), nullptr);
    const auto& points = map->map()->points;
    ASSERT_EQ(points.size(), 20u) << "every photo of the project is on the map";
    EXPECT_TRUE(map->selectedImageIds().isEmpty());

    // An unlabelled photo and the dots within a few pixels of it.
    const learn::MapPoint* target = nullptr;
    for (const auto& p : points)
        if (p.label < 0) target = &p;
    ASSERT_NE(target, nullptr);
    const int64_t targetId = target->imageId;
    const QPointF at = map->pixelOf(targetId);
    ASSERT_TRUE(map->plot()->axisRect()->rect().contains(at.toPoint()));

    // Hover: the side panel names the photo.
    mouse(QEvent::MouseMove, at, Qt::NoButton, Qt::NoButton);
    EXPECT_TRUE(map->hoverText().contains(QString::fromStdString(target->relPath))) << map->hoverText().toStdString();

    // A rectangle dragged around it with the mouse selects exactly the photos drawn inside it.
    const QRectF box(at - QPointF(12, 12), at + QPointF(12, 12));
    mouse(QEvent::MouseButtonPress, box.topLeft(), Qt::LeftButton, Qt::LeftButton);
    mouse(QEvent::MouseMove, box.center(), Qt::NoButton, Qt::LeftButton);
    mouse(QEvent::MouseMove, box.bottomRight(), Qt::NoButton, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, box.bottomRight(), Qt::LeftButton, Qt::NoButton);
    const auto selected = map->selectedImageIds();
    std::set<int64_t> inside;
    for (const auto& p : points)
        if (box.contains(map->pixelOf(p.imageId))) inside.insert(p.imageId);
    EXPECT_EQ(std::set<int64_t>(selected.begin(), selected.end()), inside);
    ASSERT_TRUE(inside.count(targetId));

    // Key 1 labels the selection with the class whose key is 1, in one undoable step; the map follows.
    const auto keyed = window->document()->classByKey(1);
    ASSERT_TRUE(keyed.has_value());
    std::map<int64_t, std::optional<int64_t>> before;
    for (int64_t id : inside) before[id] = classOf(id);
    const int undoBefore = window->document()->undoStack()->count();
    map->setFocus();
    QTest::keyClick(map, Qt::Key_1);
    EXPECT_EQ(window->document()->undoStack()->count(), undoBefore + 1);
    for (int64_t id : inside) EXPECT_EQ(classOf(id), keyed->id);
    const auto labelOnMap = [&](int64_t id) {
        for (const auto& p : map->map()->points)
            if (p.imageId == id) return p.label >= 0 ? map->map()->classIds[size_t(p.label)] : int64_t(0);
        return int64_t(-1);
    };
    EXPECT_EQ(labelOnMap(targetId), keyed->id);

    window->document()->undoStack()->undo();
    for (int64_t id : inside) EXPECT_EQ(classOf(id), before[id]);
    EXPECT_EQ(labelOnMap(targetId), 0) << "unlabelled again on the map";

    // The other colourings draw the same photos.
    map->setColouring(MapView::Colouring::PossiblyMislabelled);
    map->setColouring(MapView::Colouring::Prediction);
    int drawn = 0;
    for (int i = 0; i < map->plot()->plottableCount(); ++i)
        if (auto* curve = qobject_cast<QCPCurve*>(map->plot()->plottable(i)); curve && curve->selectable())
            drawn += curve->dataCount();
    EXPECT_EQ(drawn, 20);
}

TEST_F(UiMap, ARectangleSelectsExactlyTheDotsInsideItWhereverTheyAreInTheData) {
    // 200 photos of one class, alternately far left and far right: the dots inside a rectangle around the left group
    // are every second data index of one curve, never the run between the first and the last.
    learn::CollectionMap synthetic;
    synthetic.classIds = {1};
    synthetic.classNames = {"sherd"};
    for (int i = 0; i < 200; ++i) {
        learn::MapPoint p;
        p.imageId = 1000 + i;
        p.relPath = "p" + std::to_string(i) + ".jpg";
        p.x = (i % 2 == 0 ? -10.0f : 10.0f) + 0.01f * float(i % 7);
        p.y = 0.02f * float(i % 11);
        p.label = 0;
        synthetic.points.push_back(p);
    }
    map->setMap(synthetic);
    QRectF left;
    for (const auto& p : synthetic.points)
        if (p.x < 0) left |= QRectF(map->pixelOf(p.imageId), QSizeF(1, 1));
    left = left.adjusted(-4, -4, 4, 4).intersected(QRectF(map->plot()->axisRect()->rect()));
    ASSERT_LT(left.right(), map->plot()->axisRect()->rect().center().x()) << "the rectangle holds the left group only";
    mouse(QEvent::MouseButtonPress, left.topLeft(), Qt::LeftButton, Qt::LeftButton);
    mouse(QEvent::MouseMove, left.center(), Qt::NoButton, Qt::LeftButton);
    mouse(QEvent::MouseMove, left.bottomRight(), Qt::NoButton, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, left.bottomRight(), Qt::LeftButton, Qt::NoButton);
    const auto selected = map->selectedImageIds();
    ASSERT_EQ(selected.size(), 100) << "rectangle " << left.x() << "," << left.y() << " " << left.width() << "x"
                                    << left.height() << "; first dot at " << map->pixelOf(1000).x() << ","
                                    << map->pixelOf(1000).y();
    for (qint64 id : selected) EXPECT_EQ((id - 1000) % 2, 0) << id << " lies on the right";

    // The selection survives a change of colouring (the curves are rebuilt).
    map->setColouring(MapView::Colouring::Prediction);
    EXPECT_EQ(map->selectedImageIds().size(), 100);
}

TEST_F(UiMap, TheSelectionsLabelsAreMarkedDisputedUndoablyAndDatasetFiltersThem) {
    trainTinyModel();
    ASSERT_TRUE(drawAndWait()) << map->lastResult().message.toStdString();
    // Everything on the map: one rectangle over the whole plot.
    const QRect all = map->plot()->axisRect()->rect().adjusted(2, 2, -2, -2);
    mouse(QEvent::MouseButtonPress, all.topLeft(), Qt::LeftButton, Qt::LeftButton);
    mouse(QEvent::MouseMove, all.center(), Qt::NoButton, Qt::LeftButton);
    mouse(QEvent::MouseButtonRelease, all.bottomRight(), Qt::LeftButton, Qt::NoButton);
    ASSERT_EQ(map->selectedImageIds().size(), 20);
    // Only labels can be disputed: the unlabelled photos of the selection are passed over.
    std::vector<qint64> labelled;
    for (const auto& p : map->map()->points)
        if (p.label >= 0) labelled.push_back(p.imageId);
    ASSERT_FALSE(labelled.empty());
    ASSERT_LT(labelled.size(), 20u);
    ASSERT_TRUE(map->markSelectionDisputed());
    EXPECT_EQ(store().disputedImages().value().size(), labelled.size());

    // Dataset mode shows them under "Disputed labels"; D there clears the dispute of a selection.
    window->setMode(MainWindow::Mode::Dataset);
    auto* dataset = window->datasetView();
    const int disputedFilter = dataset->filterCombo()->findText(QStringLiteral("Disputed labels"));
    ASSERT_GE(disputedFilter, 0);
    dataset->filterCombo()->setCurrentIndex(disputedFilter);
    emit dataset->filterCombo()->activated(disputedFilter);  // as a user's choice in the list
    EXPECT_EQ(dataset->listView()->model()->rowCount(), int(labelled.size()));
    const qint64 first = labelled.front();
    dataset->selectImages({first});
    QTest::keyClick(dataset->listView(), Qt::Key_D);
    EXPECT_EQ(store().disputedImages().value().count(first), 0u);
    EXPECT_EQ(store().disputedImages().value().size(), labelled.size() - 1);

    auto* undo = window->document()->undoStack();
    undo->undo();  // D
    EXPECT_EQ(store().disputedImages().value().size(), labelled.size());
    undo->undo();  // the map's button
    EXPECT_TRUE(store().disputedImages().value().empty());
}

TEST_F(UiMap, ClosingTheProjectDuringALayoutIsSafe) {
    trainTinyModel();
    ASSERT_TRUE(map->drawMap());
    EXPECT_TRUE(map->isComputing());
    window->closeProject();
    EXPECT_FALSE(map->isComputing());
    EXPECT_EQ(map->map(), nullptr);
    QTest::qWait(200);
    window.reset();  // joins the worker thread
}
