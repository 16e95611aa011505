#pragma once
// The open project as the GUI sees it: owns the ProjectStore (GUI thread only) and the QUndoStack, applies edits
// for the undo commands and tells the views what changed. Owns the JobRunner every background job of the GUI runs on
// (ui/shared/jobrunner.h): closing the project cancels each job and waits for it before the store closes.
#include <QObject>
#include <QHash>
#include <QString>
#include <QUndoStack>
#include <QVector>

#include <memory>
#include <optional>
#include <vector>

#include "core/project/projectstore.h"
#include "core/util/jobcontext.h"
#include "ui/shared/jobrunner.h"

namespace tessera::ui {

class ProjectDocument : public QObject {
    Q_OBJECT
public:
    explicit ProjectDocument(QObject* parent = nullptr);
    ~ProjectDocument() override;  // stops every job (JobRunner::stop)

    // Opens (creating when needed) the project rooted at `root`. Returns false and fills `error` on failure.
    bool open(const QString& root, QString* error = nullptr);
    void close();  // cancels every job of the project and waits for it, then closes the store
    bool isOpen() const { return store_ != nullptr; }
    QString rootPath() const;
    QString name() const;  // the folder name, shown in the title bar

    project::ProjectStore& store() { return *store_; }
    const project::ProjectStore& store() const { return *store_; }
    QUndoStack* undoStack() { return &undo_; }
    JobRunner& jobs() { return jobs_; }

    // Classes as last read from the store, in display order; reloaded by notifyClassesChanged().
    const QVector<project::ClassInfo>& classes() const { return classes_; }
    std::optional<project::ClassInfo> classById(qint64 id) const;
    std::optional<project::ClassInfo> classByKey(int key) const;

    // Undo commands remember class ids; undoing a delete re-creates the class under a new id. Later commands in the
    // stack resolve the ids they hold through this map so they keep working on the re-created class.
    qint64 resolveClassId(qint64 originalId) const;
    void remapClassId(qint64 oldId, qint64 newId);

    // Helpers for the class undo commands: the labels a class holds now, and re-creating a removed class with its
    // name, key and colour (its old id is mapped to the new one). recreateClass returns 0 after reporting an error.
    std::vector<project::Label> labelsOfClass(qint64 classId) const;
    qint64 recreateClass(const project::ClassInfo& info);
    // The undo of removing a class (delete or merge): re-creates it and gives its images back their exact labels.
    void restoreClass(const project::ClassInfo& info, const std::vector<project::Label>& labels);

    // Called by undo commands after they changed the store.
    void notifyLabelsChanged(const QVector<qint64>& imageIds);
    void notifyDisputesChanged(const QVector<qint64>& imageIds);
    void notifyLabelIssuesChanged();
    void notifyClassesChanged();
    void reportError(const QString& message);

    // The active model bundle (project setting "active_model", relative to .tessera) as an absolute path; empty when
    // no project is open or none is set. Whether the file still exists is the caller's question.
    QString activeModelPath() const;

    // The predictions the views show (Dataset filters and sort, Review): a run id in the store, 0 for none.
    // On open it is the newest run with stored predictions; whoever writes new predictions (the Review mode's
    // prediction worker, the quick model) calls setPredictionRun, also with the same id after rewriting that run.
    qint64 predictionRun() const { return predictionRun_; }
    // Always emits predictionsChanged. `rows`, when given, are the run's stored predictions as the worker that wrote
    // them read them back: the views take them instead of reading the store again on the GUI thread.
    using PredictionRows = std::shared_ptr<const std::vector<project::PredictionRecord>>;
    void setPredictionRun(qint64 runId, PredictionRows rows = {});
    const PredictionRows& predictionRows() const { return predictionRows_; }  // null: read the store

    // Scanning.
    bool isScanning() const { return scanning_; }
    void startScan();
    void cancelScan();

signals:
    void opened();
    void closed();
    void labelsChanged(const QVector<qint64>& imageIds);
    void disputesChanged(const QVector<qint64>& imageIds);  // marked or cleared as disputed (SetDisputedCommand)
    void labelIssuesChanged();  // a label check stored new flags (ProjectStore::replaceLabelIssues)
    void classesChanged();
    void imagesChanged();  // the image rows changed (after a scan): models reload
    void predictionsChanged(qint64 runId);  // the prediction run changed or was rewritten
    void errorOccurred(const QString& message);
    void scanStarted();
    void scanProgress(const QString& stage, qint64 done, qint64 total, const QString& message);
    void scanFinished(bool ok, const QString& summary);

private:
    void onScanFinished(bool ok, const QString& summary);

    std::unique_ptr<project::ProjectStore> store_;
    QUndoStack undo_;
    QVector<project::ClassInfo> classes_;
    QHash<qint64, qint64> classRemap_;
    JobRunner jobs_;  // declared first of the job state: destroyed (stopped) last
    int scanJob_ = 0;
    bool scanning_ = false;
    qint64 predictionRun_ = 0;
    PredictionRows predictionRows_;
};

}  // namespace tessera::ui
