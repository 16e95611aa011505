// Train mode end to end on a generated 20-photo project with a tiny network (resnet18 at 32 px, random start):
// a run emits plot points and finishes with metrics and a run record; Stop cancels within a second; closing the
// window while training joins the worker thread cleanly.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include "core/device/deviceinfo.h"
#include "ui/train/crossvalidationdialog.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/setdisputedcommand.h"
#include "ui/shared/systemcheckdialog.h"
#include "ui/train/trainform.h"
#include "ui/train/trainingcharts.h"
#include "ui/train/trainresults.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

learn::TrainOptions tiny(int epochs) {
    learn::TrainOptions o = uitest::tinyTrainOptions();  // resnet18 from scratch, full mode: the defaults
    o.epochs = epochs;
    o.augmentation = learn::AugmentPreset::Light;
    return o;
}

class UiTrain : public uitest::MainWindowTest {
protected:
    void SetUp() override {
        MainWindowTest::SetUp();
        ASSERT_NO_FATAL_FAILURE(openProject());
        window->setMode(MainWindow::Mode::Train);
        ASSERT_EQ(window->mode(), MainWindow::Mode::Train);
    }
};

TEST_F(UiTrain, SaysBeforeARunThatNearIdenticalPhotosStayOnOneSide) {
    // Two labelled photos of one class made near-identical (pHashes one bit apart), every other photo far away.
    {
        auto& store = window->document()->store();
        const auto classOf = store.classByImage().value();
        int64_t first = 0, second = 0;
        for (const auto& [imageId, classId] : classOf) {
            if (!first) first = imageId;
            else if (!second && classId == classOf.at(first)) second = imageId;
        }
        ASSERT_NE(second, 0);
        uint64_t hash = 0x0123456789ABCDEFull;
        for (auto image : store.images().value()) {
            image.perceptualHash = hash = hash * 6364136223846793005ull + 1442695040888963407ull;
            if (image.id == first) image.perceptualHash = 0xF00DF00DF00DF00Dull;
            if (image.id == second) image.perceptualHash = 0xF00DF00DF00DF00Cull;
            ASSERT_TRUE(store.upsertImage(image).ok());
        }
    }
    TrainView* view = window->trainView();
    window->setMode(MainWindow::Mode::Dataset);  // coming back to Train mode reads the project again
    window->setMode(MainWindow::Mode::Train);
    EXPECT_TRUE(view->statusText().contains(
        QStringLiteral("1 group of near-identical photos (2 photos) is kept on one side of the training/validation")))
        << view->statusText().toStdString();
}

TEST_F(UiTrain, ReadinessLeavesDisputedLabelsOutAndSaysSo) {
    TrainView* view = window->trainView();
    window->setMode(MainWindow::Mode::Train);
    ASSERT_TRUE(view->statusText().startsWith(QStringLiteral("14 labelled photos in 3 classes")))
        << view->statusText().toStdString();
    // Two labels disputed through the undo stack, as D in Dataset mode does: the hint follows at once.
    auto& store = window->document()->store();
    QVector<qint64> two;
    for (const auto& [imageId, classId] : store.classByImage().value())
        if (two.size() < 2) two.push_back(imageId);
    window->document()->undoStack()->push(new SetDisputedCommand(window->document(), two, true));
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("12 labelled photos in 3 classes: ready to train")))
        << view->statusText().toStdString();
    EXPECT_TRUE(view->statusText().contains(QStringLiteral("2 photos with disputed labels are left out.")))
        << view->statusText().toStdString();
    // "Train on disputed labels too": the hint counts them back in, and the run's options carry the choice.
    view->form()->setIncludeDisputed(true);
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("14 labelled photos in 3 classes: ready to train")))
        << view->statusText().toStdString();
    EXPECT_TRUE(view->statusText().contains(QStringLiteral("2 photo(s) with disputed labels are included")))
        << view->statusText().toStdString();
    EXPECT_TRUE(view->form()->options().includeDisputed);
    view->form()->setIncludeDisputed(false);
    EXPECT_FALSE(view->form()->options().includeDisputed);
    window->document()->undoStack()->undo();
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("14 labelled photos in 3 classes")));
    EXPECT_FALSE(view->statusText().contains(QStringLiteral("disputed")));
}

