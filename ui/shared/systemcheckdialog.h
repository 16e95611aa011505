#pragma once
// Help ▸ System Check: the versions and resources this build can report truthfully (Tessera, Qt, OpenCV, CPU
// threads, free disk space of the open project), as text that can be copied into an e-mail or a bug report.
#include <QDialog>

class QPlainTextEdit;

namespace tessera::ui {

class ProjectDocument;

class SystemCheckDialog : public QDialog {
    Q_OBJECT
public:
    explicit SystemCheckDialog(const ProjectDocument* document, QWidget* parent = nullptr);

    static QString report(const ProjectDocument* document);  // the plain text shown (and copied)

private:
    QPlainTextEdit* text_;
};

}  // namespace tessera::ui
