#include "ui/shared/importexport.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "core/nn/onnxexporter.h"
#include "core/nn/pthwriter.h"
#include "core/project/csvio.h"
#include "core/project/csvreader.h"
#include "core/project/imagefolderexport.h"
#include "core/util/atomicfile.h"
#include "ui/shared/projectdocument.h"

namespace tessera::ui {
namespace {
namespace fs = std::filesystem;

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QString& q) { return q.toStdString(); }

QStringList toList(const std::vector<std::string>& items) {
    QStringList out;
    for (const auto& i : items) out << q(i);
    return out;
}

// imageId -> classId of every labelled photo, to tell the views exactly which photos an import changed.
std::unordered_map<int64_t, int64_t> labelMap(const project::ProjectStore& store) {
    std::unordered_map<int64_t, int64_t> out;
    auto labels = store.labels();
    if (labels.ok())
        for (const auto& l : labels.value()) out.emplace(l.imageId, l.classId);
    return out;
}

// Header columns the label import does not use (it reads the file and label columns and ignores the rest), so the
// user learns that e.g. a "notes" column was not imported. Empty when the CSV has no recognisable header.
QStringList ignoredLabelColumns(const QString& csvPath) {
    auto parsed = project::CsvReader::parseFile(s(csvPath));
    if (!parsed.ok() || parsed->records.empty()) return {};
    QStringList unknown;
    bool file = false, label = false;
    for (const auto& field : parsed->records.front().fields) {
        const std::string h = project::CsvReader::lowerAscii(project::CsvReader::trim(field));
        if (!file && project::CsvReader::isFileHeader(h)) file = true;
        else if (!label && (h == "label" || h == "class" || h == "category")) label = true;
        else if (h != "source") unknown << q(project::CsvReader::trim(field));
    }
    return file && label ? unknown : QStringList();
}

}  // namespace

ImportExport::~ImportExport() = default;

ImportExport::ImportExport(ProjectDocument* document, QWidget* dialogParent)
    : QObject(dialogParent), document_(document), parent_(dialogParent) {
    importLabels_ = new QAction(tr("Import Labels from CSV…"), this);
    importLabels_->setStatusTip(tr("Label photos from a spreadsheet with a file column and a label column"));
    exportLabels_ = new QAction(tr("Export Labels to CSV…"), this);
    exportLabels_->setStatusTip(tr("Save every photo's label as a spreadsheet (file, label, source)"));
    importFinds_ = new QAction(tr("Import Find Information…"), this);
    importFinds_->setStatusTip(tr("Set find number, site and context of many photos from a CSV or their file names"));
    exportPhotos_ = new QAction(tr("Export Labelled Photos as Folders…"), this);
    exportPhotos_->setStatusTip(tr("Copy or link the labelled photos into one folder per class"));
    exportModel_ = new QAction(tr("Export Model…"), this);
    connect(importLabels_, &QAction::triggered, this, &ImportExport::onImportLabels);
    connect(exportLabels_, &QAction::triggered, this, &ImportExport::onExportLabels);
    connect(importFinds_, &QAction::triggered, this, &ImportExport::onImportFinds);
    connect(exportPhotos_, &QAction::triggered, this, &ImportExport::onExportPhotos);
    connect(exportModel_, &QAction::triggered, this, &ImportExport::onExportModel);
    connect(document_, &ProjectDocument::opened, this, &ImportExport::updateActions);
    connect(document_, &ProjectDocument::closed, this, &ImportExport::updateActions);
    connect(document_, &ProjectDocument::scanFinished, this, &ImportExport::updateActions);
    updateActions();
}

void ImportExport::populate(QMenu* menu) {
    menu->addSeparator();
    menu->addAction(importLabels_);
    menu->addAction(exportLabels_);
    menu->addAction(importFinds_);
    menu->addSeparator();
    menu->addAction(exportPhotos_);
    menu->addAction(exportModel_);
    menu->addSeparator();
    connect(menu, &QMenu::aboutToShow, this, &ImportExport::updateActions);
    // Menus hide tooltips by default; "Export Model" greyed out must say why (only explicit tooltips are shown).
    menu->setToolTipsVisible(true);
}

