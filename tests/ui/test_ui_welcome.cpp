// The welcome page's "Open the demo project" button end to end: the first click generates the demo (in the folder
// $TESSERA_DEMO_DIR names, here a temp folder) off the GUI thread, opens it, scans it, and the Dataset mode shows
// every generated photo with its class; a second click reopens the same project (labels and files as the user left
// them) instead of generating it again.
#include <gtest/gtest.h>

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <filesystem>
#include <iostream>
#include <map>

#include "core/demo/demogenerator.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/dataset/setlabelscommand.h"
#include "ui/shared/welcomepage.h"
#include "uitestsupport.h"

namespace fs = std::filesystem;
using namespace tessera;
using namespace tessera::ui;

namespace {

class UiWelcome : public ::testing::Test {
protected:
    void SetUp() override {
        uitest::ensureApplication();
        previousDemo = qgetenv("TESSERA_DEMO_DIR");
        qputenv("TESSERA_DEMO_DIR", QByteArray::fromStdString(demoDir().string()));
        window = std::make_unique<MainWindow>();
        window->show();
    }
    void TearDown() override {
        window.reset();
        qputenv("TESSERA_DEMO_DIR", previousDemo);
    }
    fs::path demoDir() const { return dir.path() / "demo"; }
    QPushButton* demoButton() {
        auto* b = window->findChild<QPushButton*>(QStringLiteral("openDemoButton"));
        EXPECT_NE(b, nullptr);
        return b;
    }

    // The photos on disk, per top-level folder ("" for the root): what the scan should find.
    std::map<std::string, int> photosOnDisk() const {
        std::map<std::string, int> out;
        for (const auto& e : fs::recursive_directory_iterator(demoDir())) {
            const fs::path rel = fs::relative(e.path(), demoDir());
            if (!e.is_regular_file() || rel.begin()->string() == ".tessera") continue;
            const std::string top = std::next(rel.begin()) == rel.end() ? std::string() : rel.begin()->string();
            ++out[top];
        }
        return out;
    }

    // Photos per class name as the store has them.
    std::map<std::string, int> labelledPerClass() {
        std::map<std::string, int> out;
        auto& store = window->document()->store();
        auto labels = store.classByImage();
        EXPECT_TRUE(labels.ok());
        for (const auto& [image, cls] : labels.value()) ++out[window->document()->classById(cls)->name];
        return out;
    }

    uitest::TempDir dir{"welcome"};
    std::unique_ptr<MainWindow> window;
    QByteArray previousDemo;
};

TEST_F(UiWelcome, OpenTheDemoProjectGeneratesItOnceAndReopensIt) {
    EXPECT_EQ(MainWindow::demoFolder().toStdString(), demoDir().string());
    ASSERT_FALSE(fs::exists(demoDir()));
    QPushButton* button = demoButton();
    ASSERT_TRUE(button->isVisible()) << "the welcome page is not shown";
    auto* status = window->findChild<QLabel*>(QStringLiteral("demoStatus"));
    ASSERT_NE(status, nullptr);

    // First click: generation runs in the background while the button waits and a line says what is happening.
    QSignalSpy scanned(window->document(), &ProjectDocument::scanFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    EXPECT_FALSE(button->isEnabled());
    EXPECT_TRUE(status->isVisible());
    EXPECT_TRUE(status->text().contains(QStringLiteral("Making 160 demo photos"))) << status->text().toStdString();
    ASSERT_TRUE(scanned.wait(90000)) << "the demo project did not open and scan";
    ASSERT_TRUE(scanned.front()[0].toBool()) << scanned.front()[1].toString().toStdString();
    EXPECT_TRUE(button->isEnabled());
    EXPECT_FALSE(status->isVisible());

    // What make-demo generates: four class folders of DemoOptions::defaults().perClass photos each.
    const int perClass = demo::DemoOptions::defaults().perClass;
    const auto& classNames = demo::DemoGenerator::classNames();
    std::map<std::string, int> expected;
    for (const auto& c : classNames) expected[c] = perClass;
    ASSERT_EQ(photosOnDisk(), expected);
    const int total = perClass * int(classNames.size());
    ASSERT_EQ(total, 160);

    ProjectDocument* doc = window->document();
    ASSERT_TRUE(doc->isOpen());
    EXPECT_EQ(fs::path(doc->rootPath().toStdString()), demoDir());
    EXPECT_EQ(window->mode(), MainWindow::Mode::Dataset);
    EXPECT_TRUE(window->datasetView()->isVisible());
    EXPECT_EQ(doc->store().images().value().size(), size_t(total));
    EXPECT_EQ(labelledPerClass(), expected) << "each folder became a class with all its photos";
    EXPECT_EQ(size_t(doc->classes().size()), classNames.size());
    EXPECT_EQ(window->imageModel()->rowCount(), total);
    const auto counts = window->imageModel()->counts();
    EXPECT_EQ(counts.images, total);
    EXPECT_EQ(counts.labelled, total);
    EXPECT_EQ(counts.unlabelled, 0);
    EXPECT_GT(counts.flagged, 0) << "the demo's planted problems (too small, duplicates, blurry) were not flagged";
    EXPECT_TRUE(window->countsText().startsWith(QStringLiteral("160 images · 160 labelled")))
        << window->countsText().toStdString();
    std::cout << "[welcome] demo generated and scanned: " << window->countsText().toStdString() << "\n";

    // The user works on it: one photo unlabelled, another deleted from the folder. Then the project is closed.
    const auto first = window->imageModel()->record(0);
    doc->undoStack()->push(new SetLabelsCommand(doc, {first.id}, 0));
    ASSERT_FALSE(doc->store().label(first.id).value().has_value());
    const fs::path kept = demoDir() / first.relPath;
    fs::path removed;
    for (const auto& e : fs::directory_iterator(demoDir() / classNames.back()))
        if (e.path() != kept) removed = e.path();
    ASSERT_FALSE(removed.empty());
    const std::string removedRel = fs::relative(removed, demoDir()).generic_string();
    fs::remove(removed);
    const auto stamp = fs::last_write_time(kept);
    window->closeProject();
    ASSERT_TRUE(button->isVisible());

    // Second click: the existing demo opens as it is, at once: no generation (the deleted photo stays deleted and
    // the scan reports it missing, files keep their times), and the label change is kept.
    scanned.clear();
    QTest::mouseClick(button, Qt::LeftButton);
    EXPECT_FALSE(status->isVisible()) << "generating again: " << status->text().toStdString();
    EXPECT_TRUE(doc->isOpen()) << "the existing demo did not open at once";
    ASSERT_TRUE(scanned.wait(60000));
    ASSERT_TRUE(scanned.front()[0].toBool()) << scanned.front()[1].toString().toStdString();
    EXPECT_EQ(fs::path(doc->rootPath().toStdString()), demoDir());
    EXPECT_FALSE(fs::exists(removed)) << "the demo was generated again";
    EXPECT_EQ(fs::last_write_time(kept), stamp) << "the demo was generated again";
    expected[classNames.back()] -= 1;
    EXPECT_EQ(photosOnDisk(), expected);
    EXPECT_FALSE(doc->store().label(first.id).value().has_value()) << "the label change was lost";
    int missing = 0;
    for (const auto& im : doc->store().images().value()) {
        if (im.flags & project::FlagMissing) {
            ++missing;
            EXPECT_EQ(im.relPath, removedRel);
        }
    }
    EXPECT_EQ(missing, 1);
    EXPECT_EQ(window->imageModel()->counts().unlabelled, 1);
    EXPECT_EQ(window->mode(), MainWindow::Mode::Dataset);
}

}  // namespace
