// The main window end to end: open a folder (scan on the worker thread), counts in the status bar, Statistics mode
// builds its plots from core statistics, and a health entry selects its images in Dataset mode.
#include <gtest/gtest.h>

#include <QMenu>
#include <QMenuBar>

#include <QApplication>
#include <QInputDialog>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <qcustomplot.h>

#include "core/project/projectlocation.h"
#include "core/project/projectstore.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/importexport.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/statistics/statisticsview.h"
#include "ui/shared/systemcheckdialog.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;

namespace {

using UiMainWindow = uitest::MainWindowTest;

TEST_F(UiMainWindow, OpensAProjectAndShowsCounts) {
    EXPECT_EQ(window->countsText(), QStringLiteral("No project open"));
    // The File menu carries the import/export actions, disabled until a project is open.
    auto* io = window->findChild<ImportExport*>(QStringLiteral("importExport"));
    ASSERT_NE(io, nullptr);
    QMenu* fileMenu = nullptr;
    for (QAction* a : window->menuBar()->actions())
        if (a->menu() && a->menu()->actions().contains(io->exportModelAction())) fileMenu = a->menu();
    ASSERT_NE(fileMenu, nullptr);
    for (QAction* a : {io->importLabelsAction(), io->exportLabelsAction(), io->importFindsAction(),
                       io->exportPhotosAction(), io->exportModelAction()}) {
        EXPECT_TRUE(fileMenu->actions().contains(a)) << a->text().toStdString();
        EXPECT_FALSE(a->isEnabled()) << a->text().toStdString();
    }
    openProject();
    EXPECT_TRUE(io->importLabelsAction()->isEnabled());
    EXPECT_FALSE(io->exportModelAction()->isEnabled());  // no trained model yet
    EXPECT_TRUE(window->windowTitle().startsWith(QString::fromStdString(dir.path().filename().string())));
    EXPECT_EQ(window->imageModel()->rowCount(), 20);
    const auto counts = window->imageModel()->counts();
    EXPECT_EQ(counts.images, 20);
    EXPECT_EQ(counts.labelled, 14);
    EXPECT_EQ(counts.unlabelled, 6);
    // Every fixture photo is smaller than 224 px: the scan worker stored the "too small" flag for all of them.
    EXPECT_EQ(counts.flagged, 20);
    EXPECT_TRUE(window->imageModel()->index(0).data(ImageListModel::FlagsRole).toUInt() & project::FlagTooSmall);
    EXPECT_EQ(window->countsText(),
              QStringLiteral("20 images · 14 labelled · 6 unlabelled · 20 with warnings"));
    EXPECT_EQ(window->mode(), MainWindow::Mode::Dataset);
    EXPECT_EQ(window->document()->classes().size(), 3);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / ".tessera" / "project.db"));

    const QString report = SystemCheckDialog::report(window->document());
    EXPECT_TRUE(report.contains(QStringLiteral(TESSERA_VERSION)));
    EXPECT_TRUE(report.contains(QStringLiteral("OpenCV")));
    // The compute device comes from the core's probe: LibTorch and whether CUDA can be used (or why not).
    EXPECT_TRUE(report.contains(QStringLiteral("LibTorch")));
    EXPECT_TRUE(report.contains(QStringLiteral("CUDA available")));

    window->closeProject();
    EXPECT_FALSE(window->document()->isOpen());
    EXPECT_EQ(window->imageModel()->rowCount(), 0);
}

