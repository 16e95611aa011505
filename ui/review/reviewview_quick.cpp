// ReviewView, the quick-model half: the source choice, the QuickModelWorker's results turned into review rows, and
// "label these next" (diversified suggestions of the quick model; the trained model's ranking as a fallback).
#include <QComboBox>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QSet>

#include <algorithm>

#include "core/fewshot/activelearning.h"
#include "ui/review/labelcheckview.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewmodel.h"
#include "ui/review/reviewview.h"

namespace tessera::ui {

ReviewView::Source ReviewView::source() const {
    switch (source_->currentIndex()) {
    case 1: return Source::TrainedModel;
    case 2: return Source::PossiblyMislabelled;
    default: return Source::QuickModel;
    }
}

void ReviewView::setSource(Source source) {
    source_->setCurrentIndex(source == Source::TrainedModel ? 1 : source == Source::PossiblyMislabelled ? 2 : 0);
}

QString ReviewView::statusText() const { return status_->text(); }

QString ReviewView::headerText() const { return modelLabel_->text(); }

void ReviewView::updateHeader() {
    // The label check runs on the quick model's features: its header says which.
    modelLabel_->setText(source() == Source::TrainedModel ? trainedHeader_ : quickHeader());
}

QString ReviewView::quickHeader() const {
    const QString title = tr("<b>Quick model:</b> ");
    if (!document_->isOpen()) return title + tr("no project open.");
    if (quickRefreshing_) {
        const QString on = quick_.backbone.isEmpty() ? QString() : tr(" on %1").arg(quick_.backbone.toHtmlEscaped());
        return title + tr("learning from your labels%1…").arg(on);
    }
    if (!quick_.finishedAt.isValid()) return title + tr("waiting for its first refresh…");
    const QString when = QLocale().toString(quick_.finishedAt.time(), QStringLiteral("HH:mm:ss"));
    if (!quick_.ok) return title + tr("not running (%1): %2").arg(when, quick_.message.toHtmlEscaped());
    return title +
           tr("a linear head on %1 · last refresh %2 from %n labelled photo(s) in %3 s", nullptr, int(quick_.labelled))
               .arg(quick_.backbone.toHtmlEscaped(), when)
               .arg(quick_.seconds, 0, 'f', quick_.seconds < 1 ? 2 : 1) +
           tr(" · %n photo(s) predicted", nullptr, int(quick_.predicted));
}

void ReviewView::weightsChanged() {
    QuickModelWorker* worker = quickWorker_;
    if (!worker || !document_->isOpen()) return;
    QMetaObject::invokeMethod(worker, [worker] { worker->weightsChanged(); }, Qt::QueuedConnection);
}

void ReviewView::configureQuickModel() {
    if (!quickWorker_) return;
    const QString root = document_->isOpen() ? document_->rootPath() : QString();
    const QString bundle = activeModelPath();
    QuickModelWorker* worker = quickWorker_;
    if (root == quickRoot_ && bundle == quickBundle_) {
        // Same project and backbone: keep the loaded network, just refresh (weights may have been downloaded since).
        if (!root.isEmpty())
            QMetaObject::invokeMethod(worker, [worker] { worker->labelsChanged(); }, Qt::QueuedConnection);
        return;
    }
    quickCancel_.cancel();  // a refresh for the old configuration stops at its next check
    quickCancel_ = CancelToken();
    quickRoot_ = root;
    quickBundle_ = bundle;
    quick_ = QuickModelResult{};
    quickRefreshing_ = false;
    updateHeader();
    const CancelToken token = quickCancel_;
    QMetaObject::invokeMethod(worker, [worker, root, bundle, token] { worker->configure(root, bundle, token); },
                              Qt::QueuedConnection);
}

void ReviewView::onQuickRefreshed(const QuickModelResult& result) {
    if (!document_->isOpen() || result.root != document_->rootPath()) return;  // from a project closed since
    quickRefreshing_ = false;
    quick_ = result;
    if (result.labelsChecked) document_->notifyLabelIssuesChanged();
    if (!result.labelCheckMessage.isEmpty()) labelCheck_->showCheckResult(result.labelCheckMessage);
    if (source() == Source::QuickModel) {
        // Also after a rewrite of the same run: the Dataset filters and this list take its rows.
        if (result.runId > 0) {
            document_->setPredictionRun(result.runId, result.predictions);
            if (result.reviewItems) showItems(*result.reviewItems);  // built on the worker's thread
            else loadQuickPredictions();
        }
        status_->setText(result.message);
    }
    updateHeader();
    updateButtons();
    emit quickModelUpdated(result);
}

qint64 ReviewView::quickRunId() const {
    if (quick_.runId > 0) return quick_.runId;
    if (!document_->isOpen()) return 0;
    auto value = document_->store().setting(QuickModelWorker::kRunSetting);
    return value.ok() && *value ? QString::fromStdString(**value).toLongLong() : 0;
}

void ReviewView::loadQuickPredictions() { loadStoredPredictions(quickRunId()); }

void ReviewView::loadStoredPredictions(qint64 run) {
    QVector<ReviewItem> items;
    if (run > 0 && document_->isOpen()) {
        // The rows the quick model handed over with this run, else the store's.
        ProjectDocument::PredictionRows stored = run == document_->predictionRun() ? document_->predictionRows()
                                                                                   : ProjectDocument::PredictionRows{};
        if (!stored)
            if (auto read = document_->store().predictions(run))
                stored = std::make_shared<const std::vector<project::PredictionRecord>>(std::move(*read));
        if (stored)
            if (auto built = reviewItemsOf(document_->store(), *stored)) items = std::move(*built);
    }
    showItems(items);
}

void ReviewView::showItems(const QVector<ReviewItem>& items) {
    // Keep the photo the user is on when it is still there, else the same place in the list.
    const int keepRow = currentRow();
    const qint64 keepId = keepRow >= 0 ? model_->item(keepRow).imageId : 0;
    model_->setItems(items);
    if (suggestOrder_ && source() == Source::QuickModel) applySuggestionOrder(currentQuickSuggestions());
    int row = keepId ? model_->rowOf(keepId) : -1;
    if (row < 0 && keepRow >= 0) row = std::min(keepRow, model_->rowCount() - 1);
    if (row < 0 && model_->rowCount() > 0 && isVisible()) row = 0;
    if (row >= 0) setCurrentRow(row);
    updateButtons();
}

QVector<QuickSuggestionItem> ReviewView::currentQuickSuggestions() const {
    // The last refresh's picks minus the photos labelled since (the next refresh is on its way).
    QVector<QuickSuggestionItem> out;
    if (!quick_.ok || !document_->isOpen() || quick_.root != document_->rootPath()) return out;
    auto labels = document_->store().classByImage();
    if (!labels.ok()) return out;
    for (const auto& s : quick_.suggestions)
        if (!labels->count(s.imageId)) out << s;
    return out;
}

void ReviewView::applySuggestionOrder(const QVector<QuickSuggestionItem>& suggestions) {
    QVector<qint64> ids;
    QSet<qint64> similar;
    for (const auto& s : suggestions) {
        ids << s.imageId;
        if (s.nearDuplicate) similar.insert(s.imageId);
    }
    model_->moveToTop(ids, similar);
    suggested_ = ids;
}

bool ReviewView::selectSuggestedInDataset() {
    if (suggested_.isEmpty()) return false;
    emit selectImagesRequested(suggested_);
    return true;
}

int ReviewView::suggestNext(int count) {
    // The quick model's suggestions are diversified (near-duplicates go last); the trained model's ranking below is
    // only used when the quick model cannot run.
    const QVector<QuickSuggestionItem> quick = currentQuickSuggestions().mid(0, std::max(0, count));
    if (!quick.isEmpty()) {
        suggestOrder_ = source() == Source::QuickModel;
        applySuggestionOrder(quick);
        setCurrentRow(0);
        int similar = 0;
        for (const auto& s : quick) similar += s.nearDuplicate;
        QString text = tr("The %n photo(s) the quick model is least sure about come first, picked so that they are "
                          "not near-duplicates of each other: labelling them teaches it most.", nullptr, quick.size());
        if (similar) text += tr(" %n of them only fill the list and look like an earlier one.", nullptr, similar);
        status_->setText(text);
        updateButtons();
        return quick.size();
    }
    // Only rows still unlabelled and classified with the full probability vector take part.
    QVector<qint64> ids;
    std::vector<float> probs;
    size_t classes = 0;
    for (int r = 0; r < model_->rowCount(); ++r) {
        const ReviewItem& it = model_->item(r);
        if (it.probabilities.isEmpty() || model_->index(r).data(ReviewModel::LabelledRole).toBool()) continue;
        if (classes == 0) classes = size_t(it.probabilities.size());
        if (size_t(it.probabilities.size()) != classes) continue;
        ids << it.imageId;
        probs.insert(probs.end(), it.probabilities.begin(), it.probabilities.end());
    }
    if (ids.isEmpty() || classes < 2) return 0;
    learn::SuggestOptions options = learn::SuggestOptions::defaults();
    options.count = count;
    const auto picks = learn::ActiveLearning::suggest(probs, classes, {}, 0, options);
    QVector<qint64> order;
    for (const auto& s : picks) order << ids[int(s.row)];
    model_->moveToTop(order);
    suggested_ = order;
    updateButtons();
    setCurrentRow(0);
    status_->setText(tr("The %n photo(s) the model hesitates most on are first: labelling them helps it most.",
                        nullptr, order.size()));
    return order.size();
}

}  // namespace tessera::ui