TEST_F(UiTrain, TinyRunPlotsAndFinishesWithMetricsAndActiveModel) {
    TrainView* view = window->trainView();
    // Before a run the hint says what is true: the scanned folders labelled 14 photos in 3 classes.
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("14 labelled photos in 3 classes: ready to train")))
        << view->statusText().toStdString();
    QSignalSpy finished(view, &TrainView::trainingFinished);
    ASSERT_TRUE(view->startTraining(tiny(2)));
    EXPECT_TRUE(view->isTraining());
    EXPECT_FALSE(view->startTraining(tiny(2))) << "a second run must wait for the first";
    ASSERT_TRUE(finished.wait(60000));
    ASSERT_TRUE(finished.front()[0].toBool()) << finished.front()[1].toString().toStdString();
    EXPECT_FALSE(view->isTraining());

    // 11 training photos at batch 4: a few steps per epoch reach the plots, and one validation point per epoch.
    EXPECT_GE(view->charts()->stepPoints(), 2);
    EXPECT_EQ(view->charts()->epochPoints(), 2);
    EXPECT_EQ(view->lastResult().history.size(), 2u);
    EXPECT_EQ(view->lastResult().classNames.size(), 3u);

    // The run is listed from the store, its confusion matrix is shown, and it became the active model.
    EXPECT_EQ(view->results()->runCount(), 1);
    EXPECT_EQ(view->results()->confusionClasses(), 3);
    const QString active = view->results()->activeModel();
    ASSERT_FALSE(active.isEmpty());
    EXPECT_TRUE(std::filesystem::exists(window->document()->store().dataDir() / active.toStdString()));
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("Finished")));
    // Leaving Train mode and coming back keeps the run's outcome on show.
    window->setMode(MainWindow::Mode::Dataset);
    window->setMode(MainWindow::Mode::Train);
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("Finished"))) << view->statusText().toStdString();

    // The misclassified gallery is computed off the GUI thread with the new model (it may well be empty).
    QSignalSpy gallery(view, &TrainView::misclassifiedReady);
    ASSERT_TRUE(gallery.count() > 0 || gallery.wait(30000));
    EXPECT_EQ(gallery.front()[0].toInt(), view->results()->misclassifiedCount());
}

// "Cross-Validate…" trains one model per fold on the worker, plots each member afresh, keeps no run, and ends with a
// dialog of the cross-validated figures whose "Save Report…" writes the self-contained HTML report.
TEST_F(UiTrain, CrossValidationShowsTheFiguresAndSavesTheReport) {
    TrainView* view = window->trainView();
    QSignalSpy finished(view, &TrainView::crossValidationFinished);
    QSignalSpy trained(view, &TrainView::trainingFinished);
    ASSERT_TRUE(view->startCrossValidation(tiny(1), 2));
    EXPECT_TRUE(view->isTraining());
    EXPECT_FALSE(view->startTraining(tiny(1))) << "a training must wait for the cross-validation";
    ASSERT_TRUE(finished.wait(120000));
    ASSERT_TRUE(finished.front()[0].toBool()) << finished.front()[1].toString().toStdString();
    EXPECT_TRUE(trained.isEmpty());
    EXPECT_FALSE(view->isTraining());
    EXPECT_TRUE(view->statusText().startsWith(QStringLiteral("Cross-validated: "))) << view->statusText().toStdString();
    EXPECT_TRUE(view->statusText().contains(QStringLiteral("of 14 labelled photos"))) << view->statusText().toStdString();
    EXPECT_EQ(view->results()->runCount(), 0) << "cross-validation keeps no run";

    CrossValidationDialog* dialog = view->crossValidationDialog();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->classRows(), 3);
    EXPECT_TRUE(dialog->summaryText().contains(QStringLiteral("95 % interval")));
    EXPECT_TRUE(dialog->summaryText().contains(QStringLiteral("expected calibration error")));
    const QString report = QString::fromStdString((dir.path() / "report.html").string());
    const Status saved = dialog->saveReport(report);
    ASSERT_TRUE(saved.ok()) << saved.error();
    QFile file(report);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray html = file.readAll();
    EXPECT_TRUE(html.contains("<h2>Cross-validated results</h2>"));
    EXPECT_FALSE(html.contains("<script"));
}

TEST_F(UiTrain, StopCancelsWithinASecond) {
    TrainView* view = window->trainView();
    QSignalSpy finished(view, &TrainView::trainingFinished);
    ASSERT_TRUE(view->startTraining(tiny(200)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return view->charts()->stepPoints() > 0; }, 60000));
    QElapsedTimer clock;
    clock.start();
    view->stopTraining();
    ASSERT_TRUE(finished.wait(5000));
    EXPECT_LT(clock.elapsed(), 1000);
    EXPECT_FALSE(finished.front()[0].toBool());
    EXPECT_FALSE(view->isTraining());
    auto runs = window->document()->store().runs();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ(runs->front().status, "cancelled");
    // Another run can start after a stop.
    ASSERT_TRUE(view->startTraining(tiny(1)));
    finished.clear();
    ASSERT_TRUE(finished.wait(60000));
    EXPECT_TRUE(finished.front()[0].toBool()) << finished.front()[1].toString().toStdString();
}

