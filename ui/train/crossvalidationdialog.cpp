#include "ui/train/crossvalidationdialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/evaluate/evaluationreport.h"
#include "ui/shared/percenttext.h"
#include "ui/shared/projectdocument.h"

namespace tessera::ui {

namespace {

QString intervalText(const learn::Interval& i) {
    return QObject::tr("%1 – %2").arg(percentText(i.low), percentText(i.high));
}

}  // namespace

QString CrossValidationDialog::headline(const learn::CrossValidationReport& r) {
    return tr("%1 of %2 labelled photos were called right by a model that had not seen them (95 % interval %3), "
              "%4 folds grouped by find.")
        .arg(percentText(r.accuracy.value))
        .arg(r.photos)
        .arg(intervalText(r.accuracy))
        .arg(r.folds);
}

CrossValidationDialog::CrossValidationDialog(ProjectDocument* document, const learn::TrainOptions& recipe,
                                             const learn::CrossValidationReport& report, QWidget* parent)
    : QDialog(parent), document_(document), recipe_(recipe), report_(report) {
    setWindowTitle(tr("Cross-Validated Accuracy"));
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QString text = headline(report) + QStringLiteral("\n\n");
    const QString size = recipe.imageSize > 0 ? tr("%1 px").arg(recipe.imageSize) : tr("automatic size");
    text += tr("Each of the %1 trainings used the form's settings (%2, %3 epochs, %4) without one of %1 equal "
               "parts of the finds, and scored that part; no model is kept.")
                .arg(report.folds)
                .arg(QString::fromStdString(recipe.arch))
                .arg(recipe.epochs)
                .arg(size);
    text += QStringLiteral("\n\n");
    text += tr("Scores: expected calibration error %1; scaled by a temperature of %2 it would be %3. Each trained "
               "model is calibrated in this way on its own validation photos.")
                .arg(report.calibration.ece, 0, 'f', 3)
                .arg(report.temperature, 0, 'f', 2)
                .arg(report.calibrated.ece, 0, 'f', 3);
    if (report.disputedLeftOut > 0)
        text += QStringLiteral("\n\n") + tr("%n photo(s) with disputed labels were left out.", nullptr,
                                            int(report.disputedLeftOut));
    summary_->setText(text);

    perClass_ = new QTableWidget(int(report.classNames.size()), 4, this);
    perClass_->setHorizontalHeaderLabels({tr("Class"), tr("Recall"), tr("95 % interval"), tr("Photos")});
    perClass_->verticalHeader()->hide();
    perClass_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int c = 0; c < perClass_->rowCount(); ++c) {
        const auto& recall = report.recall[size_t(c)];
        perClass_->setItem(c, 0, new QTableWidgetItem(QString::fromStdString(report.classNames[size_t(c)])));
        perClass_->setItem(c, 1, new QTableWidgetItem(percentText(recall.value)));
        perClass_->setItem(c, 2, new QTableWidgetItem(intervalText(recall)));
        perClass_->setItem(c, 3, new QTableWidgetItem(QString::number(report.classPhotos[size_t(c)])));
    }
    perClass_->resizeColumnsToContents();
    perClass_->horizontalHeader()->setStretchLastSection(true);

    saved_ = new QLabel(this);
    saved_->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* save = buttons->addButton(tr("Save Report…"), QDialogButtonBox::ActionRole);
    save->setToolTip(tr("One HTML file with the dataset, the settings, these figures, the confusion matrix, the "
                        "reliability diagram and example photos of the most confused classes; opens offline in any "
                        "browser and prints to PDF"));
    connect(save, &QPushButton::clicked, this, &CrossValidationDialog::askAndSave);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(perClass_, 1);
    layout->addWidget(saved_);
    layout->addWidget(buttons);
    resize(620, 480);
}

QString CrossValidationDialog::summaryText() const { return summary_->text(); }
int CrossValidationDialog::classRows() const { return perClass_->rowCount(); }

Status CrossValidationDialog::saveReport(const QString& file) const {
    if (!document_->isOpen()) return makeError("no project is open");
    return learn::writeCrossValidationReport(document_->store(), recipe_, report_, file.toStdString());
}

void CrossValidationDialog::askAndSave() {
    const QString suggested = QDir(document_->rootPath()).filePath(QStringLiteral("evaluation-report.html"));
    const QString file = QFileDialog::getSaveFileName(this, tr("Save Evaluation Report"), suggested,
                                                      tr("Web page (*.html)"));
    if (file.isEmpty()) return;
    const Status st = saveReport(file);
    saved_->setText(st.ok() ? tr("Saved to %1.").arg(QDir::toNativeSeparators(file))
                            : tr("Could not save the report: %1").arg(QString::fromStdString(st.error())));
}

}  // namespace tessera::ui
