#include "ui/review/reviewview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <filesystem>

#include "core/predict/predictionjob.h"
#include "core/predict/predictiontable.h"
#include "core/util/atomicfile.h"
#include "core/util/sha256.h"
#include "ui/review/labelcheckview.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewgrid.h"
#include "ui/review/reviewmodel.h"
#include "ui/dataset/setlabelscommand.h"

namespace tessera::ui {

ReviewView::ReviewView(ProjectDocument* document, ThumbnailProvider* thumbnails, QWidget* parent)
    : QWidget(parent), document_(document), thumbnails_(thumbnails) {
    model_ = new ReviewModel(document_, thumbnails_, this);
    createControls();
    layOut();
    startPredictWorker();
    connectControls();
    startQuickModelWorker();
    updateButtons();
}

void ReviewView::createControls() {
    modelLabel_ = new QLabel(this);
    modelLabel_->setObjectName(QStringLiteral("reviewHeader"));
    modelLabel_->setWordWrap(true);
    predictUnlabelled_ = new QPushButton(tr("Classify Unlabelled Photos"), this);
    predictFolder_ = new QPushButton(tr("Classify a Folder of New Finds…"), this);
    predictFolder_->setToolTip(tr("The folder must be inside the project folder; its photos are added to the project"));
    cancel_ = new QPushButton(tr("Cancel"), this);
    export_ = new QPushButton(tr("Export CSV…"), this);
    suggest_ = new QPushButton(tr("Label These Next"), this);
    suggest_->setToolTip(tr("Put first the photos where the model hesitates most between two classes: labelling "
                            "those teaches it most"));
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->hide();
    threshold_ = new QSlider(Qt::Horizontal, this);
    threshold_->setRange(0, 100);
    threshold_->setValue(50);
    threshold_->setMaximumWidth(160);
    threshold_->setToolTip(tr("Calls less certain than this are marked “unknown?”"));
    thresholdLabel_ = new QLabel(this);
    status_ = new QLabel(tr("Enter accepts the call · 1–9 picks another class · Space skips · Ctrl+Z undoes"), this);
    status_->setWordWrap(true);
    source_ = new QComboBox(this);
    source_->addItem(tr("Quick model (updates as you label)"));
    source_->addItem(tr("Trained model"));
    source_->addItem(tr("Possibly mislabelled (label check)"));
    source_->setToolTip(tr("Quick model: a small classifier on top of the network's features, retrained about a "
                           "second after you label, so its calls follow your labelling.\nTrained model: the model "
                           "trained in Train mode; classify photos with it explicitly.\nPossibly mislabelled: "
                           "labelled photos whose label a model that never saw them doubts; accept, keep or dispute."));
    showSuggested_ = new QPushButton(tr("Select in Dataset"), this);
    showSuggested_->setToolTip(tr("Select the suggested photos in the Dataset grid, to label them there"));
}

void ReviewView::layOut() {
    auto* top = new QHBoxLayout;
    top->addWidget(source_);
    top->addWidget(predictUnlabelled_);
    top->addWidget(predictFolder_);
    top->addWidget(cancel_);
    top->addWidget(progress_);
    top->addWidget(suggest_);
    top->addWidget(showSuggested_);
    top->addStretch();
    top->addWidget(thresholdLabel_);
    top->addWidget(threshold_);
    top->addWidget(export_);

    gradCamToggle_ = new QCheckBox(tr("Show what the model looked at (Grad-CAM)"), this);
    const ReviewSplit queue = makeReviewSplit(this, model_, gradCamToggle_);
    list_ = queue.list;
    image_ = queue.image;
    facts_ = queue.facts;
    QSplitter* split = queue.splitter;

    predictionsBody_ = new QWidget(this);
    auto* predictionsLayout = new QVBoxLayout(predictionsBody_);
    predictionsLayout->setContentsMargins(0, 0, 0, 0);
    predictionsLayout->addWidget(split, 1);
    predictionsLayout->addWidget(status_);
    labelCheck_ = new LabelCheckView(document_, thumbnails_, this);
    body_ = new QStackedWidget(this);
    body_->addWidget(predictionsBody_);
    body_->addWidget(labelCheck_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(modelLabel_);
    layout->addLayout(top);
    layout->addWidget(body_, 1);
}

// The trained model's predictions run on their own thread; results come back as batches of ReviewItems.
void ReviewView::startPredictWorker() {
    worker_ = new PredictWorker;
    document_->jobs().startWorkerThread(worker_, QStringLiteral("tessera-predict"));
    connect(worker_, &PredictWorker::modelOpened, this,
            [this](bool ok, const QString& message, const QStringList& names) {
                modelOk_ = ok;
                classNames_ = names;
                trainedHeader_ = ok ? tr("<b>Trained model:</b> %1 — %n class(es): %2 · computing on %3", nullptr,
                                         names.size())
                                          .arg(QFileInfo(activeModelPath()).dir().dirName(),
                                               names.join(QStringLiteral(", ")), message)
                                    : tr("<b>The active model cannot be used:</b> %1").arg(message.toHtmlEscaped());
                updateHeader();
                updateButtons();
                emit modelReady(ok);
            });
    connect(worker_, &PredictWorker::results, model_, &ReviewModel::addItems);
    // The progress of this view's jobs, the trained model's and the quick model's, throttled by the runner.
    connect(&document_->jobs(), &JobRunner::progressed, this, [this](int job, const Progress& p) {
        if (job == predictJob_ && predicting_) {
            progress_->setRange(0, int(std::max<int64_t>(1, p.total)));
            progress_->setValue(int(p.done));
            progress_->setFormat(tr("%1 of %2").arg(p.done).arg(p.total));
        } else if (job == quickJob_ && quickRefreshing_ && source() == Source::QuickModel) {
            // Only the first refresh of a big project embeds for long; its progress is worth seeing.
            status_->setText(
                tr("Quick model: reading new photos with the network, %1 of %2…").arg(p.done).arg(p.total));
        }
    });
    connect(worker_, &PredictWorker::finished, this, [this](bool ok, const QString& message) {
        predicting_ = false;
        // Stored predictions become the ones the Dataset filters show (also when some photos failed).
        if (predictRun_ > 0 && document_->isOpen()) document_->setPredictionRun(predictRun_);
        progress_->hide();
        status_->setText(message);
        updateButtons();
        if (currentRow() < 0 && model_->rowCount() > 0) setCurrentRow(0);
        emit predictionFinished(ok, message);
    });
    connect(worker_, &PredictWorker::gradCamReady, this,
            [this](qint64 imageId, const QImage& overlay, const QString& caption) {
                if (imageId != shownId_ || !gradCamToggle_->isChecked()) return;
                gradCam_ = overlay;
                if (overlay.isNull()) status_->setText(caption);
                else facts_->setText(facts_->text() + QStringLiteral("<br><i>%1</i>").arg(caption.toHtmlEscaped()));
                showImage();
                emit gradCamUpdated();
            });
}

void ReviewView::connectControls() {
    connect(predictUnlabelled_, &QPushButton::clicked, this, [this] { predictUnlabelled(); });
    connect(predictFolder_, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Folder of New Finds"), document_->rootPath());
        if (folder.isEmpty()) return;
        QString why;
        if (!predictFolder(folder, &why)) QMessageBox::information(this, tr("Cannot Classify This Folder"), why);
    });
    connect(cancel_, &QPushButton::clicked, this, &ReviewView::cancelPrediction);
    connect(suggest_, &QPushButton::clicked, this, [this] { suggestNext(); });
    connect(showSuggested_, &QPushButton::clicked, this, &ReviewView::selectSuggestedInDataset);
    connect(source_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ReviewView::onSourceChanged);
    connect(export_, &QPushButton::clicked, this, [this] {
        // Proposed beside the photos, unless their folder is one Tessera keeps its hands off (read-only).
        const QString folder = document_->store().inPhotoFolder() ? document_->rootPath() : QDir::homePath();
        const QString file = QFileDialog::getSaveFileName(this, tr("Export Predictions"),
                                                          folder + QStringLiteral("/predictions.csv"),
                                                          tr("CSV files (*.csv)"));
        QString error;
        if (!file.isEmpty() && !exportCsv(file, &error)) QMessageBox::warning(this, tr("Export Failed"), error);
    });
    connect(threshold_, &QSlider::valueChanged, this, [this](int v) {
        thresholdLabel_->setText(tr("Unknown below %1 %").arg(v));
        model_->setUnknownThreshold(v / 100.0);
    });
    thresholdLabel_->setText(tr("Unknown below %1 %").arg(threshold_->value()));
    connect(gradCamToggle_, &QCheckBox::toggled, this, &ReviewView::setShowGradCam);
    connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, &ReviewView::onCurrentChanged);
    connect(model_, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& a, const QModelIndex& b) {
        const int row = currentRow();
        if (row >= a.row() && row <= b.row()) onCurrentChanged();
    });
    connect(document_, &ProjectDocument::closed, this, [this] {
        cancelPrediction();
        model_->clear();
        modelOk_ = false;
        suggested_.clear();
        suggestOrder_ = false;
        configureQuickModel();  // no project: cancels a running refresh and stops the worker's timer
        updateButtons();
    });
}