QString ImportExport::activeModelPath() const {
    const QString path = document_->activeModelPath();
    return !path.isEmpty() && QFileInfo::exists(path) ? path : QString();
}

void ImportExport::updateActions() {
    const bool open = document_->isOpen();
    for (QAction* a : {importLabels_, exportLabels_, importFinds_, exportPhotos_}) {
        a->setEnabled(open);
        a->setToolTip(open ? a->statusTip() : tr("Open a project first"));
    }
    const bool model = open && !activeModelPath().isEmpty();
    exportModel_->setEnabled(model);
    exportModel_->setToolTip(!open ? tr("Open a project first")
                             : model ? tr("Save the model in use for colleagues: as a Tessera model, PyTorch "
                                          "weights (.pth) or ONNX")
                                     : tr("No model yet: train one in Train mode first"));
    exportModel_->setStatusTip(exportModel_->toolTip());
}

// ---- labels -------------------------------------------------------------------------------------------------

ImportExport::Outcome ImportExport::importLabelsCsv(const QString& csvPath) {
    Outcome out;
    if (!document_->isOpen()) return {false, tr("No project is open."), {}};
    const QString name = QDir::toNativeSeparators(csvPath);
    auto& store = document_->store();
    const auto before = labelMap(store);
    auto report = project::importLabelsCsv(store, s(csvPath));
    if (!report) return {false, tr("Could not import labels from %1:\n%2").arg(name, q(report.error())), {}};

    // Tell the views exactly which photos changed (the quick model and the grids react to labelsChanged).
    QVector<qint64> changed;
    for (const auto& [image, cls] : labelMap(store)) {
        auto it = before.find(image);
        if (it == before.end() || it->second != cls) changed << image;
    }
    if (report->classesCreated > 0) document_->notifyClassesChanged();
    if (!changed.isEmpty()) document_->notifyLabelsChanged(changed);

    out.details = toList(report->problems);
    const QStringList ignored = ignoredLabelColumns(csvPath);
    if (!ignored.isEmpty()) out.details << tr("Columns not imported (only file and label are read): %1")
                                               .arg(ignored.join(QStringLiteral(", ")));
    out.ok = report->problems.empty();
    out.text = tr("Labelled %1 photo(s) from %2 (%3 row(s) read").arg(report->applied).arg(name).arg(report->rows);
    if (report->classesCreated > 0) out.text += tr(", %1 new class(es)").arg(report->classesCreated);
    out.text += QStringLiteral(").");
    if (!report->problems.empty())
        out.text += tr("\n%1 row(s) could not be used, for example a photo that is not in this project; see the "
                       "details.").arg(report->problems.size());
    if (!ignored.isEmpty()) out.text += tr("\nIgnored column(s): %1.").arg(ignored.join(QStringLiteral(", ")));
    return out;
}

ImportExport::Outcome ImportExport::exportLabelsCsv(const QString& csvPath) {
    if (!document_->isOpen()) return {false, tr("No project is open."), {}};
    const QString name = QDir::toNativeSeparators(csvPath);
    auto rows = project::exportLabelsCsv(document_->store(), s(csvPath));
    if (!rows) return {false, tr("Could not save labels to %1:\n%2").arg(name, q(rows.error())), {}};
    return {true, tr("Saved %1 label(s) to %2.").arg(*rows).arg(name), {}};
}

// ---- ImageFolder tree -----------------------------------------------------------------------------------------

