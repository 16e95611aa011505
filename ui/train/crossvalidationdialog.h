#pragma once
// The outcome of "Cross-validate…" in Train mode, in words an archaeologist can quote: the share of photos called
// right by a model that had not seen them, with its 95 % interval; recall per class with intervals; how far the
// scores can be taken at their word; and "Save Report…" for the self-contained HTML report of a publication's
// appendix (learn::writeCrossValidationReport, the same file as tessera-cli evaluate --cv --cv-report).
#include <QDialog>

#include "core/train/crossvalidation.h"
#include "core/train/trainer.h"
#include "core/util/expected.h"

class QLabel;
class QTableWidget;

namespace tessera::ui {

class ProjectDocument;

class CrossValidationDialog : public QDialog {
    Q_OBJECT
public:
    CrossValidationDialog(ProjectDocument* document, const learn::TrainOptions& recipe,
                          const learn::CrossValidationReport& report, QWidget* parent = nullptr);

    // One sentence: "95.6 % of 160 photos …". Also the Train mode status line after the run.
    static QString headline(const learn::CrossValidationReport& report);
    QString summaryText() const;
    int classRows() const;
    Status saveReport(const QString& file) const;  // what "Save Report…" writes after asking where

private:
    void askAndSave();

    ProjectDocument* document_;
    learn::TrainOptions recipe_;
    learn::CrossValidationReport report_;
    QLabel *summary_, *saved_;
    QTableWidget* perClass_;
};

}  // namespace tessera::ui
