#pragma once
// The File menu's import and export: labels as CSV, find information (CSV or file-name pattern), the labelled photos
// as an ImageFolder tree and the active model as a bundle, .pth or ONNX. The dialog-driven slots call the public
// methods below, which do the work without dialogs (so tests drive them) and return what to tell the user.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <utility>
#include <vector>

#include "core/project/findimport.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

class QAction;
class QMenu;
class QWidget;

namespace tessera::ui {

class ProjectDocument;

class ImportExport : public QObject {
    Q_OBJECT
public:
    // What an import or export did, in words for the message box: `text` names the file; `details` lists problems
    // (rows that were not applied, photos skipped) for the box's "Show Details".
    struct Outcome {
        bool ok = false;
        QString text;
        QStringList details;
    };

    ImportExport(ProjectDocument* document, QWidget* dialogParent);
    ~ImportExport() override;

    // Adds the import and export actions to `menu` (with separators around them) and refreshes the "Export Model"
    // action whenever the menu opens, so a model chosen in Train mode is seen without a signal.
    void populate(QMenu* menu);

    QAction* importLabelsAction() const { return importLabels_; }
    QAction* exportLabelsAction() const { return exportLabels_; }
    QAction* importFindsAction() const { return importFinds_; }
    QAction* exportPhotosAction() const { return exportPhotos_; }
    QAction* exportModelAction() const { return exportModel_; }

    // The active model bundle (store setting "active_model", relative to <root>/.tessera), empty when there is none
    // or the file is gone.
    QString activeModelPath() const;

    // --- the work, without dialogs ---
    Outcome importLabelsCsv(const QString& csvPath);
    Outcome exportLabelsCsv(const QString& csvPath);
    // Runs on any thread: opens its own store on `projectRoot` (the document's store is for the GUI thread only).
    static Outcome exportImageFolder(const QString& projectRoot, const QString& outDir, bool links,
                                     const JobContext& ctx = JobContext{});
    Outcome exportImageFolder(const QString& outDir, bool links);  // the open project, on this thread
    // The format follows the suffix: .tessera-model (a copy), .pth (torchvision state dict), .onnx.
    Outcome exportModel(const QString& outPath);
    // Find information: a preview first (nothing written), then apply.
    Expected<project::FindImportReport> previewFindsCsv(const QString& csvPath) const;
    Expected<project::FindImportReport> previewFindsPattern(const QString& pattern) const;
    // "name  ->  site …, context …, find …" for the first `count` photos, or the pattern's error.
    QStringList patternSamples(const QString& pattern, int count) const;
    Outcome applyFinds(const project::FindImportReport& report, const QString& source);

    // The menu action's job after its dialogs: runs the export on a pool thread behind a QProgressDialog with Cancel,
    // then shows the outcome (a window-modal box that does not block) and emits imageFolderExported.
    void startImageFolderExport(const QString& outDir, bool links);

signals:
    void imageFolderExported(bool ok, const QString& text);

public slots:
    void updateActions();  // enabled state and tooltips from the document and the active model

private:
    void onImportLabels();
    void onExportLabels();
    void onImportFinds();  // importexport_finds.cpp
    void onExportPhotos();
    void onExportModel();
    // A window-modal message box opened without a nested event loop, so the slots return at once.
    void show(const Outcome& outcome, const QString& title);
    QString startDir() const;

    ProjectDocument* document_;
    QPointer<QWidget> parent_;
    QAction* importLabels_;
    QAction* exportLabels_;
    QAction* importFinds_;
    QAction* exportPhotos_;
    QAction* exportModel_;
};

}  // namespace tessera::ui
