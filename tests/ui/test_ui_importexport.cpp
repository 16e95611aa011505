// ImportExport (File menu import/export) driven through its dialog-free methods on real scanned projects: CSV label
// import changes the store and tells the views, bad rows are named by file and line, the CSV export round-trips,
// the ImageFolder tree has each class's photos and never overwrites, find information from a pattern, and the
// active model exports as a copy, a .pth that torchvision loads and an ONNX model OpenCV runs. Actions follow the
// document (disabled with no project) and the active model.
#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QWidget>

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <opencv2/dnn.hpp>
#include <sstream>

#include "core/train/trainer.h"
#include "core/project/projectstore.h"
#include "ui/shared/importexport.h"
#include "ui/shared/projectdocument.h"
#include "uitestsupport.h"

using namespace tessera;
using namespace tessera::ui;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

size_t filesIn(const fs::path& dir) {
    if (!fs::is_directory(dir)) return 0;
    return size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class UiImportExport : public ::testing::Test {
protected:
    void SetUp() override {
        uitest::ensureApplication();
        uitest::writeSmallProject(dir.path());
        ASSERT_EQ(uitest::scanProject(dir.path()), 20);
        parent = std::make_unique<QWidget>();
        io = std::make_unique<ImportExport>(&doc, parent.get());
        ASSERT_TRUE(doc.open(QString::fromStdString(dir.path().string())));
    }

    // relPath -> class name of every labelled photo.
    std::map<std::string, std::string> labelsByPath() {
        auto& store = doc.store();
        std::map<int64_t, std::string> cls, path;
        for (const auto& c : store.classes().value()) cls[c.id] = c.name;
        for (const auto& i : store.images().value()) path[i.id] = i.relPath;
        std::map<std::string, std::string> out;
        for (const auto& l : store.labels().value()) out[path[l.imageId]] = cls[l.classId];
        return out;
    }
    int64_t imageId(const std::string& relPath) {
        for (const auto& i : doc.store().images().value())
            if (i.relPath == relPath) return i.id;
        return 0;
    }

    uitest::TempDir dir{"importexport"};
    uitest::TempDir out{"importexport-out"};
    std::unique_ptr<QWidget> parent;  // after ensureApplication()
    ProjectDocument doc;
    std::unique_ptr<ImportExport> io;
};

TEST_F(UiImportExport, ActionsFollowTheDocumentAndTheActiveModel) {
    QMenu menu;
    io->populate(&menu);
    int added = 0;
    for (QAction* a : menu.actions()) added += a->isSeparator() ? 0 : 1;
    EXPECT_EQ(added, 5);
    for (QAction* a : {io->importLabelsAction(), io->exportLabelsAction(), io->importFindsAction(),
                       io->exportPhotosAction()})
        EXPECT_TRUE(a->isEnabled()) << a->text().toStdString();
    // A project without a trained model: nothing to export, and the tooltip says why.
    EXPECT_FALSE(io->exportModelAction()->isEnabled());
    EXPECT_TRUE(io->exportModelAction()->toolTip().contains("train", Qt::CaseInsensitive));
    EXPECT_FALSE(io->exportModel(QString::fromStdString((out.path() / "m.pth").string())).ok);

    doc.close();
    for (QAction* a : menu.actions()) {
        if (a->isSeparator()) continue;
        EXPECT_FALSE(a->isEnabled()) << a->text().toStdString();
        EXPECT_EQ(a->toolTip(), "Open a project first");
    }
    EXPECT_FALSE(io->importLabelsCsv("x.csv").ok);
}

TEST_F(UiImportExport, CsvImportLabelsPhotosAndReportsRowsItCannotUse) {
    const fs::path csv = out.path() / "finds-labels.csv";
    writeText(csv, "file,label,notes\nfind_14.jpg,amphora,rim\nfind_15.jpg,bowl,new class\n"
                   "not_here.jpg,samian,x\nsamian/find_05.jpg,coarse,relabelled\n");
    QSignalSpy labels(&doc, &ProjectDocument::labelsChanged);
    QSignalSpy classes(&doc, &ProjectDocument::classesChanged);
    const auto r = io->importLabelsCsv(QString::fromStdString(csv.string()));

    const auto now = labelsByPath();
    EXPECT_EQ(now.at("find_14.jpg"), "amphora");
    EXPECT_EQ(now.at("find_15.jpg"), "bowl");
    EXPECT_EQ(now.at("samian/find_05.jpg"), "coarse");
    EXPECT_EQ(now.size(), 16u);  // 14 from the folders + 2 new
    // The views hear which photos changed, and about the new class.
    ASSERT_EQ(labels.count(), 1);
    const auto ids = labels.front()[0].value<QVector<qint64>>();
    EXPECT_EQ(ids.size(), 3);
    EXPECT_TRUE(ids.contains(imageId("find_14.jpg")));
    EXPECT_TRUE(ids.contains(imageId("samian/find_05.jpg")));
    EXPECT_GE(classes.count(), 1);
    bool bowl = false;
    for (const auto& c : doc.classes()) bowl |= c.name == "bowl";
    EXPECT_TRUE(bowl);

    // Not all rows applied: a warning naming the file, the missing photo with its line, the ignored column.
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.text.contains("finds-labels.csv")) << r.text.toStdString();
    EXPECT_TRUE(r.text.contains("Labelled 3 photo(s)")) << r.text.toStdString();
    EXPECT_TRUE(r.text.contains("notes")) << r.text.toStdString();
    const QString details = r.details.join('\n');
    EXPECT_TRUE(details.contains("finds-labels.csv:4")) << details.toStdString();
    EXPECT_TRUE(details.contains("not_here.jpg")) << details.toStdString();
}