void ReviewView::onSourceChanged() {
    suggestOrder_ = false;
    suggested_.clear();
    model_->clear();
    body_->setCurrentWidget(source() == Source::PossiblyMislabelled ? static_cast<QWidget*>(labelCheck_)
                                                                   : predictionsBody_);
    if (source() == Source::PossiblyMislabelled) {
        labelCheck_->reload();
        labelCheck_->listView()->setFocus();
    } else if (source() == Source::QuickModel) {
        gradCamToggle_->setChecked(false);
        loadQuickPredictions();
        if (const qint64 run = quickRunId(); run > 0) document_->setPredictionRun(run);
        status_->setText(quick_.message.isEmpty() ? tr("Quick model: waiting for its first refresh…")
                                                  : quick_.message);
    } else {
        // The trained model's stored calls (if it classified before, here or with `tessera-cli predict`) are
        // listed again and go back to the Dataset filters.
        const qint64 run = document_->isOpen() ? runIdForModel(activeModelPath()) : 0;
        loadStoredPredictions(run);
        if (model_->rowCount() > 0) {
            document_->setPredictionRun(run);
            const int n = model_->rowCount();
            status_->setText((n == 1 ? tr("1 stored call") : tr("%1 stored calls").arg(n)) +
                             tr(" of the trained model. Classify again to refresh them."));
        } else {
            status_->setText(tr("Classify the unlabelled photos (or a folder of new finds) with the trained "
                                "model to review its calls."));
        }
    }
    updateHeader();
    updateButtons();
}

