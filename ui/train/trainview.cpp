#include "ui/train/trainview.h"

#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>
#include <QThread>

#include <filesystem>

#include "core/evaluate/calibration.h"
#include "core/train/labelledset.h"
#include "core/predict/predictor.h"
#include "core/train/split.h"
#include "ui/shared/projectdocument.h"
#include "ui/train/trainform.h"
#include "ui/train/trainingcharts.h"
#include "ui/train/trainworker.h"

namespace tessera::ui {

namespace {

QString duration(double seconds) {
    const int s = int(seconds + 0.5);
    if (s >= 3600) return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    if (s >= 60) return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QObject::tr("%1 s").arg(s);
}

constexpr int kMaxMisclassified = 60;

}  // namespace

TrainView::TrainView(ProjectDocument* document, QWidget* parent) : QWidget(parent), document_(document) {
    form_ = new TrainForm(&document_->jobs(), this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(form_);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(form_->sizeHint().width() + 24);
    scroll->setFrameShape(QFrame::NoFrame);

    start_ = new QPushButton(QIcon(QStringLiteral(":/icons/train-start.svg")), tr("Start Training"), this);
    start_->setDefault(true);
    crossValidate_ = new QPushButton(tr("Cross-Validate…"), this);
    crossValidate_->setToolTip(tr("How accurate are these settings, honestly? Trains several models, each without a "
                                  "part of the finds, scores every labelled photo with a model that never saw it, and "
                                  "reports the accuracy with a 95 % interval (no model is kept)"));
    pause_ = new QPushButton(tr("Pause"), this);
    pause_->setCheckable(true);
    stop_ = new QPushButton(tr("Stop"), this);
    stop_->setToolTip(tr("Stop after the current step; the last finished epoch is kept for a resume"));
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    eta_ = new QLabel(this);
    status_ = new QLabel(this);
    status_->setWordWrap(true);

    auto* controls = new QHBoxLayout;
    controls->addWidget(start_);
    controls->addWidget(crossValidate_);
    controls->addWidget(pause_);
    controls->addWidget(stop_);
    controls->addWidget(progress_, 1);
    controls->addWidget(eta_);

    charts_ = new TrainingCharts(this);
    results_ = new TrainResults(document_, this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(charts_);
    split->addWidget(results_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* right = new QVBoxLayout;
    right->addLayout(controls);
    right->addWidget(status_);
    right->addWidget(split, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(scroll);
    layout->addLayout(right, 1);

    connect(start_, &QPushButton::clicked, this, [this] { startTraining(); });
    connect(crossValidate_, &QPushButton::clicked, this, &TrainView::askFoldsAndCrossValidate);
    connect(pause_, &QPushButton::toggled, this, &TrainView::setPaused);
    connect(stop_, &QPushButton::clicked, this, &TrainView::stopTraining);
    connect(results_, &TrainResults::imageActivated, this, &TrainView::selectImageRequested);
    connect(results_, &TrainResults::activeModelChanged, this, &TrainView::activeModelChanged);
    // A past run selected in the list shows its curves (a run in progress keeps the live ones).
    connect(results_, &TrainResults::runHistoryLoaded, this, [this](const std::vector<learn::EpochInfo>& history) {
        if (!training_ && !listingFinishedRun_) charts_->setHistory(history);
    });
    // The hint says what is true of the project: whether it can be trained on yet, and with how many photos.
    // Closing the project cancelled and ended its run (ProjectDocument::close): its outcome is not shown.
    connect(document_, &ProjectDocument::closed, this, [this] {
        training_ = false;
        folds_ = 0;
        pause_->setChecked(false);
        updateButtons();
    });
    connect(document_, &ProjectDocument::opened, this, [this] {
        statusIsReadiness_ = true;
        showReadiness();
    });
    connect(document_, &ProjectDocument::labelsChanged, this, &TrainView::showReadiness);
    connect(document_, &ProjectDocument::disputesChanged, this, &TrainView::showReadiness);
    connect(document_, &ProjectDocument::classesChanged, this, &TrainView::showReadiness);
    connect(form_, &TrainForm::includeDisputedChanged, this, &TrainView::showReadiness);
    showReadiness();
    updateButtons();
}

void TrainView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    showReadiness();
}

void TrainView::showReadiness() {
    // Labelling in Dataset mode changes labels at every key press: read them only while this view is seen. A run's
    // outcome stays on show until another project is opened.
    if (training_ || !statusIsReadiness_ || !isVisible()) return;
    if (!document_->isOpen()) {
        status_->setText(tr("Open a project folder to train a classifier on its labelled photos."));
        return;
    }
    // What the trainer will read: usable labelled photos, disputed labels left out unless the form includes them.
    learn::LabelledSetOptions read;
    read.includeDisputed = form_->includeDisputed();
    auto set = learn::LabelledSet::read(document_->store(), read);
    if (!set.ok()) {
        status_->setText(QString::fromStdString(set.error()));
        return;
    }
    const auto labelled = set->labelled();
    const auto classes = set->classes().size();
    const QString photos = labelled.size() == 1 ? tr("1 labelled photo") : tr("%1 labelled photos").arg(labelled.size());
    size_t disputed = set->disputed().size();
    if (read.includeDisputed) {
        auto marked = document_->store().disputedImages();
        disputed = marked.ok() ? marked->size() : 0;
    }
    QString disputedNote;
    if (disputed > 0 && read.includeDisputed)
        disputedNote = QLatin1Char('\n') + tr("%n photo(s) with disputed labels are included, as the form says.",
                                               nullptr, int(disputed));
    else if (disputed > 0)
        disputedNote = QLatin1Char('\n') + (disputed == 1 ? tr("1 photo with a disputed label is left out.")
                                                          : tr("%1 photos with disputed labels are left out.")
                                                                .arg(disputed));
    if (classes < 2) {
        status_->setText(tr("Label photos of at least two classes in Dataset mode, then start a training (%1 so far).")
                             .arg(photos) +
                         disputedNote);
        return;
    }
    QString text = tr("%1 in %2 classes: ready to train. Choose the settings and press Start Training.")
                       .arg(photos)
                       .arg(classes);
    // Before the run, not only in its log: near-identical photos would otherwise sit on both sides of the split.
    std::vector<learn::SplitItem> items;
    for (const auto* photo : labelled) items.push_back(learn::Split::itemOf(photo->image, photo->classIndex));
    const auto split = learn::Split::stratified(items, learn::SplitOptions::defaults());
    const auto note = learn::Split::nearDuplicateNote(split);
    if (!note.empty()) text += QLatin1Char('\n') + QString::fromStdString(note) + QLatin1Char('.');
    status_->setText(text + disputedNote);
}

TrainView::~TrainView() = default;

// The job, not the view's state: a run cancelled by closing the window has ended before its outcome reaches the view.
bool TrainView::isTraining() const { return training_ && document_->jobs().isRunning(trainJob_); }

bool TrainView::startTraining() { return startTraining(form_->options()); }

bool TrainView::prepareRun(learn::TrainOptions& options) {
    if (training_ || !document_->isOpen()) return false;
    // "All cores" would starve the GUI thread on small machines: the window keeps one core for itself.
    if (options.threads == 0) options.threads = std::max(1, QThread::idealThreadCount() - 1);
    if (const Status st = learn::Trainer::validate(options); !st.ok()) {
        statusIsReadiness_ = false;
        status_->setText(QString::fromStdString(st.error()));
        return false;
    }
    if (!worker_) {
        worker_ = new TrainWorker;
        document_->jobs().startWorkerThread(worker_, QStringLiteral("tessera-train"));
        connect(worker_, &TrainWorker::steps, this, &TrainView::onSteps);
        connect(worker_, &TrainWorker::epoch, this, &TrainView::onEpoch);
        connect(worker_, &TrainWorker::message, this, &TrainView::onWorkerMessage);
        connect(worker_, &TrainWorker::finished, this, &TrainView::onFinished);
        connect(worker_, &TrainWorker::crossValidated, this, &TrainView::onCrossValidated);
        connect(worker_, &TrainWorker::pauseHeld, this, [this](bool held) {
            if (held && training_) status_->setText(tr("Paused. Resume continues from the same step."));
            emit trainingPauseHeld(held);
        });
    }
    document_->jobs().cancel(misclassifiedJob_);
    results_->showMisclassified({});
    charts_->clear();
    training_ = true;
    statusIsReadiness_ = false;
    epochs_ = options.epochs;
    progress_->setValue(0);
    eta_->clear();
    pause_->setChecked(false);
    status_->setText(tr("Preparing the photos…"));
    clock_.start();
    return true;
}

bool TrainView::startTraining(const learn::TrainOptions& requested) {
    learn::TrainOptions options = requested;
    if (!prepareRun(options)) return false;
    folds_ = 0;
    updateButtons();
    TrainWorker* worker = worker_;
    const QString root = document_->rootPath();
    Ticket ticket = document_->jobs().begin(tr("Training"));
    trainJob_ = ticket->id();
    QMetaObject::invokeMethod(
        worker, [worker, root, options, ticket] { worker->train(root, options, ticket); }, Qt::QueuedConnection);
    emit trainingStarted();
    return true;
}

bool TrainView::startCrossValidation(int folds) { return startCrossValidation(form_->options(), folds); }

bool TrainView::startCrossValidation(const learn::TrainOptions& recipe, int folds) {
    if (folds < 2) return false;
    learn::TrainOptions options = recipe;
    if (!prepareRun(options)) return false;
    folds_ = folds;
    membersStarted_ = 0;
    crossValidationRecipe_ = options;
    if (crossValidationDialog_) crossValidationDialog_->close();
    updateButtons();
    TrainWorker* worker = worker_;
    const QString root = document_->rootPath();
    Ticket ticket = document_->jobs().begin(tr("Cross-validation"));
    trainJob_ = ticket->id();
    QMetaObject::invokeMethod(
        worker, [worker, root, options, folds, ticket] { worker->crossValidate(root, options, folds, ticket); },
        Qt::QueuedConnection);
    return true;
}

void TrainView::askFoldsAndCrossValidate() {
    bool ok = false;
    const int folds = QInputDialog::getInt(
        this, tr("Cross-Validate"),
        tr("Train this many models, each without one part of the finds (5 is usual; each takes about as long as "
           "one training with these settings):"),
        5, 2, 20, 1, &ok);
    if (ok) startCrossValidation(folds);
}

void TrainView::onWorkerMessage(const QString& text) {
    // A cross-validation's next member starts afresh at epoch 1: its own curves, and progress over all members.
    if (folds_ > 0 && text.startsWith(QLatin1String(learn::kCrossValidationMemberMessage))) {
        ++membersStarted_;
        charts_->clear();
    }
    status_->setText(text);
}

void TrainView::setPaused(bool paused) {
    if (!worker_ || !training_) return;
    worker_->setPaused(paused);
    pause_->setText(paused ? tr("Resume") : tr("Pause"));
    if (paused) status_->setText(tr("Pausing after the step that is running…"));
}

void TrainView::stopTraining() {
    if (!worker_ || !training_) return;
    document_->jobs().cancel(trainJob_);
    status_->setText(tr("Stopping…"));
    stop_->setEnabled(false);
}

void TrainView::onSteps(const StepBatch& batch) {
    if (!training_) return;
    charts_->addSteps(batch);
    const int runs = folds_ > 0 ? folds_ : 1;
    const int runsBefore = folds_ > 0 ? std::max(0, membersStarted_ - 1) : 0;
    const double perRun = double(std::max(1, epochs_)) * std::max(1, batch.stepsPerEpoch);
    const double total = perRun * runs;
    const double done = perRun * runsBefore + double(batch.epoch) * std::max(1, batch.stepsPerEpoch) + batch.step + 1;
    const double fraction = std::min(1.0, done / total);
    progress_->setValue(int(1000 * fraction));
    const double elapsed = clock_.elapsed() / 1000.0;
    if (fraction > 0.0)
        eta_->setText((folds_ > 0 ? tr("model %1 of %2, ").arg(std::max(1, membersStarted_)).arg(folds_) : QString()) +
                      tr("epoch %1 of %2 · %3 left").arg(batch.epoch + 1).arg(epochs_)
                          .arg(duration(elapsed * (1.0 - fraction) / fraction)));
    if (worker_ && !worker_->isPaused())
        status_->setText(tr("Training: loss %1, %2 images/s")
                             .arg(batch.loss.last(), 0, 'f', 3)
                             .arg(batch.imagesPerSecond.last(), 0, 'f', 1));
}

void TrainView::onEpoch(const learn::EpochInfo& e) {
    charts_->addEpoch(e);
    status_->setText(tr("Epoch %1 of %2: validation accuracy %3 %, loss %4%5")
                         .arg(e.epoch + 1).arg(e.epochs)
                         .arg(100.0 * e.valAcc, 0, 'f', 1)
                         .arg(e.valLoss, 0, 'f', 3)
                         .arg(e.best ? tr(" (best so far)") : QString()));
}

void TrainView::onFinished(bool ok, const QString& error, const learn::TrainResult& result) {
    if (!training_) return;  // shut down meanwhile (project closed): nothing to show
    training_ = false;
    statusIsReadiness_ = false;
    pause_->setChecked(false);
    updateButtons();
    listingFinishedRun_ = true;  // the run just finished keeps its live curves (steps included) on show
    results_->reloadRuns();
    QString message;
    if (ok) {
        lastResult_ = result;
        progress_->setValue(1000);
        eta_->setText(tr("done in %1").arg(duration(result.seconds)));
        const auto& last = result.history.empty() ? learn::EpochInfo{} : result.history.back();
        message = tr("Finished: %1 training and %2 validation photos, validation accuracy %3 %.")
                      .arg(result.trainImages).arg(result.valImages).arg(100.0 * last.valAcc, 0, 'f', 1);
        if (!result.skipped.empty()) message += tr(" %n photo(s) could not be read and were left out.", nullptr,
                                                   int(result.skipped.size()));
        // How far "70 % sure" can be taken at its word in Review and Predict (the bundle's temperature).
        message += QLatin1Char(' ') + QString::fromStdString(learn::describeCalibration(result.calibration)) +
                   QLatin1Char('.');
        // The core made this run the active model when the project had none (ProjectStore::adoptAsActiveModelIfNone);
        // tell Review and Dataset. Later models are chosen in the runs list.
        if (result.becameActiveModel && document_->isOpen())
            results_->setActiveModel(QString::fromStdString(
                result.bundlePath.lexically_relative(document_->store().dataDir()).generic_string()));
        if (!result.history.empty())
            results_->showMetrics(result.classNames, last.precision, last.recall, last.confusion);
        findMisclassified(result);
    } else {
        eta_->clear();
        message = error.contains(QLatin1String("cancel")) ? tr("Stopped. The last finished epoch is kept.")
                                                          : tr("Training failed: %1").arg(error);
    }
    listingFinishedRun_ = false;
    status_->setText(message);
    emit trainingFinished(ok, ok ? message : error);
}

void TrainView::onCrossValidated(bool ok, const QString& error, const learn::CrossValidationReport& report) {
    if (!training_) return;
    training_ = false;
    folds_ = 0;
    updateButtons();
    QString message;
    if (ok) {
        progress_->setValue(1000);
        eta_->setText(tr("done in %1").arg(duration(report.seconds)));
        message = tr("Cross-validated: ") + CrossValidationDialog::headline(report);
        crossValidationDialog_ = new CrossValidationDialog(document_, crossValidationRecipe_, report, this);
        crossValidationDialog_->setAttribute(Qt::WA_DeleteOnClose);
        crossValidationDialog_->show();
    } else {
        eta_->clear();
        message = error.contains(QLatin1String("cancel")) ? tr("Cross-validation stopped; nothing was kept.")
                                                          : tr("Cross-validation failed: %1").arg(error);
    }
    status_->setText(message);
    emit crossValidationFinished(ok, ok ? message : error);
}

void TrainView::findMisclassified(const learn::TrainResult& result) {
    if (!document_->isOpen() || result.bundlePath.empty()) return;
    // Gather on the GUI thread (its store); the network runs on a pool thread with no store access.
    auto& store = document_->store();
    auto splits = store.splits(0);
    auto labels = store.classByImage();
    auto images = store.images();
    if (!splits.ok() || !labels.ok() || !images.ok()) return;
    QHash<qint64, QString> className;
    for (const auto& c : document_->classes()) className.insert(c.id, QString::fromStdString(c.name));
    struct Item {
        qint64 id;
        QString path, trueClass;
    };
    QVector<Item> items;
    for (const auto& im : *images) {
        auto s = splits->find(im.id);
        auto l = labels->find(im.id);
        if (s == splits->end() || s->second != project::SplitKind::Validation || l == labels->end()) continue;
        items.push_back({im.id, QString::fromStdString((store.root() / im.relPath).string()),
                         className.value(l->second)});
    }
    const std::filesystem::path bundle = result.bundlePath;
    document_->jobs().cancel(misclassifiedJob_);
    auto work = [bundle, items](const JobContext& ctx) {
        QVector<Misclassified> out;
        learn::PredictOptions options = learn::PredictOptions::defaults();
        options.hashFiles = false;
        options.threads = 2;  // leave the other cores to the GUI and the thumbnails
        auto predictor = learn::Predictor::open(bundle, options);
        if (!predictor.ok()) return out;
        std::vector<std::filesystem::path> files;
        for (const auto& it : items) files.push_back(it.path.toStdString());
        size_t i = 0;
        predictor->predict(files, [&](const learn::Prediction& p) {
            const Item& it = items[int(i++)];
            if (!p.error.empty() || p.top.empty() || out.size() >= kMaxMisclassified) return;
            const QString predicted = QString::fromStdString(p.top.front().className);
            if (predicted == it.trueClass) return;
            Misclassified m{it.id, it.path, it.trueClass, predicted, p.top.front().probability, {}};
            QImage image(it.path);
            if (!image.isNull()) m.thumbnail = image.scaled(72, 72, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            out.push_back(m);
        }, ctx);
        return out;
    };
    auto ticket = std::make_shared<int>(0);  // the job's id, known once run() returns
    misclassifiedJob_ = *ticket = document_->jobs()
                                       .run(tr("Finding the photos the model got wrong"), this, std::move(work),
                                            [this, ticket](const QVector<Misclassified>& found) {
                                                if (*ticket != misclassifiedJob_) return;  // a newer run's search
                                                results_->showMisclassified(found);
                                                emit misclassifiedReady(found.size());
                                            })
                                       ->id();
}

void TrainView::updateButtons() {
    start_->setEnabled(!training_ && document_->isOpen());
    crossValidate_->setEnabled(!training_ && document_->isOpen());
    pause_->setEnabled(training_ && folds_ == 0);
    stop_->setEnabled(training_);
    form_->setEnabled(!training_);
    if (!training_) pause_->setText(tr("Pause"));
}

void TrainView::setPreviewImage(const QString& absolutePath) { form_->setPreviewImage(absolutePath); }

void TrainView::projectChanged() {
    charts_->clear();
    results_->reloadRuns();  // selects the active (else newest) run, whose curves then show
    results_->showMisclassified({});
    updateButtons();
}

QString TrainView::statusText() const { return status_->text(); }

}  // namespace tessera::ui