ImportExport::Outcome ImportExport::exportImageFolder(const QString& projectRoot, const QString& outDir, bool links,
                                                      const JobContext& ctx) {
    const QString name = QDir::toNativeSeparators(outDir);
    std::error_code ec;
    if (fs::exists(s(outDir), ec) && !fs::is_directory(s(outDir), ec))
        return {false, tr("Could not export to %1: it exists and is not a folder.").arg(name), {}};
    auto store = project::ProjectStore::open(s(projectRoot), false);
    if (!store) return {false, tr("Could not open the project %1:\n%2").arg(projectRoot, q(store.error())), {}};
    auto options = project::ImageFolderExportOptions::defaults();
    options.link = links;
    auto report = project::ImageFolderExport::run(*store, s(outDir), options, ctx);
    if (!report) return {false, tr("Could not export the photos to %1:\n%2").arg(name, q(report.error())), {}};
    Outcome out;
    out.ok = report->skipped.empty();
    out.details = toList(report->skipped);
    for (const auto& [cls, folder] : report->classFolder)
        if (cls != folder) out.details << tr("class '%1' is in folder '%2'").arg(q(cls), q(folder));
    out.text = (links ? tr("Linked %1 photo(s) into %2, one folder per class.")
                      : tr("Copied %1 photo(s) into %2, one folder per class."))
                   .arg(report->written)
                   .arg(name);
    if (!report->disputed.empty())
        out.text += tr("\n%1 photo(s) with disputed labels were left out.").arg(report->disputed.size());
    if (!report->skipped.empty())
        out.text += tr("\n%1 labelled photo(s) were not exported (a file already there is never replaced); see the "
                       "details.").arg(report->skipped.size());
    return out;
}

ImportExport::Outcome ImportExport::exportImageFolder(const QString& outDir, bool links) {
    if (!document_->isOpen()) return {false, tr("No project is open."), {}};
    return exportImageFolder(document_->rootPath(), outDir, links);
}

// ---- model ------------------------------------------------------------------------------------------------------

ImportExport::Outcome ImportExport::exportModel(const QString& outPath) {
    const QString bundle = activeModelPath();
    if (bundle.isEmpty()) return {false, tr("There is no model to export yet: train one in Train mode first."), {}};
    const QString name = QDir::toNativeSeparators(outPath);
    const QString suffix = QFileInfo(outPath).suffix().toLower();
    Status st;
    if (suffix == QLatin1String("pth")) {
        st = nn::PthWriter::convertFile(s(bundle), s(outPath));
    } else if (suffix == QLatin1String("onnx")) {
        st = nn::OnnxExporter::convertFile(s(bundle), s(outPath), "");
    } else if (suffix == QLatin1String("tessera-model")) {
        // The save dialog already asked before replacing a file; a failed copy leaves the old one as it was.
        st = util::copyFileAtomically(s(bundle), s(outPath));
    } else {
        return {false, tr("Could not export the model to %1: choose a name ending in .tessera-model, .pth or .onnx.")
                           .arg(name), {}};
    }
    if (!st.ok()) return {false, tr("Could not export the model to %1:\n%2").arg(name, q(st.error())), {}};
    const QString what = suffix == QLatin1String("pth")    ? tr("PyTorch weights (load them in torchvision)")
                         : suffix == QLatin1String("onnx") ? tr("an ONNX model")
                                                           : tr("a Tessera model");
    return {true, tr("Saved the model as %1 to %2.").arg(what, name), {}};
}

// ---- dialogs ------------------------------------------------------------------------------------------------------

QString ImportExport::startDir() const { return document_->isOpen() ? document_->rootPath() : QDir::homePath(); }

void ImportExport::show(const Outcome& outcome, const QString& title) {
    auto* box = new QMessageBox(outcome.ok ? QMessageBox::Information : QMessageBox::Warning, title, outcome.text,
                                QMessageBox::Ok, parent_);
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (!outcome.details.isEmpty()) box->setDetailedText(outcome.details.join(QLatin1Char('\n')));
    box->open();
}

void ImportExport::onImportLabels() {
    const QString path = QFileDialog::getOpenFileName(parent_, tr("Import Labels from CSV"), startDir(),
                                                      tr("CSV files (*.csv *.txt);;All files (*)"));
    if (path.isEmpty()) return;
    const auto answer = QMessageBox::question(
        parent_, tr("Import Labels"),
        tr("Label the photos listed in %1?\n\nPhotos already labelled get the label from the file. This cannot be "
           "undone with Edit > Undo.").arg(QDir::toNativeSeparators(path)));
    if (answer != QMessageBox::Yes) return;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Outcome outcome = importLabelsCsv(path);
    QApplication::restoreOverrideCursor();
    show(outcome, tr("Import Labels"));
}