// The quick model refreshes on its own thread, debounced, after every change that alters what the head learns.
void ReviewView::startQuickModelWorker() {
    quickWorker_ = new QuickModelWorker(&document_->jobs());
    document_->jobs().startWorkerThread(quickWorker_, QStringLiteral("tessera-quickmodel"));
    // Every change that alters what the head learns or predicts: labels, disputes, classes, the image rows after a scan.
    QuickModelWorker* quick = quickWorker_;
    const auto changed = [quick] { quick->labelsChanged(); };
    connect(document_, &ProjectDocument::labelsChanged, quickWorker_, changed);
    connect(document_, &ProjectDocument::disputesChanged, quickWorker_, changed);
    connect(document_, &ProjectDocument::classesChanged, quickWorker_, changed);
    connect(document_, &ProjectDocument::imagesChanged, quickWorker_, changed);
    connect(quickWorker_, &QuickModelWorker::refreshStarted, this, [this](const QString& root, int job) {
        if (!document_->isOpen() || root != document_->rootPath()) return;
        quickRefreshing_ = true;
        quickJob_ = job;
        if (source() == Source::QuickModel) status_->setText(tr("Quick model: learning from your labels…"));
        updateHeader();
        emit quickRefreshStarted();
    });
    connect(quickWorker_, &QuickModelWorker::refreshed, this, &ReviewView::onQuickRefreshed);
    connect(labelCheck_, &LabelCheckView::checkRequested, this, &ReviewView::checkLabels);
}

ReviewView::~ReviewView() = default;

QString ReviewView::activeModelPath() const { return document_->activeModelPath(); }

