// Review's "possibly mislabelled" queue on a small real project: the label check's stored flags are listed most
// suspect first; Enter accepts the suggested class, K keeps the label (Confirmed: not asked again), D disputes it and
// 1-9 relabels, each one undoable step that takes the photo out of the queue (Ctrl+Z brings it back); Dataset's
// "Possibly mislabelled" filter shows the same photos; "Check Labels Now" runs the real check on the quick model of a
// tiny model trained here and stores what it finds.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QListView>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <memory>

#include "core/train/trainer.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagefilterproxymodel.h"
#include "ui/review/labelcheckview.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewview.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

class UiLabelCheck : public uitest::SmallProjectWindowTest {
protected:
    UiLabelCheck() : SmallProjectWindowTest("labelcheck") {}
    void SetUp() override {
        SmallProjectWindowTest::SetUp();
        window->setMode(MainWindow::Mode::Review);
        window->reviewView()->setSource(ReviewView::Source::PossiblyMislabelled);
        queue = window->reviewView()->labelCheckView();
    }
    int64_t classId(const std::string& name) {
        for (const auto& c : store().classes().value())
            if (c.name == name) return c.id;
        return 0;
    }
    // Flags the first `n` amphora photos as looking like samian, the first most suspect, as a check would store them.
    std::vector<int64_t> flagAmphorae(size_t n) {
        const int64_t amphora = classId("amphora"), samian = classId("samian");
        std::vector<project::LabelIssueRecord> issues;
        std::vector<int64_t> ids;
        for (const auto& l : store().labels().value()) {
            if (l.classId != amphora || ids.size() == n) continue;
            issues.push_back({l.imageId, amphora, samian, 0.01 * double(ids.size() + 1), 1000});
            ids.push_back(l.imageId);
        }
        EXPECT_TRUE(store().replaceLabelIssues(issues).ok());
        window->document()->notifyLabelIssuesChanged();
        queue->reload();
        return ids;
    }
    void press(int key) { QTest::keyClick(queue->listView(), Qt::Key(key)); }
    qint64 current() { return queue->model()->row(queue->currentRow()).issue.imageId; }

    LabelCheckView* queue = nullptr;
};

}  // namespace