TEST_F(UiImportExport, BadCsvNamesFileAndLine) {
    const fs::path bad = out.path() / "broken.csv";
    writeText(bad, "file,label\nfind_16.jpg\n");
    auto r = io->importLabelsCsv(QString::fromStdString(bad.string()));
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.details.join('\n').contains("broken.csv:2")) << r.details.join('\n').toStdString();
    EXPECT_EQ(labelsByPath().count("find_16.jpg"), 0u);

    const fs::path missing = out.path() / "nowhere.csv";
    r = io->importLabelsCsv(QString::fromStdString(missing.string()));
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.text.contains("nowhere.csv")) << r.text.toStdString();
}

TEST_F(UiImportExport, ExportedCsvRoundTrips) {
    const auto original = labelsByPath();
    const fs::path csv = out.path() / "labels.csv";
    const auto e = io->exportLabelsCsv(QString::fromStdString(csv.string()));
    ASSERT_TRUE(e.ok) << e.text.toStdString();
    EXPECT_TRUE(e.text.contains("14 label(s)")) << e.text.toStdString();
    const std::string text = readText(csv);
    EXPECT_EQ(text.rfind("file,label,source", 0), 0u);
    EXPECT_NE(text.find("amphora/find_00.jpg,amphora"), std::string::npos);

    // Relabel two photos, then import the export: the original labels come back.
    auto& store = doc.store();
    const int64_t coarse = store.ensureClass("coarse").value();
    ASSERT_TRUE(store.assignLabels({{imageId("amphora/find_00.jpg"), coarse}, {imageId("samian/find_06.jpg"), coarse}},
                                   project::LabelSource::Manual)
                    .ok());
    ASSERT_NE(labelsByPath(), original);
    const auto r = io->importLabelsCsv(QString::fromStdString(csv.string()));
    EXPECT_TRUE(r.ok) << r.text.toStdString() << r.details.join('\n').toStdString();
    EXPECT_EQ(labelsByPath(), original);
}