void ReviewView::reloadModel() {
    const QString path = activeModelPath();
    configureQuickModel();
    if (source() == Source::QuickModel && document_->isOpen()) {
        // The calls stored by the last session show at once; the refresh replaces them a moment later.
        loadQuickPredictions();
        if (const qint64 run = quickRunId(); run > 0) document_->setPredictionRun(run);
    }
    // A project whose newest stored calls are the trained model's (classified here before, or by `tessera-cli
    // predict PROJECT`) opens on them.
    const qint64 trainedRun = path.isEmpty() || !document_->isOpen() ? 0 : runIdForModel(path);
    const auto latest = trainedRun > 0 ? document_->store().latestPredictionRun() : Expected<int64_t>(int64_t(0));
    if (trainedRun > 0 && latest.ok() && *latest == trainedRun) {
        if (source() != Source::TrainedModel) {
            setSource(Source::TrainedModel);  // the source handler lists them and points the Dataset filters there
        } else {
            loadStoredPredictions(trainedRun);
            document_->setPredictionRun(trainedRun);
        }
    }
    modelOk_ = false;
    if (path.isEmpty()) {
        trainedHeader_ = tr("<b>No trained model yet.</b> Train one in Train mode; the first finished run becomes "
                            "the model used here (another can be chosen in the runs list).");
        updateHeader();
        updateButtons();
        return;
    }
    trainedHeader_ = tr("Opening the trained model…");
    updateHeader();
    PredictWorker* worker = worker_;
    if (worker) QMetaObject::invokeMethod(worker, [worker, path] { worker->openModel(path); }, Qt::QueuedConnection);
}

qint64 ReviewView::runIdForModel(const QString& modelPath) const {
    auto run = learn::runOfModel(document_->store(), modelPath.toStdString());
    return run.ok() ? *run : 0;
}

bool ReviewView::predictUnlabelled() {
    if (!modelOk_ || predicting_ || !document_->isOpen()) return false;
    setSource(Source::TrainedModel);  // asking the trained model to classify means reviewing its calls
    auto images = document_->store().images();
    auto labels = document_->store().classByImage();
    if (!images.ok() || !labels.ok()) return false;
    QVector<ReviewItem> items;
    for (const auto& im : *images) {
        if (labels->count(im.id) || (im.flags & (project::FlagUnreadable | project::FlagMissing))) continue;
        items << reviewItemOf(im, document_->store().root());
    }
    if (items.isEmpty()) {
        status_->setText(tr("Every photo of the project has a label; nothing to classify."));
        return false;
    }
    startPrediction(items);
    return true;
}

bool ReviewView::predictFolder(const QString& folder, QString* why) {
    const QString root = QDir(document_->rootPath()).canonicalPath();
    const QString dir = QDir(folder).canonicalPath();
    const QString rel = QDir(root).relativeFilePath(dir);
    if (!modelOk_ || predicting_) {
        if (why) *why = tr("Wait until the model is ready and no classification is running.");
        return false;
    }
    if (dir.isEmpty() || rel.startsWith(QLatin1String("..")) || QDir::isAbsolutePath(rel)) {
        if (why)
            *why = tr("“%1” is outside the project folder “%2”.\n\nTessera never copies or moves photos. Copy the "
                      "new finds into a sub-folder of the project folder (for example “%2/new finds”), then choose "
                      "that sub-folder here.")
                       .arg(QDir::toNativeSeparators(folder), QDir::toNativeSeparators(root));
        return false;
    }
    setSource(Source::TrainedModel);
    // The folder's photos enter the project through a scan; classify them when it ends.
    pendingFolder_ = rel == QLatin1String(".") ? QString() : rel;
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(document_, &ProjectDocument::scanFinished, this, [this, conn](bool ok, const QString& summary) {
        disconnect(*conn);
        if (!ok) {
            status_->setText(summary);
            return;
        }
        auto images = document_->store().images();
        if (!images.ok()) return;
        const std::string prefix = pendingFolder_.isEmpty() ? std::string() : pendingFolder_.toStdString() + "/";
        QVector<ReviewItem> items;
        for (const auto& im : *images) {
            if (im.relPath.compare(0, prefix.size(), prefix) != 0) continue;
            if (im.flags & (project::FlagUnreadable | project::FlagMissing)) continue;
            items << reviewItemOf(im, document_->store().root());
        }
        if (items.isEmpty()) status_->setText(tr("No readable photos in that folder."));
        else startPrediction(items);
    });
    status_->setText(tr("Adding the photos of “%1” to the project…").arg(pendingFolder_));
    if (!document_->isScanning()) document_->startScan();
    return true;
}

void ReviewView::startPrediction(QVector<ReviewItem> items) {
    if (!worker_) return;  // the window is closing
    PredictRequest request;
    request.root = document_->rootPath();
    request.items = std::move(items);
    predictRun_ = runIdForModel(activeModelPath());  // where the worker stores the calls (learn::ProjectPredictionSink)
    model_->clear();
    predicting_ = true;
    progress_->setRange(0, request.items.size());
    progress_->setValue(0);
    progress_->setTextVisible(true);
    progress_->show();
    status_->setText(tr("Classifying %n photo(s)…", nullptr, request.items.size()));
    updateButtons();
    PredictWorker* worker = worker_;
    const Ticket ticket = document_->jobs().begin(tr("Classifying photos"));
    predictJob_ = ticket->id();
    QMetaObject::invokeMethod(
        worker, [worker, request, ticket] { worker->predict(request, ticket); }, Qt::QueuedConnection);
}

