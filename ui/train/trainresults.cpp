#include "ui/train/trainresults.h"


#include <QDateTime>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "core/train/runcard.h"
#include "ui/shared/percenttext.h"
#include "ui/shared/projectdocument.h"

namespace tessera::ui {

namespace {

enum RunColumn { ColName, ColStatus, ColAccuracy, ColLoss, ColMode, ColCount };


}  // namespace

TrainResults::TrainResults(ProjectDocument* document, QWidget* parent) : QWidget(parent), document_(document) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("<b>Runs</b>"), left));
    runs_ = new QTreeWidget(left);
    runs_->setRootIsDecorated(false);
    runs_->setHeaderLabels({tr("Run"), tr("Status"), tr("Accuracy"), tr("Val. loss"), tr("Training")});
    runs_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    leftLayout->addWidget(runs_);
    useModel_ = new QPushButton(tr("Use This Model for Review"), left);
    useModel_->setToolTip(tr("Review mode classifies new photos with the active model"));
    leftLayout->addWidget(useModel_);

    confusion_ = new QCustomPlot(this);
    confusion_->setMinimumSize(260, 220);
    map_ = new QCPColorMap(confusion_->xAxis, confusion_->yAxis);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    map_->setGradient(gradient.inverted());
    map_->setInterpolate(false);
    confusion_->xAxis->setLabel(tr("predicted"));
    confusion_->yAxis->setLabel(tr("true class"));
    confusion_->yAxis->setRangeReversed(true);
    confusion_->plotLayout()->insertRow(0);
    QFont bold = confusion_->font();
    bold.setBold(true);
    confusion_->plotLayout()->addElement(0, 0, new QCPTextElement(confusion_, tr("Confusion (validation)"), bold));

    perClass_ = new QTableWidget(0, 3, this);
    perClass_->setHorizontalHeaderLabels({tr("Class"), tr("Precision"), tr("Recall")});
    perClass_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    perClass_->verticalHeader()->hide();
    perClass_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    perClass_->setToolTip(tr("Precision: of the photos the model put in this class, how many belong there.\n"
                             "Recall: of the photos of this class, how many the model found."));

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(new QLabel(tr("<b>Validation photos it got wrong</b> (click to open)"), right));
    wrong_ = new QListWidget(right);
    wrong_->setViewMode(QListView::IconMode);
    wrong_->setIconSize(QSize(72, 72));
    wrong_->setGridSize(QSize(120, 120));
    wrong_->setResizeMode(QListView::Adjust);
    wrong_->setMovement(QListView::Static);
    wrong_->setWordWrap(true);
    rightLayout->addWidget(wrong_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(confusion_);
    split->addWidget(perClass_);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    split->setStretchFactor(3, 2);
    split->setSizes({220, 300, 230, 260});
    split->setChildrenCollapsible(false);
    layout->addWidget(split);

    connect(runs_, &QTreeWidget::currentItemChanged, this, &TrainResults::onRunSelected);
    connect(useModel_, &QPushButton::clicked, this, [this] {
        if (auto* item = runs_->currentItem()) setActiveModel(item->data(ColName, Qt::UserRole).toString());
    });
    connect(wrong_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit imageActivated(item->data(Qt::UserRole).toLongLong()); });
    connect(wrong_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { emit imageActivated(item->data(Qt::UserRole).toLongLong()); });
}

QString TrainResults::activeModel() const {
    if (!document_->isOpen()) return {};
    auto bundle = document_->store().activeModel();
    if (!bundle.ok() || !*bundle) return {};
    return QString::fromStdString((*bundle)->lexically_relative(document_->store().dataDir()).generic_string());
}

bool TrainResults::setActiveModel(const QString& modelPath) {
    if (!document_->isOpen() || modelPath.isEmpty()) return false;
    const Status st = document_->store().setActiveModel(modelPath.toStdString());
    if (!st.ok()) {
        document_->reportError(QString::fromStdString(st.error()));
        return false;
    }
    reloadRuns();
    emit activeModelChanged(modelPath);
    return true;
}

int TrainResults::runCount() const { return runs_->topLevelItemCount(); }
int TrainResults::misclassifiedCount() const { return wrong_->count(); }

void TrainResults::reloadRuns() {
    const QSignalBlocker block(runs_);
    runs_->clear();
    if (!document_->isOpen()) return;
    auto runs = document_->store().runs();
    if (!runs.ok()) {
        document_->reportError(QString::fromStdString(runs.error()));
        return;
    }
    const QString active = activeModel();
    QTreeWidgetItem* select = nullptr;
    for (const auto& r : *runs) {
        auto* item = new QTreeWidgetItem(runs_);
        const QString model = QString::fromStdString(r.modelPath);
        const auto metrics = learn::RunCard::epochFromText(r.metricsJson);
        const auto options = learn::RunCard::optionsFromText(r.optionsJson);
        item->setText(ColName, QString::fromStdString(r.name) + (model == active && !model.isEmpty() ? tr("  ★") : QString()));
        item->setData(ColName, Qt::UserRole, model);
        item->setData(ColName, Qt::UserRole + 1, QString::fromStdString(r.metricsJson));
        item->setData(ColName, Qt::UserRole + 2, QString::fromStdString(r.cardPath));
        item->setText(ColStatus, QString::fromStdString(r.status));
        if (metrics) {
            item->setText(ColAccuracy, percentText(metrics->valAcc));
            item->setText(ColLoss, QString::number(metrics->valLoss, 'f', 3));
        }
        if (options)
            item->setText(ColMode, QStringLiteral("%1 · %2").arg(QString::fromStdString(options->arch),
                                                                QString::fromStdString(
                                                                    nameOf(learn::kTrainModeNames, options->mode))));
        item->setToolTip(ColName, tr("Started %1").arg(QDateTime::fromMSecsSinceEpoch(r.createdMs).toString()));
        if (!model.isEmpty() && model == active) select = item;
    }
    if (!select && runs_->topLevelItemCount() > 0) select = runs_->topLevelItem(runs_->topLevelItemCount() - 1);
    runs_->setCurrentItem(select);
    onRunSelected();
}