TEST_F(UiLabelCheck, OneKeyEachAcceptsKeepsDisputesOrRelabelsUndoably) {
    EXPECT_EQ(queue->model()->rowCount(), 0);
    EXPECT_TRUE(queue->headerText().contains(QStringLiteral("no photo waits"))) << queue->headerText().toStdString();
    const auto ids = flagAmphorae(4);
    ASSERT_EQ(ids.size(), 4u);
    ASSERT_EQ(queue->model()->rowCount(), 4);
    EXPECT_EQ(current(), ids[0]) << "most suspect first";
    EXPECT_TRUE(queue->model()->index(0).data().toString().contains(QStringLiteral("looks like samian")));
    const int64_t amphora = classId("amphora"), samian = classId("samian"), coarse = classId("coarse");
    queue->listView()->setFocus();

    press(Qt::Key_Return);  // it is samian
    EXPECT_EQ(store().label(ids[0]).value()->classId, samian);
    EXPECT_EQ(store().label(ids[0]).value()->source, project::LabelSource::AcceptedPrediction);
    ASSERT_EQ(queue->model()->rowCount(), 3);
    EXPECT_EQ(current(), ids[1]) << "on to the next";

    press(Qt::Key_K);  // keep amphora
    EXPECT_EQ(store().label(ids[1]).value()->classId, amphora);
    EXPECT_EQ(store().label(ids[1]).value()->source, project::LabelSource::Confirmed);
    ASSERT_EQ(queue->model()->rowCount(), 2);

    press(Qt::Key_D);  // specialists disagree
    EXPECT_TRUE(store().disputedImages().value().count(ids[2]));
    EXPECT_EQ(store().label(ids[2]).value()->classId, amphora) << "a disputed photo keeps its label";
    ASSERT_EQ(queue->model()->rowCount(), 1);

    const auto coarseKey = window->document()->classById(coarse)->key;
    ASSERT_GT(coarseKey, 0);
    press(Qt::Key_0 + coarseKey);  // neither: coarse
    EXPECT_EQ(store().label(ids[3]).value()->classId, coarse);
    EXPECT_EQ(queue->model()->rowCount(), 0);

    // Space skips without changing anything; with nothing left, the keys do nothing.
    EXPECT_FALSE(queue->acceptSuggestion());

    // Each was one undoable step: an undo brings the photo back and shows it; undoing all four restores the queue.
    window->document()->undoStack()->undo();
    EXPECT_EQ(current(), ids[3]);
    for (int i = 0; i < 3; ++i) window->document()->undoStack()->undo();
    EXPECT_EQ(queue->model()->rowCount(), 4);
    EXPECT_EQ(current(), ids[0]);
    EXPECT_EQ(store().label(ids[0]).value()->classId, amphora);
    EXPECT_NE(store().label(ids[1]).value()->source, project::LabelSource::Confirmed);
    EXPECT_FALSE(store().disputedImages().value().count(ids[2]));

    press(Qt::Key_Space);
    EXPECT_EQ(current(), ids[1]);
    EXPECT_EQ(queue->model()->rowCount(), 4);

    // Dataset mode's filter lists the same photos.
    window->setMode(MainWindow::Mode::Dataset);
    auto* dataset = window->datasetView();
    const int filter = dataset->filterCombo()->findText(QStringLiteral("Possibly mislabelled (label check)"));
    ASSERT_GE(filter, 0);
    dataset->filterCombo()->setCurrentIndex(filter);
    emit dataset->filterCombo()->activated(filter);
    EXPECT_EQ(dataset->proxy()->rowCount(), 4);
    window->document()->undoStack()->redo();  // accept the first suggestion again: the filter follows
    EXPECT_EQ(dataset->proxy()->rowCount(), 3);
}

TEST_F(UiLabelCheck, CheckLabelsNowRunsTheCheckOnTheQuickModelAndStoresItsFlags) {
    trainTinyModel();  // features to check with (no ImageNet weights in the fixture's cache)
    // Two amphora photos moved to coarse: the kind of slip the check is for.
    const int64_t coarse = classId("coarse");
    int moved = 0;
    for (const auto& l : store().labels().value())
        if (l.classId == classId("amphora") && moved < 2 && store().setLabel(l.imageId, coarse).ok()) ++moved;
    ASSERT_EQ(moved, 2);
    ASSERT_TRUE(store().replaceLabelIssues({}).ok());

    QSignalSpy updated(window->reviewView(), &ReviewView::quickModelUpdated);
    ASSERT_TRUE(window->reviewView()->checkLabels());
    EXPECT_TRUE(queue->statusText().contains(QStringLiteral("Checking"))) << queue->statusText().toStdString();
    QuickModelResult result;
    for (int i = 0; i < 20 && result.labelCheckMessage.isEmpty(); ++i) {
        ASSERT_TRUE(updated.wait(60000)) << "no refresh came back";
        result = updated.takeLast()[0].value<QuickModelResult>();
    }
    ASSERT_TRUE(result.labelsChecked) << result.labelCheckMessage.toStdString();
    EXPECT_TRUE(queue->statusText().startsWith(QStringLiteral("Checked 14 labelled photo"))) << queue->statusText().toStdString();
    const auto stored = store().labelIssues().value();
    EXPECT_EQ(queue->model()->rowCount(), int(stored.size()));
    EXPECT_TRUE(queue->statusText().contains(QStringLiteral("%1 possibly mislabelled").arg(stored.size())))
        << queue->statusText().toStdString();
    for (const auto& issue : stored) EXPECT_NE(issue.suggestedClassId, issue.classId);
}
