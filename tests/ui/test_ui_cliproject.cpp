// One story across CLI and GUI: a project scanned, trained and classified with tessera-cli opens in the GUI with the
// CLI's run as the active model, its calls listed in Review (and in the Dataset filters), and the run's curves,
// confusion matrix and per-class table in Train mode at the default window size.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTest>

#include "tests/cli/clitest.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewmodel.h"
#include "ui/review/reviewview.h"
#include "ui/train/trainingcharts.h"
#include "ui/train/trainresults.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

TEST(UiCliProject, ACliTrainedProjectOpensWithItsCallsInReviewAndItsCurvesInTrain) {
    uitest::ensureApplication();
    uitest::TempDir dir("cliproject");
    const std::filesystem::path root = dir.path() / "finds";
    uitest::writeSmallProject(root);  // 14 photos in 3 class folders, 6 unlabelled
    auto cli = [&](const std::vector<std::string>& args) {
        const auto r = clitest::runCli(args, dir.path());
        EXPECT_EQ(r.rc, 0) << r.err;
        return r;
    };
    cli({"scan", root.string()});
    cli({"train", root.string(), "--weights", "none", "--epochs", "2", "--size", "32", "--batch", "4", "--aug", "light",
         "--threads", "1", "--quiet"});
    const auto predicted = cli({"predict", root.string(), "--out", (dir.path() / "calls.csv").string()});
    EXPECT_NE(predicted.err.find("kept 20 calls in the project"), std::string::npos) << predicted.err;

    MainWindow window;
    window.show();
    QSignalSpy scanned(window.document(), &ProjectDocument::scanFinished);
    ASSERT_TRUE(window.openProject(QString::fromStdString(root.string())));
    ASSERT_TRUE(scanned.wait(30000));

    // Review: the CLI's run is the active model and its 20 calls are listed; the Dataset filters use them too.
    ReviewView* review = window.reviewView();
    EXPECT_FALSE(review->activeModelPath().isEmpty());
    EXPECT_EQ(review->source(), ReviewView::Source::TrainedModel);
    EXPECT_EQ(review->model()->rowCount(), 20);
    EXPECT_GT(window.document()->predictionRun(), 0);

    // Train: the run is listed and selected, with its two epochs plotted, its confusion matrix and a per-class table
    // that shows all its columns; the hint counts the labelled photos.
    window.setMode(MainWindow::Mode::Train);
    TrainView* train = window.trainView();
    EXPECT_EQ(train->results()->runCount(), 1);
    EXPECT_EQ(train->charts()->epochPoints(), 2);
    EXPECT_EQ(train->results()->confusionClasses(), 3);
    QTest::qWait(50);  // let the layout settle at the window's default size
    EXPECT_TRUE(train->results()->perClassTableFits());
    EXPECT_TRUE(train->statusText().startsWith(QStringLiteral("14 labelled photos in 3 classes")))
        << train->statusText().toStdString();
}
