// Review mode end to end: after a tiny training in Train mode, classifying the unlabelled photos fills the grid
// least confident first and stores the predictions; Enter accepts the call as the label (source
// AcceptedPrediction) through the undo stack, 1-9 corrects, Space skips; Grad-CAM and CSV export work; a folder
// outside the project is refused with an explanation.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QListView>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include "core/fewshot/activelearning.h"
#include "core/predict/predictiontable.h"
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

class UiReview : public uitest::MainWindowTest {
protected:
    void SetUp() override {
        MainWindowTest::SetUp();
        ASSERT_NO_FATAL_FAILURE(openProject());

        const learn::TrainOptions o = uitest::tinyTrainOptions();
        QSignalSpy trained(window->trainView(), &TrainView::trainingFinished);
        QSignalSpy ready(window->reviewView(), &ReviewView::modelReady);
        ASSERT_TRUE(window->trainView()->startTraining(o));
        ASSERT_TRUE(trained.wait(60000));
        ASSERT_TRUE(trained.front()[0].toBool()) << trained.front()[1].toString().toStdString();
        // The first finished run becomes the active model; Review opens it on its worker.
        ASSERT_TRUE(ready.count() > 0 || ready.wait(20000));
        ASSERT_TRUE(ready.back()[0].toBool());
        window->setMode(MainWindow::Mode::Review);
        review = window->reviewView();
    }

    void classifyUnlabelled() {
        QSignalSpy done(review, &ReviewView::predictionFinished);
        ASSERT_TRUE(review->predictUnlabelled());
        ASSERT_TRUE(done.wait(30000));
        ASSERT_TRUE(done.front()[0].toBool()) << done.front()[1].toString().toStdString();
    }

    ReviewView* review = nullptr;
};

TEST_F(UiReview, PredictsSortedAcceptsWithEnterAndUndoRestores) {
    ASSERT_TRUE(review->hasModel());
    classifyUnlabelled();
    ReviewModel* model = review->model();
    ASSERT_EQ(model->rowCount(), 6);  // the six photos in the project root have no label
    for (int r = 1; r < model->rowCount(); ++r)
        EXPECT_LE(model->item(r - 1).confidence, model->item(r).confidence) << "row " << r;
    for (int r = 0; r < model->rowCount(); ++r) {
        EXPECT_TRUE(model->item(r).error.isEmpty());
        EXPECT_EQ(model->item(r).topClasses.size(), 3);
    }

    // The predictions were stored under the run of the active model (the quick model keeps a run of its own), and
    // the Dataset filters now read that run.
    auto& store = window->document()->store();
    auto runs = store.runs();
    ASSERT_TRUE(runs.ok());
    std::vector<project::RunRecord> trainRuns;
    for (const auto& r : *runs)
        if (r.kind == "train") trainRuns.push_back(r);
    ASSERT_EQ(trainRuns.size(), 1u);
    auto stored = store.predictions(trainRuns.front().id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->size(), 6u);
    EXPECT_EQ(window->document()->predictionRun(), trainRuns.front().id);
    EXPECT_EQ(review->source(), ReviewView::Source::TrainedModel);

    // Enter on the least certain photo: its label is the predicted class, marked as an accepted prediction.
    review->setCurrentRow(0);
    const ReviewItem first = model->item(0);
    QTest::keyClick(review->listView(), Qt::Key_Return);
    auto label = store.label(first.imageId);
    ASSERT_TRUE(label.ok());
    ASSERT_TRUE(label->has_value());
    EXPECT_EQ((*label)->source, project::LabelSource::AcceptedPrediction);
    const auto cls = window->document()->classById((*label)->classId);
    ASSERT_TRUE(cls.has_value());
    EXPECT_EQ(QString::fromStdString(cls->name), first.topClasses.front());
    EXPECT_TRUE(model->index(0).data(ReviewModel::LabelledRole).toBool());
    EXPECT_EQ(review->currentRow(), 1) << "accepting moves on to the next photo";

    window->document()->undoStack()->undo();
    label = store.label(first.imageId);
    ASSERT_TRUE(label.ok());
    EXPECT_FALSE(label->has_value());
    EXPECT_FALSE(model->index(0).data(ReviewModel::LabelledRole).toBool());

    // Space skips without labelling; a digit key corrects to the class with that key (a manual label).
    review->setCurrentRow(2);
    const qint64 skipped = model->item(2).imageId;
    QTest::keyClick(review->listView(), Qt::Key_Space);
    EXPECT_EQ(review->currentRow(), 3);
    EXPECT_FALSE(store.label(skipped)->has_value());
    const qint64 corrected = model->item(3).imageId;
    const auto keyOne = window->document()->classByKey(1);
    ASSERT_TRUE(keyOne.has_value());
    QTest::keyClick(review->listView(), Qt::Key_1);
    label = store.label(corrected);
    ASSERT_TRUE(label.ok() && label->has_value());
    EXPECT_EQ((*label)->classId, keyOne->id);
    EXPECT_EQ((*label)->source, project::LabelSource::Manual);
}

