// ImportExport, part two: find information (find number, site, context) for many photos at once, from a CSV or a
// file-name pattern. The dialog shows what the pattern reads from the first photos before anything is written.
#include <QButtonGroup>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include "ui/shared/importexport.h"
#include "ui/shared/projectdocument.h"

namespace tessera::ui {
namespace {

QString describe(const project::FindInfo& info) {
    QStringList parts;
    if (!info.site.empty()) parts << QObject::tr("site %1").arg(QString::fromStdString(info.site));
    if (!info.context.empty()) parts << QObject::tr("context %1").arg(QString::fromStdString(info.context));
    if (!info.findId.empty()) parts << QObject::tr("find %1").arg(QString::fromStdString(info.findId));
    return parts.isEmpty() ? QObject::tr("(nothing)") : parts.join(QStringLiteral(", "));
}

}  // namespace

Expected<project::FindImportReport> ImportExport::previewFindsCsv(const QString& csvPath) const {
    if (!document_->isOpen()) return makeError("no project is open");
    return project::FindImport::fromCsv(document_->store(), csvPath.toStdString());
}

Expected<project::FindImportReport> ImportExport::previewFindsPattern(const QString& pattern) const {
    if (!document_->isOpen()) return makeError("no project is open");
    auto compiled = project::FileNamePattern::compile(pattern.toStdString());
    if (!compiled) return compiled.takeError();
    return project::FindImport::fromPattern(document_->store(), *compiled);
}

QStringList ImportExport::patternSamples(const QString& pattern, int count) const {
    if (!document_->isOpen()) return {};
    auto compiled = project::FileNamePattern::compile(pattern.toStdString());
    if (!compiled) return {QString::fromStdString(compiled.error())};
    auto images = document_->store().images();
    if (!images) return {QString::fromStdString(images.error())};
    QStringList out;
    for (const auto& image : *images) {
        if (out.size() >= count) break;
        auto info = compiled->match(image.relPath);
        out << QStringLiteral("%1  →  %2").arg(QString::fromStdString(image.relPath),
                                               info ? describe(*info) : tr("does not match"));
    }
    return out;
}

ImportExport::Outcome ImportExport::applyFinds(const project::FindImportReport& report, const QString& source) {
    if (!document_->isOpen()) return {false, tr("No project is open."), {}};
    const Status st = project::FindImport::apply(document_->store(), report);
    if (!st.ok()) return {false, tr("Could not save the find information from %1:\n%2")
                                     .arg(source, QString::fromStdString(st.error())), {}};
    // Find information is part of the photo rows: the views reload them.
    emit document_->imagesChanged();
    Outcome out;
    out.ok = report.problems.empty();
    out.text = tr("Set find information of %1 photo(s) from %2 (%3 changed).")
                   .arg(report.matched.size()).arg(source).arg(report.changed);
    if (!report.unmatched.empty())
        out.text += tr("\n%1 photo(s) were not matched and keep what they had.").arg(report.unmatched.size());
    if (!report.problems.empty())
        out.text += tr("\n%1 row(s) could not be used; see the details.").arg(report.problems.size());
    for (const auto& p : report.problems) out.details << QString::fromStdString(p);
    if (!report.unmatched.empty()) out.details << tr("Not matched:");
    for (const auto& u : report.unmatched) out.details << QStringLiteral("  ") + QString::fromStdString(u);
    return out;
}

void ImportExport::onImportFinds() {
    QDialog dialog(parent_);
    dialog.setWindowTitle(tr("Import Find Information"));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Set the find number, site and context of many photos at once."), &dialog));

    auto* fromCsv = new QRadioButton(tr("From a CSV file (columns file, find_id, site, context):"), &dialog);
    auto* csvPath = new QLineEdit(&dialog);
    auto* browse = new QPushButton(tr("Browse…"), &dialog);
    auto* csvRow = new QHBoxLayout;
    csvRow->addWidget(csvPath);
    csvRow->addWidget(browse);
    auto* fromPattern = new QRadioButton(tr("From the photos' file names, with a pattern:"), &dialog);
    auto* pattern = new QLineEdit(QStringLiteral("{site}_{context}_{find}_{view}.jpg"), &dialog);
    auto* help = new QLabel(tr("{site}, {context}, {find} are read; {view} and {any} match anything and are not kept; "
                               "* matches any text. Use / to match folders, e.g. {site}/{context}/{find}-*.jpg"),
                            &dialog);
    help->setWordWrap(true);
    auto* preview = new QPlainTextEdit(&dialog);
    preview->setReadOnly(true);
    preview->setMinimumHeight(110);
    auto* group = new QButtonGroup(&dialog);
    group->addButton(fromCsv);
    group->addButton(fromPattern);
    fromPattern->setChecked(true);
    layout->addWidget(fromCsv);
    layout->addLayout(csvRow);
    layout->addWidget(fromPattern);
    layout->addWidget(pattern);
    layout->addWidget(help);
    layout->addWidget(new QLabel(tr("What the pattern reads from the first photos:"), &dialog));
    layout->addWidget(preview);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    layout->addWidget(buttons);

    const auto refresh = [&] {
        const bool csv = fromCsv->isChecked();
        csvPath->setEnabled(csv);
        browse->setEnabled(csv);
        pattern->setEnabled(!csv);
        preview->setEnabled(!csv);
        preview->setPlainText(csv ? QString() : patternSamples(pattern->text(), 6).join(QLatin1Char('\n')));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(csv ? !csvPath->text().isEmpty()
                                                              : !pattern->text().isEmpty());
    };
    connect(group, &QButtonGroup::buttonToggled, &dialog, refresh);
    connect(pattern, &QLineEdit::textChanged, &dialog, refresh);
    connect(csvPath, &QLineEdit::textChanged, &dialog, refresh);
    connect(browse, &QPushButton::clicked, &dialog, [&] {
        const QString p = QFileDialog::getOpenFileName(&dialog, tr("Find Information CSV"), startDir(),
                                                       tr("CSV files (*.csv *.txt);;All files (*)"));
        if (!p.isEmpty()) csvPath->setText(p);
    });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    refresh();
    if (dialog.exec() != QDialog::Accepted) return;

    const bool csv = fromCsv->isChecked();
    const QString source = csv ? QDir::toNativeSeparators(csvPath->text()) : tr("the pattern %1").arg(pattern->text());
    auto report = csv ? previewFindsCsv(csvPath->text()) : previewFindsPattern(pattern->text());
    if (!report) {
        show({false, tr("Could not read find information from %1:\n%2")
                         .arg(source, QString::fromStdString(report.error())), {}},
             tr("Import Find Information"));
        return;
    }
    const auto answer = QMessageBox::question(
        parent_, tr("Import Find Information"),
        tr("%1 of %2 photo(s) match %3; %4 of them would change.\n\nSave this find information? This cannot be "
           "undone with Edit > Undo.")
            .arg(report->matched.size())
            .arg(report->matched.size() + report->unmatched.size())
            .arg(source)
            .arg(report->changed));
    if (answer != QMessageBox::Yes) return;
    show(applyFinds(*report, source), tr("Import Find Information"));
}

}  // namespace tessera::ui