TEST_F(UiImportExport, ImageFolderTreeHasEachClassAndNeverOverwrites) {
    const fs::path tree = out.path() / "tree";
    auto r = io->exportImageFolder(QString::fromStdString(tree.string()), false);
    ASSERT_TRUE(r.ok) << r.text.toStdString() << r.details.join('\n').toStdString();
    EXPECT_TRUE(r.text.contains("Copied 14")) << r.text.toStdString();
    EXPECT_EQ(filesIn(tree / "amphora"), 5u);
    EXPECT_EQ(filesIn(tree / "samian"), 5u);
    EXPECT_EQ(filesIn(tree / "coarse"), 4u);
    EXPECT_TRUE(fs::is_regular_file(tree / "amphora" / "find_00.jpg"));
    EXPECT_FALSE(fs::is_symlink(tree / "amphora" / "find_00.jpg"));

    // Again into the same folder: nothing replaced, every photo listed as skipped.
    r = io->exportImageFolder(QString::fromStdString(tree.string()), false);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.details.size(), 14);
    EXPECT_TRUE(r.text.contains("never replaced")) << r.text.toStdString();

    const fs::path links = out.path() / "links";
    r = ImportExport::exportImageFolder(doc.rootPath(), QString::fromStdString(links.string()), true);
    ASSERT_TRUE(r.ok) << r.text.toStdString();
    EXPECT_TRUE(fs::is_symlink(links / "samian" / "find_05.jpg"));
    EXPECT_EQ(filesIn(links / "coarse"), 4u);

    // A cancelled job stops with the core's message rather than a half-told success.
    JobContext cancelled;
    cancelled.cancel.cancel();
    r = ImportExport::exportImageFolder(doc.rootPath(), QString::fromStdString((out.path() / "c").string()), false,
                                        cancelled);
    EXPECT_FALSE(r.ok);
}

TEST_F(UiImportExport, ImageFolderExportFromTheMenuRunsOffTheGuiThreadAndTellsTheUser) {
    // What the menu action does after its two dialogs: the job on a pool thread, then a message box that names the
    // folder (opened without blocking, so the test can read it).
    const fs::path tree = out.path() / "menu-tree";
    QSignalSpy done(io.get(), &ImportExport::imageFolderExported);
    io->startImageFolderExport(QString::fromStdString(tree.string()), false);
    ASSERT_TRUE(done.wait(20000));
    EXPECT_TRUE(done.front()[0].toBool()) << done.front()[1].toString().toStdString();
    EXPECT_EQ(filesIn(tree / "amphora"), 5u);
    QMessageBox* box = nullptr;
    for (QWidget* w : QApplication::topLevelWidgets())
        if (auto* b = qobject_cast<QMessageBox*>(w); b && b->isVisible()) box = b;
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->text().contains("menu-tree")) << box->text().toStdString();
    box->close();
}

TEST_F(UiImportExport, FindDialogPreviewsWhatThePatternReads) {
    // The menu action opens the dialog; its preview follows the pattern as it is typed. Cancel writes nothing.
    QString before, after;
    QTimer::singleShot(0, [&] {
        QWidget* dialog = QApplication::activeModalWidget();
        if (!dialog) return;
        auto* preview = dialog->findChild<QPlainTextEdit*>();
        QLineEdit* pattern = nullptr;
        for (auto* e : dialog->findChildren<QLineEdit*>())
            if (e->text().contains("{site}")) pattern = e;
        if (preview && pattern) {
            before = preview->toPlainText();
            pattern->setText("{site}/find_{find}.jpg");
            after = preview->toPlainText();
        }
        dialog->close();
    });
    io->importFindsAction()->trigger();
    EXPECT_TRUE(before.contains("amphora/find_00.jpg")) << before.toStdString();
    EXPECT_TRUE(before.contains("does not match")) << before.toStdString();
    EXPECT_TRUE(after.contains("site amphora, find 00")) << after.toStdString();
    EXPECT_TRUE(doc.store().findInfo().value().at(imageId("amphora/find_00.jpg")).site.empty());
}