TEST_F(UiTrain, PauseHoldsTheStepsAndResumeContinues) {
    TrainView* view = window->trainView();
    QSignalSpy finished(view, &TrainView::trainingFinished);
    ASSERT_TRUE(view->startTraining(tiny(200)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return view->charts()->stepPoints() > 0; }, 60000));
    QSignalSpy held(view, &TrainView::trainingPauseHeld);
    view->setPaused(true);
    // The step that was running when pausing still arrives (on a loaded machine, seconds later); once the loop
    // says it holds, every step before the pause has been sent and no further one may come.
    ASSERT_TRUE(held.wait(60000));
    ASSERT_TRUE(held.front()[0].toBool());
    EXPECT_TRUE(view->statusText().startsWith("Paused")) << view->statusText().toStdString();
    const int stepsWhenHeld = view->charts()->stepPoints();
    QTest::qWait(1000);
    EXPECT_EQ(view->charts()->stepPoints(), stepsWhenHeld);
    view->setPaused(false);
    ASSERT_TRUE(QTest::qWaitFor([&] { return view->charts()->stepPoints() > stepsWhenHeld; }, 10000));
    view->stopTraining();
    ASSERT_TRUE(finished.wait(5000));
}

TEST_F(UiTrain, ClosingTheWindowDuringTrainingShutsDownCleanly) {
    TrainView* view = window->trainView();
    ASSERT_TRUE(view->startTraining(tiny(200)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return view->charts()->stepPoints() > 0; }, 60000));
    QElapsedTimer clock;
    clock.start();
    EXPECT_TRUE(window->close());
    EXPECT_LT(clock.elapsed(), 2000);
    EXPECT_FALSE(view->isTraining());
    window.reset();  // destroys the views and the threads; must neither hang nor crash
    SUCCEED();
}

TEST(UiTrainForm, ExplainsModesAndBuildsOptions) {
    uitest::ensureApplication();
    JobRunner jobs;
    TrainForm form(&jobs);
    for (const auto& mode : learn::kTrainModeNames)
        EXPECT_GT(TrainForm::modeExplanation(mode.value).size(), 40) << mode.name;
    learn::TrainOptions o = tiny(3);
    o.mode = learn::TrainMode::Partial;
    o.lr = 0.0;
    form.setOptions(o);
    const learn::TrainOptions back = form.options();
    EXPECT_EQ(back.mode, learn::TrainMode::Partial);
    EXPECT_EQ(back.epochs, 3);
    EXPECT_EQ(back.imageSize, 32);
    EXPECT_EQ(back.batchSize, 4);
    EXPECT_EQ(back.lr, 0.0);  // automatic: the trainer picks Trainer::defaultLr
    EXPECT_EQ(back.framing, learn::Framing::Find);  // the default: centred on the find
    EXPECT_TRUE(learn::Trainer::validate(back).ok());
    o.framing = learn::Framing::Photo;
    form.setOptions(o);
    EXPECT_EQ(form.options().framing, learn::Framing::Photo);
    o.framing = learn::Framing::Find;

    // A linear probe needs pretrained weights: with none on this computer the form says so in plain words.
    o.mode = learn::TrainMode::LinearProbe;
    form.setOptions(o);
    if (form.options().weightsPath == "none") {
        EXPECT_FALSE(learn::Trainer::validate(form.options()).ok());
        EXPECT_TRUE(form.modeHint().contains(QStringLiteral("pretrained weights"))) << form.modeHint().toStdString();
    }
}

TEST(UiTrainForm, AugmentationPreviewShowsVariationsOfThePhoto) {
    uitest::ensureApplication();
    uitest::TempDir dir("augment");
    const auto images = uitest::writeSmallProject(dir.path());
    JobRunner jobs;
    TrainForm form(&jobs);
    QSignalSpy updated(&form, &TrainForm::previewUpdated);
    form.setPreviewImage(QString::fromStdString((dir.path() / images.front().relPath).string()));
    ASSERT_TRUE(updated.wait(20000));
    EXPECT_EQ(form.previewCount(), TrainForm::kPreviewCount);
}

TEST(UiSystemCheck, ReportsTheComputeDevice) {
    uitest::ensureApplication();
    const QString report = SystemCheckDialog::report(nullptr);
    const auto& info = learn::deviceInfo();
    EXPECT_TRUE(report.contains(QString::fromStdString(info.torchVersion))) << report.toStdString();
    if (!info.cudaAvailable) {
        EXPECT_TRUE(report.contains(QString::fromStdString(info.cudaUnavailableReason))) << report.toStdString();
    }
    EXPECT_FALSE(report.contains(QStringLiteral("not checked by this build")));
    // The BLAS the loader resolved (the probe lives in the core, so the window shows what doctor shows).
    EXPECT_TRUE(report.contains(QStringLiteral("BLAS (loaded):"))) << report.toStdString();
    if (!info.blasLoaded.empty()) {
        EXPECT_TRUE(report.contains(QString::fromStdString(info.blasLoadedPath))) << report.toStdString();
    }
}

}  // namespace