void ReviewView::cancelPrediction() {
    if (predicting_) document_->jobs().cancel(predictJob_);
}

bool ReviewView::checkLabels() {
    if (!document_->isOpen() || !quickWorker_) return false;
    labelCheck_->setChecking(true);
    QuickModelWorker* worker = quickWorker_;
    QMetaObject::invokeMethod(worker, [worker] { worker->checkLabels(); }, Qt::QueuedConnection);
    return true;
}

void ReviewView::updateButtons() {
    const bool open = document_->isOpen();
    // The label check's queue has its own controls: the prediction ones would act on another list.
    const bool predictions = source() != Source::PossiblyMislabelled;
    for (QWidget* w : std::initializer_list<QWidget*>{predictUnlabelled_, predictFolder_, export_, suggest_,
                                                      showSuggested_, thresholdLabel_, threshold_})
        w->setVisible(predictions);
    predictUnlabelled_->setEnabled(open && modelOk_ && !predicting_);
    predictFolder_->setEnabled(open && modelOk_ && !predicting_);
    cancel_->setVisible(predicting_);
    export_->setEnabled(model_->rowCount() > 0 && !predicting_);
    const bool quickSuggestions = quick_.ok && !quick_.suggestions.isEmpty();
    suggest_->setEnabled(open && (quickSuggestions || (model_->rowCount() > 1 && !predicting_)));
    showSuggested_->setEnabled(open && !suggested_.isEmpty());
    // Grad-CAM explains the trained network's own call; the quick model's head has no such map.
    gradCamToggle_->setEnabled(modelOk_ && source() == Source::TrainedModel);
}

int ReviewView::currentRow() const { return list_->currentIndex().isValid() ? list_->currentIndex().row() : -1; }

void ReviewView::setCurrentRow(int row) {
    if (row < 0 || row >= model_->rowCount()) return;
    const QModelIndex index = model_->index(row);
    list_->setCurrentIndex(index);
    list_->scrollTo(index);
}

void ReviewView::moveToNext() {
    // The next row that still needs a decision; wraps to the start once.
    const int n = model_->rowCount();
    const int from = currentRow();
    for (int k = 1; k <= n; ++k) {
        const int r = (from + k) % n;
        if (!model_->index(r).data(ReviewModel::LabelledRole).toBool()) {
            setCurrentRow(r);
            return;
        }
    }
    setCurrentRow(std::min(from + 1, n - 1));
}

bool ReviewView::acceptCurrent() {
    const int row = currentRow();
    if (row < 0) return false;
    const ReviewItem& it = model_->item(row);
    if (it.topClasses.isEmpty()) return false;
    qint64 classId = 0;
    for (const auto& c : document_->classes())
        if (QString::fromStdString(c.name) == it.topClasses.front()) classId = c.id;
    if (classId == 0) {
        status_->setText(tr("The project has no class “%1” any more; pick one with its key.").arg(it.topClasses.front()));
        return false;
    }
    document_->undoStack()->push(
        new SetLabelsCommand(document_, {it.imageId}, classId, project::LabelSource::AcceptedPrediction));
    moveToNext();
    return true;
}

bool ReviewView::correctCurrent(int key) {
    const int row = currentRow();
    const auto cls = document_->classByKey(key);
    if (row < 0 || !cls) return false;
    document_->undoStack()->push(new SetLabelsCommand(document_, {model_->item(row).imageId}, cls->id));
    moveToNext();
    return true;
}

void ReviewView::skipCurrent() { setCurrentRow(std::min(currentRow() + 1, model_->rowCount() - 1)); }