TEST_F(UiImportExport, FindInformationFromAPattern) {
    const QStringList samples = io->patternSamples("{site}/find_{find}.jpg", 3);
    ASSERT_EQ(samples.size(), 3);
    EXPECT_TRUE(samples[0].contains("amphora/find_00.jpg")) << samples[0].toStdString();
    EXPECT_TRUE(samples[0].contains("site amphora")) << samples[0].toStdString();
    EXPECT_TRUE(samples[0].contains("find 00")) << samples[0].toStdString();
    EXPECT_TRUE(io->patternSamples("{nonsense}", 3).join(' ').contains("nonsense"));

    auto report = io->previewFindsPattern("{site}/find_{find}.jpg");
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->matched.size(), 14u);
    EXPECT_EQ(report->unmatched.size(), 6u);
    QSignalSpy images(&doc, &ProjectDocument::imagesChanged);
    const auto r = io->applyFinds(*report, "the pattern");
    EXPECT_TRUE(r.ok) << r.text.toStdString();
    EXPECT_EQ(images.count(), 1);
    const auto info = doc.store().findInfo().value();
    EXPECT_EQ(info.at(imageId("samian/find_07.jpg")).site, "samian");
    EXPECT_EQ(info.at(imageId("samian/find_07.jpg")).findId, "07");
    EXPECT_TRUE(info.at(imageId("find_19.jpg")).findId.empty());

    const fs::path csv = out.path() / "finds.csv";
    writeText(csv, "file,find_id,site\nfind_19.jpg,F-19,Tell B\nghost.jpg,F-1,X\n");
    auto fromCsv = io->previewFindsCsv(QString::fromStdString(csv.string()));
    ASSERT_TRUE(fromCsv.ok()) << fromCsv.error();
    EXPECT_EQ(fromCsv->matched.size(), 1u);
    ASSERT_EQ(fromCsv->problems.size(), 1u);
    EXPECT_NE(fromCsv->problems.front().find("finds.csv:3"), std::string::npos);
    EXPECT_FALSE(io->applyFinds(*fromCsv, "finds.csv").ok);
    EXPECT_EQ(doc.store().findInfo().value().at(imageId("find_19.jpg")).site, "Tell B");
}

TEST_F(UiImportExport, ActiveModelExportsAsBundlePthAndOnnx) {
    // A tiny model trained by the real trainer (1 epoch, 32 px), made the active model the way Train mode does.
    learn::TrainOptions o = uitest::tinyTrainOptions();
    o.precision = learn::ComputePrecision::Fp32;
    o.persistCache = false;
    learn::Trainer trainer(o);
    auto trained = trainer.train(dir.path(), nullptr, JobContext{});
    ASSERT_TRUE(trained.ok()) << trained.error();
    const fs::path rel = fs::relative(trained->bundlePath, doc.store().dataDir());
    ASSERT_TRUE(doc.store().setSetting("active_model", rel.generic_string()).ok());
    io->updateActions();
    EXPECT_TRUE(io->exportModelAction()->isEnabled());
    EXPECT_EQ(io->activeModelPath().toStdString(), (doc.store().dataDir() / rel).string());

    const fs::path copy = out.path() / "shared.tessera-model";
    auto r = io->exportModel(QString::fromStdString(copy.string()));
    ASSERT_TRUE(r.ok) << r.text.toStdString();
    EXPECT_EQ(readText(copy), readText(trained->bundlePath));

    const fs::path pth = out.path() / "weights.pth";
    r = io->exportModel(QString::fromStdString(pth.string()));
    ASSERT_TRUE(r.ok) << r.text.toStdString();
    QProcess python;
    python.start(TESSERA_PYTHON, {"-c",
                                  "import sys, torch, torchvision\n"
                                  "sd = torch.load(sys.argv[1], map_location='cpu')\n"
                                  "m = torchvision.models.resnet18(num_classes=3)\n"
                                  "m.load_state_dict(sd, strict=True)\n"
                                  "print('loaded', len(sd))\n",
                                  QString::fromStdString(pth.string())});
    ASSERT_TRUE(python.waitForFinished(60000));
    const QString said = python.readAllStandardOutput() + python.readAllStandardError();
    EXPECT_EQ(python.exitCode(), 0) << said.toStdString();
    EXPECT_TRUE(said.startsWith("loaded")) << said.toStdString();

    const fs::path onnx = out.path() / "model.onnx";
    r = io->exportModel(QString::fromStdString(onnx.string()));
    ASSERT_TRUE(r.ok) << r.text.toStdString();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
    ASSERT_FALSE(net.empty());
    cv::Mat input(std::vector<int>{1, 3, 32, 32}, CV_32F, cv::Scalar(0.1));
    net.setInput(input);
    const cv::Mat probs = net.forward("probabilities");
    ASSERT_EQ(probs.total(), 3u);
    EXPECT_NEAR(cv::sum(probs)[0], 1.0, 1e-4);

    r = io->exportModel(QString::fromStdString((out.path() / "model.zip").string()));
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.text.contains("model.zip")) << r.text.toStdString();
}

}  // namespace