void ImportExport::onExportLabels() {
    const QString path = QFileDialog::getSaveFileName(parent_, tr("Export Labels to CSV"),
                                                      QDir(startDir()).filePath(QStringLiteral("labels.csv")),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    show(exportLabelsCsv(path), tr("Export Labels"));
}

void ImportExport::onExportPhotos() {
    const QString dir = QFileDialog::getExistingDirectory(parent_, tr("Export Labelled Photos: choose a folder"),
                                                          QDir::homePath());
    if (dir.isEmpty()) return;
    QMessageBox ask(QMessageBox::Question, tr("Export Labelled Photos"),
                    tr("Put the labelled photos into %1, one folder per class.\n\nCopies take disk space but can be "
                       "moved anywhere; links take no space but only work while the originals stay where they are. "
                       "Files already in the folder are never replaced.").arg(QDir::toNativeSeparators(dir)),
                    QMessageBox::Cancel, parent_);
    QPushButton* copies = ask.addButton(tr("Copy Photos"), QMessageBox::AcceptRole);
    QPushButton* links = ask.addButton(tr("Link Photos"), QMessageBox::AcceptRole);
    ask.setDefaultButton(copies);
    ask.exec();
    if (ask.clickedButton() != copies && ask.clickedButton() != links) return;
    startImageFolderExport(dir, ask.clickedButton() == links);
}

void ImportExport::startImageFolderExport(const QString& dir, bool link) {
    if (!document_->isOpen()) return;
    // The core job reports progress and checks cancel; it runs as a job of the project with its own store.
    auto* progress = new QProgressDialog(tr("Exporting photos…"), tr("Cancel"), 0, 0, parent_);
    progress->setWindowTitle(tr("Export Labelled Photos"));
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    // A guarded pointer: the dialog's parent may be destroyed while the job runs.
    const QPointer<QProgressDialog> guard(progress);
    const QString root = document_->rootPath();
    JobRunner& jobs = document_->jobs();
    const int job = jobs.run(
                            tr("Exporting labelled photos"), this,
                            [root, dir, link](const JobContext& ctx) { return exportImageFolder(root, dir, link, ctx); },
                            [this, guard](const Outcome& outcome) {
                                if (guard) guard->deleteLater();
                                show(outcome, tr("Export Labelled Photos"));
                                emit imageFolderExported(outcome.ok, outcome.text);
                            })
                        ->id();
    connect(progress, &QProgressDialog::canceled, this, [&jobs, job] { jobs.cancel(job); });
    connect(&jobs, &JobRunner::progressed, progress, [guard, job](int id, const Progress& p) {
        if (id != job || !guard || guard->wasCanceled()) return;  // after Cancel a late update must not show it again
        guard->setMaximum(int(p.total));
        guard->setValue(int(p.done));
    });
}

void ImportExport::onExportModel() {
    const QString bundle = activeModelPath();
    if (bundle.isEmpty()) return;
    const QString tessera = tr("Tessera model (*.tessera-model)");
    const QString pth = tr("PyTorch weights for torchvision (*.pth)");
    const QString onnx = tr("ONNX model (*.onnx)");
    QString filter = tessera;
    QString path = QFileDialog::getSaveFileName(parent_, tr("Export Model"),
                                                QDir(startDir()).filePath(document_->name() + ".tessera-model"),
                                                tessera + ";;" + pth + ";;" + onnx, &filter);
    if (path.isEmpty()) return;
    const QString wanted = filter == pth ? QStringLiteral("pth") : filter == onnx ? QStringLiteral("onnx")
                                                                                  : QStringLiteral("tessera-model");
    if (!path.endsWith('.' + wanted, Qt::CaseInsensitive)) {
        path += '.' + wanted;
        // The save dialog only asked about the name as typed, without the ending added here.
        if (QFileInfo::exists(path) &&
            QMessageBox::question(parent_, tr("Export Model"),
                                  tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(path))) !=
                QMessageBox::Yes)
            return;
    }
    // Converting a ResNet takes a second or two and has no progress or cancel in the core: a busy cursor will do.
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Outcome outcome = exportModel(path);
    QApplication::restoreOverrideCursor();
    show(outcome, tr("Export Model"));
}

}  // namespace tessera::ui