void TrainResults::onRunSelected() {
    QTreeWidgetItem* item = runs_->currentItem();
    useModel_->setEnabled(item && !item->data(ColName, Qt::UserRole).toString().isEmpty());
    if (!item) return;
    const std::string metricsJson = item->data(ColName, Qt::UserRole + 1).toString().toStdString();
    const auto metrics = learn::RunCard::epochFromText(metricsJson);
    // The run card (written by the trainer, GUI or CLI alike) names the classes and holds the per-epoch curves.
    std::vector<std::string> names;
    std::vector<learn::EpochInfo> history;
    const QString card = item->data(ColName, Qt::UserRole + 2).toString();
    if (!card.isEmpty() && document_->isOpen()) {
        // A missing or unreadable card leaves the plots empty; the run list already shows the run's figures.
        if (auto summary = learn::RunCard::readSummary(document_->store().dataDir() / card.toStdString())) {
            names = std::move(summary->classes);
            history = std::move(summary->history);
        }
    }
    emit runHistoryLoaded(history);
    if (metrics && !metrics->confusion.empty())
        showMetrics(names, metrics->precision, metrics->recall, metrics->confusion);
    emit runSelected(item->text(ColName));
}

void TrainResults::showMetrics(const std::vector<std::string>& classNames, const std::vector<double>& precision,
                               const std::vector<double>& recall,
                               const std::vector<std::vector<int64_t>>& confusion) {
    const int n = int(confusion.size());
    confusionClasses_ = n;
    const auto name = [&](int i) {
        return i < int(classNames.size()) ? QString::fromStdString(classNames[size_t(i)]) : tr("class %1").arg(i + 1);
    };
    map_->data()->setSize(n, n);
    map_->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
    // Rows are normalised so that a small class's mistakes are as visible as a big one's.
    for (int t = 0; t < n; ++t) {
        int64_t total = 0;
        for (int64_t v : confusion[size_t(t)]) total += v;
        for (int p = 0; p < n && p < int(confusion[size_t(t)].size()); ++p)
            map_->data()->setCell(p, t, total > 0 ? double(confusion[size_t(t)][size_t(p)]) / double(total) : 0.0);
    }
    map_->setDataRange(QCPRange(0, 1));
    confusion_->clearItems();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < n; ++i) ticker->addTick(i, name(i));
    confusion_->xAxis->setTicker(ticker);
    confusion_->yAxis->setTicker(ticker);
    confusion_->xAxis->setTickLabelRotation(n > 3 ? 35 : 0);
    for (int t = 0; t < n; ++t)
        for (int p = 0; p < n && p < int(confusion[size_t(t)].size()); ++p) {
            auto* text = new QCPItemText(confusion_);
            text->position->setCoords(p, t);
            text->setText(QString::number(confusion[size_t(t)][size_t(p)]));
            const double cell = map_->data()->cell(p, t);
            text->setColor(cell > 0.55 ? Qt::white : Qt::black);
        }
    confusion_->xAxis->setRange(-0.5, n - 0.5);
    confusion_->yAxis->setRange(-0.5, n - 0.5);
    confusion_->replot(QCustomPlot::rpQueuedReplot);

    perClass_->setRowCount(n);
    for (int i = 0; i < n; ++i) {
        perClass_->setItem(i, 0, new QTableWidgetItem(name(i)));
        perClass_->setItem(i, 1, new QTableWidgetItem(i < int(precision.size()) ? percentText(precision[size_t(i)]) : QString()));
        perClass_->setItem(i, 2, new QTableWidgetItem(i < int(recall.size()) ? percentText(recall[size_t(i)]) : QString()));
    }
    // The table is never narrower than its three columns: the splitter gives the others less instead.
    perClass_->resizeColumnsToContents();
    perClass_->setMinimumWidth(perClass_->horizontalHeader()->length() + 2 * perClass_->frameWidth() +
                               perClass_->verticalScrollBar()->sizeHint().width());
}

bool TrainResults::perClassTableFits() const {
    return perClass_->viewport()->width() >= perClass_->horizontalHeader()->length();
}

void TrainResults::showMisclassified(const QVector<Misclassified>& items) {
    wrong_->clear();
    for (const auto& m : items) {
        auto* item = new QListWidgetItem(wrong_);
        if (!m.thumbnail.isNull()) item->setIcon(QPixmap::fromImage(m.thumbnail));
        item->setText(tr("%1 → %2").arg(m.trueClass, m.predictedClass));
        item->setToolTip(tr("%1\ntrue: %2, predicted: %3 (%4 %)")
                             .arg(m.path, m.trueClass, m.predictedClass)
                             .arg(100.0 * m.confidence, 0, 'f', 0));
        item->setData(Qt::UserRole, m.imageId);
    }
}

}  // namespace tessera::ui