TEST_F(UiReview, GradCamOverlayAndCsvExport) {
    classifyUnlabelled();
    review->setCurrentRow(0);
    QSignalSpy cam(review, &ReviewView::gradCamUpdated);
    review->setShowGradCam(true);
    ASSERT_TRUE(cam.wait(20000));
    EXPECT_TRUE(review->gradCamShown());

    const QString csv = QString::fromStdString((dir.path() / "predictions.csv").string());
    QString error;
    ASSERT_TRUE(review->exportCsv(csv, &error)) << error.toStdString();
    QFile f(csv);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 7);
    // The table tessera-cli predict writes: its reader (merge, resume) takes the export as it is.
    EXPECT_EQ(lines[0] + QLatin1Char('\n'),
              QString::fromStdString(learn::PredictionTable::header(learn::PredictionFormat::Csv, 3)));
    const ReviewItem& first = review->model()->item(0);
    EXPECT_TRUE(lines[1].startsWith(first.absPath + QLatin1Char(',') + first.contentHash + QLatin1Char(',') +
                                    first.topClasses.front() + QLatin1Char(',')))
        << lines[1].toStdString();
    auto table = learn::PredictionTable::read(csv.toStdString(), learn::PredictionFormat::Csv);
    ASSERT_TRUE(table.ok()) << table.error();
    ASSERT_EQ(table->records.size(), 6u);
    EXPECT_EQ(table->records[0].file, first.absPath.toStdString());
    ASSERT_FALSE(table->records[0].top.empty());
    EXPECT_NEAR(table->records[0].top[0].probability, first.topProbs.front(), 1e-6);
    EXPECT_EQ(table->records[0].model.size(), 16u) << "the active model's id, as predict writes it";
}

TEST_F(UiReview, LabelTheseNextPutsTheQuickModelsPicksFirst) {
    classifyUnlabelled();
    // The quick model (on the trained model's embeddings) refreshes in the background; its diversified picks
    // order the trained model's calls too.
    ASSERT_TRUE(QTest::qWaitFor([&] { return review->quickResult().ok; }, 30000))
        << review->quickResult().message.toStdString();
    ReviewModel* model = review->model();
    ASSERT_EQ(model->rowCount(), 6);
    const auto picks = review->quickResult().suggestions;
    ASSERT_GE(picks.size(), 3);
    ASSERT_EQ(review->suggestNext(3), 3);
    ASSERT_EQ(model->rowCount(), 6);
    EXPECT_EQ(review->currentRow(), 0);
    for (int r = 0; r < 3; ++r) {
        EXPECT_EQ(model->item(r).imageId, picks[r].imageId) << "row " << r;
        EXPECT_EQ(model->item(r).suggestRank, r + 1);
    }
    // The rest keep the trained model's order, least confident first.
    for (int r = 4; r < 6; ++r) EXPECT_LE(model->item(r - 1).confidence, model->item(r).confidence);
}

TEST_F(UiReview, LabelTheseNextFallsBackToTheTrainedModelsMargins) {
    // With labels in one class only the quick model cannot run; the trained model's margins rank the calls.
    classifyUnlabelled();
    const qint64 keep = window->document()->classByKey(1)->id;
    QVector<qint64> others;
    for (const auto& [image, cls] : window->document()->store().classByImage().value())
        if (cls != keep) others << image;
    window->document()->undoStack()->push(new SetLabelsCommand(window->document(), others, 0));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const auto& r = review->quickResult();
            return !r.ok && r.message.contains(QStringLiteral("two classes"));
        },
        30000));
    ReviewModel* model = review->model();
    ASSERT_EQ(model->rowCount(), 6);
    const auto marginOf = [&](int row) {
        const ReviewItem& it = model->item(row);
        return learn::ActiveLearning::margin(it.probabilities.constData(), size_t(it.probabilities.size()));
    };
    ASSERT_EQ(review->suggestNext(3), 3);
    ASSERT_EQ(model->rowCount(), 6);
    EXPECT_EQ(review->currentRow(), 0);
    // The three moved up are the three with the highest margin uncertainty, most uncertain first.
    for (int r = 1; r < 3; ++r) EXPECT_GE(marginOf(r - 1), marginOf(r));
    for (int r = 3; r < 6; ++r) EXPECT_GE(marginOf(2), marginOf(r));
}

TEST_F(UiReview, FolderOfNewFindsMustBeInsideTheProject) {
    uitest::TempDir outside("outside");
    QString why;
    EXPECT_FALSE(review->predictFolder(QString::fromStdString(outside.path().string()), &why));
    EXPECT_TRUE(why.contains(QStringLiteral("outside the project folder"))) << why.toStdString();

    // A sub-folder of new finds inside the project: scanned in, then classified.
    const auto finds = dir.path() / "new finds";
    std::filesystem::create_directories(finds);
    std::filesystem::copy_file(dir.path() / "amphora" / "find_00.jpg", finds / "sherd a.jpg");
    std::filesystem::copy_file(dir.path() / "find_15.jpg", finds / "sherd b.jpg");
    QSignalSpy done(review, &ReviewView::predictionFinished);
    ASSERT_TRUE(review->predictFolder(QString::fromStdString(finds.string()), &why)) << why.toStdString();
    ASSERT_TRUE(done.wait(60000));
    ASSERT_TRUE(done.front()[0].toBool()) << done.front()[1].toString().toStdString();
    ASSERT_EQ(review->model()->rowCount(), 2);
    for (int r = 0; r < 2; ++r) EXPECT_TRUE(review->model()->item(r).relPath.startsWith(QStringLiteral("new finds/")));
}

}  // namespace
