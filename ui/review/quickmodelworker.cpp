#include "ui/review/quickmodelworker.h"

#include <QThread>
#include <QTimer>

#include <chrono>
#include <memory>
#include <utility>

#include "core/fewshot/labelcheck.h"
#include "core/train/labelledset.h"
#include "core/fewshot/quickmodel.h"
#include "core/project/projectstore.h"

namespace tessera::ui {

Backbone chooseBackbone(const QString& bundle) {
    const auto source = learn::chooseFeatureSource(bundle.toStdString());
    const QString path = QString::fromStdString(source.file.string());
    const QString name = QString::fromStdString(source.name);
    switch (source.kind) {
    case learn::FeatureSource::Kind::TrainedModel:
        return {path, QuickModelWorker::tr("features of the trained model %1").arg(name)};
    case learn::FeatureSource::Kind::ImageNet:
        return {path, QuickModelWorker::tr("ImageNet %1 features").arg(name)};
    case learn::FeatureSource::Kind::None:
        break;
    }
    return {};
}

QuickModelWorker::QuickModelWorker(JobRunner* jobs) : jobs_(jobs) {
    qRegisterMetaType<QuickModelResult>();
    debounce_ = new QTimer(this);  // a child: moves to the worker thread with its parent
    debounce_->setSingleShot(true);
    connect(debounce_, &QTimer::timeout, this, &QuickModelWorker::refresh);
}

QuickModelWorker::~QuickModelWorker() = default;

void QuickModelWorker::configure(const QString& root, const QString& bundlePath, CancelToken cancel) {
    cancel_ = cancel;
    if (root != root_ || bundlePath != bundle_) {
        model_.reset();  // another project or backbone: the old embeddings and head do not apply
        backboneName_.clear();
        backbonePath_.clear();
    }
    root_ = root;
    bundle_ = bundlePath;
    debounce_->stop();
    if (!root_.isEmpty()) debounce_->start(0);
}

void QuickModelWorker::labelsChanged() {
    if (!root_.isEmpty()) debounce_->start(kDebounceMs);
}

void QuickModelWorker::checkLabels() {
    if (root_.isEmpty()) return;
    checkRequested_ = true;
    debounce_->start(0);
}

void QuickModelWorker::runLabelCheck(project::ProjectStore& store, QuickModelResult& result,
                                     const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    auto check = learn::checkLabels(*model_, kLabelCheckFolds, ctx);
    if (!check) {
        result.labelCheckMessage = tr("The labels could not be checked: %1").arg(QString::fromStdString(check.error()));
        return;
    }
    const auto now = QDateTime::currentMSecsSinceEpoch();
    if (auto st = store.replaceLabelIssues(check->records(now)); !st) {
        result.labelCheckMessage = tr("The label check could not be stored: %1").arg(QString::fromStdString(st.error()));
        return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.labelsChecked = true;
    result.labelCheckMessage =
        tr("Checked %n labelled photo(s) by %1-fold cross-validation in %2 s: ", nullptr, int(check->outOfFold.size()))
            .arg(kLabelCheckFolds)
            .arg(seconds, 0, 'f', 1) +
        tr("%n possibly mislabelled.", nullptr, int(check->flagged.size()));
    if (check->confirmedPassedOver > 0)
        result.labelCheckMessage +=
            tr(" %n more whose label you kept before were not asked again.", nullptr, int(check->confirmedPassedOver));
}

void QuickModelWorker::weightsChanged() {
    if (root_.isEmpty()) return;
    // Only a change of backbone drops the embeddings: weights for another network leave a working model alone.
    if (model_ && chooseBackbone(bundle_).path != backbonePath_) {
        model_.reset();
        backboneName_.clear();
        backbonePath_.clear();
    }
    debounce_->start(0);
}

bool QuickModelWorker::ensureModel(QString* why) {
    if (model_) return true;
    const Backbone backbone = chooseBackbone(bundle_);
    if (backbone.path.isEmpty()) {
        *why = tr("Quick suggestions need a trained model or downloaded pretrained weights (Train mode).");
        return false;
    }
    learn::QuickModelOptions options = learn::QuickModelOptions::defaults();
    options.embedding.threads = std::max(1, QThread::idealThreadCount() - 1);  // one core stays with the GUI
    auto qm = learn::QuickModel::open(root_.toStdString(), backbone.path.toStdString(), options);
    if (!qm) {
        *why = tr("The quick model cannot use %1: %2").arg(backbone.path, QString::fromStdString(qm.error()));
        return false;
    }
    model_ = std::make_unique<learn::QuickModel>(std::move(*qm));
    backboneName_ = backbone.label;
    backbonePath_ = backbone.path;
    return true;
}

void QuickModelWorker::refresh() {
    if (root_.isEmpty() || cancel_.isCancelled()) return;
    QuickModelResult result;
    result.root = root_;
    const bool checkLabels = std::exchange(checkRequested_, false);
    const auto done = [this, &result, checkLabels] {
        if (checkLabels && result.labelCheckMessage.isEmpty())
            result.labelCheckMessage = tr("The labels were not checked: %1").arg(result.message);
        result.backbone = backboneName_;
        result.finishedAt = QDateTime::currentDateTime();
        emit refreshed(result);
    };

    // The cheap check first: a head needs two classes, and opening the network is not free.
    auto store = project::ProjectStore::open(root_.toStdString(), false);
    if (!store) {
        result.message = QString::fromStdString(store.error());
        done();
        return;
    }
    // The classes a head would learn: LabelledSet's rule (disputed and unreadable photos do not teach it).
    auto set = learn::LabelledSet::read(*store);
    if (!set) {  // e.g. the database stayed busy: say so and keep the stored calls, they may still be right
        result.message = tr("Quick model: %1").arg(QString::fromStdString(set.error()));
        done();
        return;
    }
    const size_t classes = set->classes().size();
    if (classes < 2) {
        result.runId = clearStoredPredictions(*store);  // old calls from a head that no longer applies would mislead
        result.message = tr("Quick model idle: label photos in at least two classes (%n class(es) labelled so far).",
                            nullptr, int(classes));
        done();
        return;
    }
    QString why;
    if (!ensureModel(&why)) {
        result.message = why;
        done();
        return;
    }

    // A job of its own: listed in the status bar and cancelled there alone, or with the configuration.
    const Ticket ticket = jobs_->begin(checkLabels ? tr("Checking the labels") : tr("Quick model"), cancel_.child());
    emit refreshStarted(root_, ticket->id());
    const Status st = model_->refresh(ticket->context());
    if (cancel_.isCancelled()) return;  // closed or reconfigured: nobody waits for this result
    if (ticket->cancelled()) {
        result.message = tr("Quick model: refresh cancelled; the next label change starts another.");
        done();
        return;
    }
    if (!st) {
        result.message = tr("Quick model: %1").arg(QString::fromStdString(st.error()));
        done();
        return;
    }
    const auto& stats = model_->lastRefresh();
    result.labelled = stats.labelled;
    result.predicted = stats.unlabelled;
    result.embedded = stats.embedded;
    result.skipped = qint64(stats.skipped.size());
    result.seconds = stats.embedSeconds + stats.trainSeconds;
    QString error;
    result.runId = storePredictions(*store, &error);
    if (result.runId == 0) {
        result.message = tr("Quick model: the predictions could not be stored: %1").arg(error);
        done();
        return;
    }
    if (auto stored = store->predictions(result.runId)) {
        result.predictions = std::make_shared<const std::vector<project::PredictionRecord>>(std::move(*stored));
        if (auto items = reviewItemsOf(*store, *result.predictions))
            result.reviewItems = std::make_shared<const QVector<ReviewItem>>(std::move(*items));
    }
    learn::SuggestOptions so = learn::SuggestOptions::defaults();
    so.count = kSuggestions;
    for (const auto& s : model_->suggest(so)) result.suggestions.push_back({s.imageId, s.uncertainty, s.nearDuplicate});
    if (checkLabels) runLabelCheck(*store, result, ticket->context());
    if (cancel_.isCancelled()) return;
    result.ok = true;
    result.message = tr("Quick model: learned from %n labelled photo(s) in %1 s (%2); ", nullptr, int(result.labelled))
                         .arg(result.seconds, 0, 'f', result.seconds < 1 ? 2 : result.seconds < 10 ? 1 : 0)
                         .arg(backboneName_) +
                     tr("%n photo(s) predicted", nullptr, int(result.predicted));
    if (result.embedded > 0) result.message += tr(" (%n new photo(s) embedded)", nullptr, int(result.embedded));
    if (result.skipped > 0) result.message += tr("; %n unreadable photo(s) skipped", nullptr, int(result.skipped));
    if (!stats.cacheNotSaved.empty())
        result.message += tr(". Warning: %1; a later refresh may have to read these photos again")
                              .arg(QString::fromStdString(stats.cacheNotSaved));
    done();
}

qint64 QuickModelWorker::storePredictions(project::ProjectStore& store, QString* error) {
    // The run remembered in the project is rewritten; when it is gone (or was never made) a new one is added.
    qint64 remembered = 0;
    if (auto value = store.setting(kRunSetting); value && *value)
        remembered = QString::fromStdString(**value).toLongLong();
    if (remembered != 0) {
        bool exists = false;
        if (auto runs = store.runs())
            for (const auto& r : *runs) exists |= r.id == remembered && r.kind == "quick model";
        if (!exists) remembered = 0;
    }
    auto id = model_->writePredictions(3, remembered);
    if (!id) {
        *error = QString::fromStdString(id.error());
        return 0;
    }
    if (*id != remembered) {
        if (auto st = store.setSetting(kRunSetting, std::to_string(*id)); !st) {
            *error = QString::fromStdString(st.error());
            return 0;
        }
    }
    return *id;
}

qint64 QuickModelWorker::clearStoredPredictions(project::ProjectStore& store) {
    auto value = store.setting(kRunSetting);
    if (!value || !*value) return 0;
    const qint64 run = QString::fromStdString(**value).toLongLong();
    auto existing = store.predictions(run);
    if (!existing || existing->empty()) return 0;
    return store.replacePredictions(run, {}) ? run : 0;
}

}  // namespace tessera::ui