bool ReviewView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == list_ && event->type() == QEvent::KeyPress) {
        const ReviewKey key = reviewKeyOf(*static_cast<QKeyEvent*>(event));
        switch (key.action) {
        case ReviewKey::Action::Accept: acceptCurrent(); return true;
        case ReviewKey::Action::Skip: skipCurrent(); return true;
        case ReviewKey::Action::ClassKey: correctCurrent(key.classKey); return true;
        case ReviewKey::Action::Keep:     // the label check's keys: here they are the list's own (type-ahead)
        case ReviewKey::Action::Dispute:
        case ReviewKey::Action::None: break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ReviewView::onCurrentChanged() {
    const int row = currentRow();
    if (row < 0) return;
    const ReviewItem& it = model_->item(row);
    QStringList lines;
    lines << QStringLiteral("<b>%1</b>").arg(it.relPath.toHtmlEscaped());
    if (!it.error.isEmpty()) lines << it.error.toHtmlEscaped();
    for (int i = 0; i < it.topClasses.size(); ++i)
        lines << QStringLiteral("%1. %2 — %3 %").arg(i + 1).arg(it.topClasses[i].toHtmlEscaped())
                     .arg(100.0 * it.topProbs[i], 0, 'f', 1);
    QStringList keys;
    for (const auto& c : document_->classes())
        if (c.key > 0) keys << QStringLiteral("%1 %2").arg(c.key).arg(QString::fromStdString(c.name).toHtmlEscaped());
    lines << tr("<small>Enter: accept · %1 · Space: skip</small>").arg(keys.join(QStringLiteral(" · ")));
    facts_->setText(lines.join(QStringLiteral("<br>")));
    if (it.imageId == shownId_) return;
    shownId_ = it.imageId;
    gradCam_ = QImage();
    photoImage_ = QImage();
    showImage();
    const QString path = it.absPath;
    readReviewPhotoLater(document_->jobs(), this, &photoRequest_, path, [this](const QImage& photo) {
        photoImage_ = photo;
        showImage();
    });
    if (gradCamToggle_->isChecked() && modelOk_ && source() == Source::TrainedModel) {
        PredictWorker* worker = worker_;
        const qint64 id = it.imageId;
        if (worker)
            QMetaObject::invokeMethod(worker, [worker, id, path] { worker->gradCam(id, path); }, Qt::QueuedConnection);
    }
}

void ReviewView::setShowGradCam(bool on) {
    if (gradCamToggle_->isChecked() != on) {
        gradCamToggle_->setChecked(on);  // re-enters through toggled
        return;
    }
    gradCam_ = QImage();
    if (on && shownId_ && modelOk_) {
        const int row = model_->rowOf(shownId_);
        if (row >= 0) {
            PredictWorker* worker = worker_;
            const qint64 id = shownId_;
            const QString path = model_->item(row).absPath;
            if (worker)
                QMetaObject::invokeMethod(
                    worker, [worker, id, path] { worker->gradCam(id, path); }, Qt::QueuedConnection);
        }
    }
    showImage();
}

void ReviewView::showImage() {
    const QImage& img = (gradCamToggle_->isChecked() && !gradCam_.isNull()) ? gradCam_ : photoImage_;
    showReviewPhoto(image_, img, shownId_ ? tr("Loading…") : tr("Classify photos, then pick one to see it here."));
}

bool ReviewView::exportCsv(const QString& file, QString* error) const {
    // The table tessera-cli predict writes (learn::PredictionTable: same columns, decimals and quoting), so that
    // merge, a resumed predict and per-find aggregation read an export from either program.
    constexpr int kTopK = 3;
    std::string modelId;
    if (const QString model = activeModelPath(); !model.isEmpty())
        if (auto hash = util::sha256File(model.toStdString())) modelId = hash->substr(0, 16);
    std::string text = learn::PredictionTable::header(learn::PredictionFormat::Csv, kTopK);
    for (int r = 0; r < model_->rowCount(); ++r) {
        const ReviewItem& it = model_->item(r);
        learn::Prediction p;
        p.file = std::filesystem::path(it.absPath.toStdString());
        p.contentHash = it.contentHash.toStdString();
        for (int i = 0; i < std::min<int>(it.topClasses.size(), it.topProbs.size()); ++i)
            p.top.push_back({-1, it.topClasses[i].toStdString(), it.topProbs[i]});
        p.unknown = model_->index(r).data(ReviewModel::UnknownRole).toBool();
        p.error = it.error.toStdString();
        text += learn::PredictionTable::row(learn::PredictionFormat::Csv, p, kTopK, modelId);
    }
    if (auto st = util::writeFileAtomically(std::filesystem::path(file.toStdString()), text); !st) {
        if (error) *error = QString::fromStdString(st.error());
        return false;
    }
    return true;
}

}  // namespace tessera::ui
