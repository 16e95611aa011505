// The "train with clicks" loop in the GUI: the quick model (a linear head on embeddings of the active trained
// model) refreshes on its worker thread after labels change, rewrites ONE "quick model" prediction run covering
// exactly the unlabelled photos, feeds the Review list (selection kept) and the document's prediction run, offers
// diversified "label these next" suggestions, says plainly when it has no backbone, and shuts down cleanly when the
// project or the window closes during a refresh.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QListView>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "ui/dataset/datasetview.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewmodel.h"
#include "ui/review/reviewview.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

// Without a trained model the quick model has no backbone: the fixture's weights cache is empty.
class UiQuickModel : public uitest::SmallProjectWindowTest {
protected:
    UiQuickModel() : SmallProjectWindowTest("quickmodel") {}
    void SetUp() override {
        SmallProjectWindowTest::SetUp();
        review = window->reviewView();
    }

    std::set<qint64> unlabelledIds() {
        std::set<qint64> ids;
        auto stored = store().classByImage();  // kept as a variable: value() on the temporary upsets GCC 12
        const auto& labels = stored.value();
        for (const auto& im : store().images().value())
            if (!labels.count(im.id)) ids.insert(im.id);
        return ids;
    }

    std::set<qint64> storedPredictionIds(qint64 run) {
        std::set<qint64> ids;
        for (const auto& p : store().predictions(run).value()) ids.insert(p.imageId);
        return ids;
    }

    int quickRuns() {
        int n = 0;
        for (const auto& r : store().runs().value()) n += r.kind == "quick model";
        return n;
    }

    // Waits for the next successful refresh that predicted `predicted` photos; returns it.
    QuickModelResult waitForRefresh(qint64 predicted) {
        QuickModelResult out;
        const bool arrived = QTest::qWaitFor(
            [&] {
                const auto& r = review->quickResult();
                if (!r.ok || r.predicted != predicted || review->isQuickRefreshing()) return false;
                out = r;
                return true;
            },
            30000);
        EXPECT_TRUE(arrived) << "no refresh predicting " << predicted << " photos; last: "
                             << review->quickResult().message.toStdString();
        return out;
    }

    ReviewView* review = nullptr;
};

TEST_F(UiQuickModel, RefreshesOneRunAsLabelsChangeAndShutsDownCleanly) {
    EXPECT_EQ(review->source(), ReviewView::Source::QuickModel);
    // No trained model and no downloaded weights: said plainly, nothing stored.
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return review->statusText().contains(QStringLiteral("Quick suggestions need a trained model")); }, 20000))
        << review->statusText().toStdString();
    EXPECT_EQ(quickRuns(), 0);

    // The first finished training becomes the active model, and the quick model's backbone.
    QSignalSpy predictions(window->document(), &ProjectDocument::predictionsChanged);
    trainTinyModel();
    window->setMode(MainWindow::Mode::Review);
    const std::set<qint64> unlabelled = unlabelledIds();
    ASSERT_EQ(unlabelled.size(), 6u);
    const QuickModelResult first = waitForRefresh(6);
    ASSERT_GT(first.runId, 0);
    EXPECT_EQ(first.labelled, 14);
    std::cout << "[quick model] first refresh (embeds all 20 photos): " << first.seconds << " s; "
              << first.message.toStdString() << "\n";
    EXPECT_EQ(storedPredictionIds(first.runId), unlabelled) << "predictions cover exactly the unlabelled photos";
    EXPECT_EQ(window->document()->predictionRun(), first.runId);
    ASSERT_FALSE(predictions.isEmpty());
    EXPECT_EQ(predictions.back()[0].toLongLong(), first.runId);
    const auto remembered = store().setting("quick_model_run").value().value_or("");
    EXPECT_EQ(QString::fromStdString(remembered).toLongLong(), first.runId);
    EXPECT_EQ(quickRuns(), 1);

    // The Review list shows the stored calls, least confident first, top-3 (the project has three classes).
    ReviewModel* model = review->model();
    ASSERT_EQ(model->rowCount(), 6);
    for (int r = 0; r < model->rowCount(); ++r) {
        EXPECT_EQ(model->item(r).topClasses.size(), 3);
        if (r > 0) {
            EXPECT_LE(model->item(r - 1).confidence, model->item(r).confidence);
        }
    }

    // Label one photo through the undo stack while another is selected: the same run is rewritten with one
    // prediction fewer, and the selected photo stays selected.
    review->setCurrentRow(3);
    const qint64 selected = model->item(3).imageId;
    const qint64 labelled = model->item(0).imageId;
    const qint64 amphora = window->document()->classByKey(1)->id;
    predictions.clear();
    window->document()->undoStack()->push(new SetLabelsCommand(window->document(), {labelled}, amphora));
    const QuickModelResult second = waitForRefresh(5);
    std::cout << "[quick model] refresh after one label (embeddings reused): " << second.seconds << " s\n";
    EXPECT_EQ(second.runId, first.runId) << "one quick-model run, rewritten";
    EXPECT_EQ(second.embedded, 0);
    EXPECT_EQ(second.labelled, 15);
    std::set<qint64> expected = unlabelled;
    expected.erase(labelled);
    EXPECT_EQ(storedPredictionIds(second.runId), expected);
    EXPECT_EQ(quickRuns(), 1);
    ASSERT_FALSE(predictions.isEmpty());
    EXPECT_EQ(predictions.back()[0].toLongLong(), first.runId);
    ASSERT_EQ(model->rowCount(), 5);
    ASSERT_GE(review->currentRow(), 0);
    EXPECT_EQ(model->item(review->currentRow()).imageId, selected);

    // Label these next: unlabelled photos, no duplicates, moved to the top in order; similar ones only at the end.
    const int n = review->suggestNext(20);
    ASSERT_EQ(n, 5);
    std::set<qint64> suggested;
    bool similarSeen = false;
    for (int r = 0; r < n; ++r) {
        const ReviewItem& it = model->item(r);
        EXPECT_EQ(it.suggestRank, r + 1);
        EXPECT_TRUE(suggested.insert(it.imageId).second) << "duplicate suggestion";
        EXPECT_TRUE(expected.count(it.imageId)) << "suggested a labelled photo";
        if (similarSeen) {
            EXPECT_TRUE(it.nearDuplicate) << "a distinct photo after a near-duplicate";
        }
        similarSeen |= it.nearDuplicate;
    }
    EXPECT_EQ(review->currentRow(), 0);

    // Enter accepts the top suggestion; the refresh that follows keeps the suggestion order.
    const qint64 accepted = model->item(0).imageId;
    QTest::keyClick(review->listView(), Qt::Key_Return);
    ASSERT_TRUE(store().label(accepted).value().has_value());
    EXPECT_EQ(store().label(accepted).value()->source, project::LabelSource::AcceptedPrediction);
    const QuickModelResult third = waitForRefresh(4);
    EXPECT_EQ(third.runId, first.runId);
    ASSERT_EQ(model->rowCount(), 4);
    EXPECT_EQ(model->item(0).suggestRank, 1);
    EXPECT_EQ(model->rowOf(accepted), -1);

    // The suggestions can be taken to the Dataset grid.
    ASSERT_TRUE(review->selectSuggestedInDataset());
    EXPECT_EQ(window->mode(), MainWindow::Mode::Dataset);
    const QVector<qint64> picked = window->datasetView()->selectedImageIds();
    EXPECT_EQ(picked.size(), 4);
    for (qint64 id : picked) EXPECT_EQ(store().label(id).value().has_value(), false);

    // Closing the project during a refresh: cancelled, no late result applied, no hang.
    QSignalSpy started(review, &ReviewView::quickRefreshStarted);
    window->document()->undoStack()->undo();  // un-accept: a refresh follows
    ASSERT_TRUE(started.wait(10000));
    QElapsedTimer clock;
    clock.start();
    window->closeProject();
    EXPECT_FALSE(window->document()->isOpen());
    QTest::qWait(300);
    EXPECT_FALSE(review->quickResult().ok) << "a result of the closed project was applied";
    EXPECT_EQ(review->model()->rowCount(), 0);

    // Reopened: the embeddings come from the disk cache; then the window is destroyed during a refresh.
    QSignalSpy scanned(window->document(), &ProjectDocument::scanFinished);
    ASSERT_TRUE(window->openProject(root()));
    ASSERT_TRUE(scanned.wait(30000));
    const QuickModelResult reopened = waitForRefresh(5);
    EXPECT_EQ(reopened.embedded, 0);
    EXPECT_EQ(reopened.runId, first.runId);
    started.clear();
    window->document()->undoStack()->push(new SetLabelsCommand(window->document(), {accepted}, amphora));
    ASSERT_TRUE(started.wait(10000));
    clock.restart();
    window.reset();
    EXPECT_LT(clock.elapsed(), 10000) << "destroying the window waited too long for the quick model";
}

