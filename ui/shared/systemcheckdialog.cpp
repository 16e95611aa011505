#include "ui/shared/systemcheckdialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStorageInfo>
#include <QSysInfo>
#include <QThread>
#include <QVBoxLayout>

#include <opencv2/core/utility.hpp>

#include "core/device/deviceinfo.h"
#include "ui/shared/projectdocument.h"

namespace tessera::ui {

QString SystemCheckDialog::report(const ProjectDocument* document) {
    const QLocale loc;
    QStringList lines;
    const auto line = [&lines](const QString& key, const QString& value) {
        lines << QStringLiteral("%1 %2").arg(key + QLatin1Char(':'), -22).arg(value);
    };
    line(QObject::tr("Tessera"), QStringLiteral(TESSERA_VERSION));
    line(QObject::tr("Qt"), QObject::tr("%1 (built with %2)").arg(QString::fromLatin1(qVersion()),
                                                                     QStringLiteral(QT_VERSION_STR)));
    line(QObject::tr("OpenCV"), QString::fromStdString(cv::getVersionString()));
    line(QObject::tr("Operating system"), QSysInfo::prettyProductName());
    line(QObject::tr("CPU architecture"), QSysInfo::currentCpuArchitecture());
    // The compute side (LibTorch, CUDA or the exact reason it is unusable, GPUs, cuDNN) comes from the core's probe.
    lines << QString();
    lines << QString::fromStdString(learn::deviceInfo().report()).trimmed().split(QLatin1Char('\n'));
    lines << QString();
    if (document && document->isOpen()) {
        line(QObject::tr("Project folder"), document->rootPath());
        line(QObject::tr("Project schema"), QString::number(document->store().schemaVersion()));
        const QStorageInfo storage(document->rootPath());
        if (storage.isValid())
            line(QObject::tr("Free disk space"), QObject::tr("%1 of %2")
                                                     .arg(loc.formattedDataSize(storage.bytesAvailable()),
                                                          loc.formattedDataSize(storage.bytesTotal())));
    } else {
        line(QObject::tr("Project"), QObject::tr("none open"));
    }
    return lines.join(QLatin1Char('\n'));
}

SystemCheckDialog::SystemCheckDialog(const ProjectDocument* document, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("System Check"));
    auto* layout = new QVBoxLayout(this);
    text_ = new QPlainTextEdit(this);
    text_->setReadOnly(true);
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text_->setPlainText(report(document));
    text_->setMinimumSize(560, 220);
    layout->addWidget(text_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* copy = buttons->addButton(tr("Copy to Clipboard"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(text_->toPlainText()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

}  // namespace tessera::ui
