#include "ui/shared/projectdocument.h"

#include <QDir>
#include <QFileInfo>

#include "ui/shared/scanjob.h"

namespace tessera::ui {

ProjectDocument::ProjectDocument(QObject* parent) : QObject(parent) {
    connect(&jobs_, &JobRunner::progressed, this, [this](int id, const Progress& p) {
        if (scanning_ && id == scanJob_)
            emit scanProgress(QString::fromStdString(p.stage), p.done, p.total, QString::fromStdString(p.message));
    });
}

ProjectDocument::~ProjectDocument() {
    jobs_.stop();
    if (store_) (void)store_->backUpIfDue();
}

bool ProjectDocument::open(const QString& root, QString* error) {
    const QFileInfo info(root);
    if (!info.isDir()) {
        if (error) *error = tr("'%1' is not a folder.").arg(QDir::toNativeSeparators(root));
        return false;
    }
    auto store = project::ProjectStore::open(QDir(root).absolutePath().toStdString(), true);
    if (!store.ok()) {
        if (error) *error = QString::fromStdString(store.error());
        return false;
    }
    close();
    store_ = std::make_unique<project::ProjectStore>(std::move(*store));
    undo_.clear();
    classRemap_.clear();
    auto classes = store_->classes();
    classes_ = classes.ok() ? QVector<project::ClassInfo>(classes->begin(), classes->end()) : QVector<project::ClassInfo>{};
    auto latest = store_->latestPredictionRun();
    predictionRun_ = latest.ok() ? *latest : 0;
    predictionRows_.reset();
    emit opened();
    return true;
}

void ProjectDocument::close() {
    if (!store_) return;
    jobs_.cancelAllAndWait();
    scanning_ = false;
    (void)store_->backUpIfDue();  // a long session's labels get their copy too; a failure must not stop closing
    undo_.clear();
    store_.reset();
    classes_.clear();
    classRemap_.clear();
    predictionRun_ = 0;
    predictionRows_.reset();
    emit closed();
}

QString ProjectDocument::activeModelPath() const {
    if (!store_) return {};
    auto bundle = store_->activeModel();
    if (!bundle.ok() || !*bundle) return {};
    return QString::fromStdString((*bundle)->string());
}

void ProjectDocument::setPredictionRun(qint64 runId, PredictionRows rows) {
    predictionRun_ = runId;
    predictionRows_ = std::move(rows);
    emit predictionsChanged(runId);
}

QString ProjectDocument::rootPath() const {
    return store_ ? QString::fromStdString(store_->root().string()) : QString();
}

QString ProjectDocument::name() const { return store_ ? QFileInfo(rootPath()).fileName() : QString(); }

std::optional<project::ClassInfo> ProjectDocument::classById(qint64 id) const {
    for (const auto& c : classes_)
        if (c.id == id) return c;
    return std::nullopt;
}

std::optional<project::ClassInfo> ProjectDocument::classByKey(int key) const {
    if (key <= 0) return std::nullopt;
    for (const auto& c : classes_)
        if (c.key == key) return c;
    return std::nullopt;
}

qint64 ProjectDocument::resolveClassId(qint64 originalId) const {
    qint64 id = originalId;
    // Chains form when a class is deleted and restored more than once; each hop points to a newer id.
    for (int hops = 0; hops < 1000 && classRemap_.contains(id); ++hops) id = classRemap_.value(id);
    return id;
}

void ProjectDocument::remapClassId(qint64 oldId, qint64 newId) {
    const qint64 from = resolveClassId(oldId);
    if (from != newId) classRemap_.insert(from, newId);
}

std::vector<project::Label> ProjectDocument::labelsOfClass(qint64 classId) const {
    std::vector<project::Label> result;
    auto labels = store_->labels();
    if (!labels.ok()) {
        const_cast<ProjectDocument*>(this)->reportError(QString::fromStdString(labels.error()));
        return result;
    }
    for (const auto& l : *labels)
        if (l.classId == classId) result.push_back(l);
    return result;
}

qint64 ProjectDocument::recreateClass(const project::ClassInfo& info) {
    auto id = store_->addClass(info.name);
    if (!id.ok()) {
        reportError(QString::fromStdString(id.error()));
        return 0;
    }
    // Key and colour are cosmetic; a clash (another class took the key meanwhile) must not block the undo.
    if (info.key > 0) (void)store_->setClassKey(*id, info.key);
    if (!info.color.empty()) (void)store_->setClassColor(*id, info.color);
    remapClassId(info.id, *id);
    return *id;
}

void ProjectDocument::restoreClass(const project::ClassInfo& info, const std::vector<project::Label>& labels) {
    const qint64 newId = recreateClass(info);
    if (newId == 0) return;
    QVector<qint64> ids;
    ids.reserve(int(labels.size()));
    for (project::Label l : labels) {
        l.classId = newId;
        const Status st = store_->restoreLabel(l.imageId, l);
        if (!st.ok()) reportError(QString::fromStdString(st.error()));
        ids.push_back(l.imageId);
    }
    notifyClassesChanged();
    notifyLabelsChanged(ids);
}

void ProjectDocument::notifyLabelsChanged(const QVector<qint64>& imageIds) { emit labelsChanged(imageIds); }

void ProjectDocument::notifyClassesChanged() {
    if (store_) {
        auto classes = store_->classes();
        if (classes.ok()) classes_ = QVector<project::ClassInfo>(classes->begin(), classes->end());
        else reportError(QString::fromStdString(classes.error()));
    }
    emit classesChanged();
}

void ProjectDocument::notifyLabelIssuesChanged() { emit labelIssuesChanged(); }

void ProjectDocument::notifyDisputesChanged(const QVector<qint64>& imageIds) {
    if (!imageIds.isEmpty()) emit disputesChanged(imageIds);
}

void ProjectDocument::reportError(const QString& message) { emit errorOccurred(message); }

void ProjectDocument::startScan() {
    if (!store_ || scanning_) return;
    scanning_ = true;
    emit scanStarted();
    const QString root = rootPath();
    scanJob_ = jobs_.run(
                       tr("Scanning the folder"), this,
                       [root](const JobContext& context) { return scanProject(root, context); },
                       [this, root](const ScanOutcome& outcome) {
                           if (root == rootPath()) onScanFinished(outcome.ok, outcome.summary);
                       })
                   ->id();
}

void ProjectDocument::cancelScan() {
    if (scanning_) jobs_.cancel(scanJob_);
}

void ProjectDocument::onScanFinished(bool ok, const QString& summary) {
    scanning_ = false;
    if (!ok) {
        emit scanFinished(false, summary);
        return;
    }
    // The scan may have imported classes from folders and labels; reload everything the views show.
    notifyClassesChanged();
    emit imagesChanged();
    emit scanFinished(true, summary);
}

}  // namespace tessera::ui