TEST_F(UiMainWindow, StatisticsModeBuildsPlotsAndSelectsFlaggedImages) {
    openProject();
    StatisticsView* stats = window->statisticsView();
    QSignalSpy updated(stats, &StatisticsView::statisticsUpdated);
    window->setMode(MainWindow::Mode::Statistics);
    ASSERT_TRUE(updated.wait(20000));
    while (stats->isComputing()) ASSERT_TRUE(updated.wait(20000));
    ASSERT_NE(stats->statistics(), nullptr);
    EXPECT_EQ(stats->statistics()->images, 20);
    EXPECT_EQ(stats->scatterPlot()->graphCount(), 4);       // three classes + unlabelled
    EXPECT_EQ(stats->classPlot()->plottableCount(), 4);     // a bar per class + unlabelled
    EXPECT_EQ(stats->megapixelPlot()->plottableCount(), 1);
    EXPECT_EQ(stats->aspectPlot()->plottableCount(), 1);
    int scatterPoints = 0;
    for (int g = 0; g < stats->scatterPlot()->graphCount(); ++g) scatterPoints += stats->scatterPlot()->graph(g)->dataCount();
    EXPECT_EQ(scatterPoints, 20);
    EXPECT_EQ(stats->resolutionTable()->model()->rowCount(), int(stats->statistics()->resolutions.size()));
    EXPECT_GT(stats->resolutionTable()->model()->rowCount(), 1);

    // The "Too small" group lists every image; clicking it switches to Dataset mode with them selected.
    QTreeWidgetItem* tooSmall = nullptr;
    for (int i = 0; i < stats->healthTree()->topLevelItemCount(); ++i)
        if (stats->healthTree()->topLevelItem(i)->text(0).startsWith(QStringLiteral("Too small")))
            tooSmall = stats->healthTree()->topLevelItem(i);
    ASSERT_NE(tooSmall, nullptr);
    ASSERT_EQ(tooSmall->childCount(), 20);
    emit stats->healthTree()->itemClicked(tooSmall->child(3), 0);
    EXPECT_EQ(window->mode(), MainWindow::Mode::Dataset);
    EXPECT_EQ(window->datasetView()->selectedImageIds().size(), 1);
    emit stats->healthTree()->itemClicked(tooSmall, 0);
    EXPECT_EQ(window->datasetView()->selectedImageIds().size(), 20);
}

TEST_F(UiMainWindow, ReopeningIsIncrementalAndKeepsLabels) {
    openProject();
    window->datasetView()->selectImages({window->imageModel()->record(19).id});
    ASSERT_TRUE(window->datasetView()->assignClassToSelection(window->document()->classes().front().id));
    const auto labelled = window->imageModel()->counts().labelled;
    window->closeProject();
    openProject();
    EXPECT_EQ(window->imageModel()->counts().labelled, labelled);
    EXPECT_FALSE(window->document()->undoStack()->canUndo());  // a new session starts with an empty history
}

}  // namespace

// Photos whose project is kept per user (a read-only share, or --keep-outside) were moved: opening them in the GUI
// offers the project that lost its folder, and taking it keeps the labels (what 'tessera-cli scan --moved-from' does).
TEST_F(UiMainWindow, MovedPhotosAreOfferedTheProjectTheyLeftBehind) {
    uitest::TempDir users{"user-projects"};
    const QByteArray saved = qgetenv("TESSERA_PROJECTS_DIR");
    qputenv("TESSERA_PROJECTS_DIR", QByteArray::fromStdString(users.path().string()));
    const std::filesystem::path before = dir.path(), moved = dir.path().string() + "-moved";
    {
        auto where = project::locateProject(before, project::ProjectPlace::UserFolder);
        ASSERT_TRUE(where.ok()) << where.error();
        auto store = project::ProjectStore::open(*where, true);
        ASSERT_TRUE(store.ok()) << store.error();
        ASSERT_TRUE(store->addClass("bowl").ok());
    }
    std::filesystem::rename(before, moved);
    QStringList offered;
    QTimer::singleShot(0, [&] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        offered = dialog->comboBoxItems();
        dialog->setTextValue(offered.value(0));
        dialog->accept();
    });
    QSignalSpy finished(window->document(), &ProjectDocument::scanFinished);
    window->openInteractive(QString::fromStdString(moved.string()));
    ASSERT_EQ(offered.size(), 2) << offered.join(" | ").toStdString();  // the old folder, or a new project
    EXPECT_EQ(offered[0].toStdString(), before.string());
    ASSERT_TRUE(window->document()->isOpen());
    EXPECT_EQ(window->document()->store().dataDir(), project::userProjectDirFor(moved));
    ASSERT_TRUE(finished.wait(30000));
    bool kept = false;  // the class made before the move, beside those the scan takes from the folders
    for (const auto& c : window->document()->store().classes().value()) kept = kept || c.name == "bowl";
    EXPECT_TRUE(kept);
    window->closeProject();
    std::filesystem::rename(moved, before);
    if (saved.isNull()) qunsetenv("TESSERA_PROJECTS_DIR");
    else qputenv("TESSERA_PROJECTS_DIR", saved);
}