TEST_F(UiQuickModel, NeedsLabelsInTwoClasses) {
    // Three classes labelled by the scan but no backbone yet; then only one class keeps its labels: the quick
    // model stays idle and says why (the class check comes before any network).
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return review->statusText().contains(QStringLiteral("Quick suggestions need a trained model")); }, 20000))
        << review->statusText().toStdString();
    const qint64 keep = window->document()->classByKey(1)->id;
    QVector<qint64> others;
    for (const auto& [image, cls] : store().classByImage().value())
        if (cls != keep) others << image;
    ASSERT_FALSE(others.isEmpty());
    window->document()->undoStack()->push(new SetLabelsCommand(window->document(), others, 0));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return review->statusText().contains(QStringLiteral("at least two classes (1 class")); }, 20000))
        << review->statusText().toStdString();
    EXPECT_FALSE(review->quickResult().ok);
    EXPECT_EQ(review->suggestNext(), 0);
}

TEST_F(UiQuickModel, WithoutATrainedModelUsesImageNetWeightsFromTheCache) {
    // A resnet18 file under the zoo's file name in the weights cache (random weights written by torchvision: the
    // cache trusts files it holds, they were verified on the way in). No training needed for the quick model.
    const auto file = cache.path() / "weights" / "resnet18-f37072fd.pth";
    std::filesystem::create_directories(file.parent_path());
    const std::string cmd = std::string(TESSERA_PYTHON) +
                            " -c \"import torch, torchvision; torch.manual_seed(0); "
                            "torch.save(torchvision.models.resnet18().state_dict(), '" + file.string() + "')\"";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    window->setMode(MainWindow::Mode::Review);  // nudges a refresh: the weights appeared since the project opened
    const QuickModelResult result = waitForRefresh(6);
    EXPECT_TRUE(result.message.contains(QStringLiteral("ImageNet resnet18"))) << result.message.toStdString();
    EXPECT_EQ(result.embedded, 20);
    EXPECT_EQ(storedPredictionIds(result.runId), unlabelledIds());
    EXPECT_EQ(window->document()->predictionRun(), result.runId);
    EXPECT_EQ(review->model()->rowCount(), 6);
    std::cout << "[quick model] first refresh on resnet18 at 128 px (embeds 20 photos): " << result.seconds << " s\n";
}

}  // namespace
