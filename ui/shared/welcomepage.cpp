#include "ui/shared/welcomepage.h"

#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/shared/recentprojects.h"

namespace tessera::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    auto* column = new QWidget(this);
    column->setMaximumWidth(560);
    auto* layout = new QVBoxLayout(column);
    layout->setSpacing(12);

    auto* logo = new QLabel(column);
    logo->setPixmap(QIcon(QStringLiteral(":/icons/tessera.svg")).pixmap(96, 96));
    logo->setAlignment(Qt::AlignCenter);
    layout->addWidget(logo);

    auto* title = new QLabel(tr("<h1 style='margin-bottom:0'>Tessera</h1>"), column);
    title->setAlignment(Qt::AlignCenter);
    layout->addWidget(title);
    auto* blurb = new QLabel(tr("Sort photographs of finds into classes, check the data, and train a classifier "
                                "that helps with the rest. Everything stays on this computer."),
                             column);
    blurb->setWordWrap(true);
    blurb->setAlignment(Qt::AlignCenter);
    layout->addWidget(blurb);

    auto* open = new QPushButton(tr("Open a folder of find photos…"), column);
    open->setDefault(true);
    open->setMinimumHeight(44);
    QFont f = open->font();
    f.setPointSizeF(f.pointSizeF() * 1.15);
    f.setBold(true);
    open->setFont(f);
    layout->addWidget(open);
    auto* hint = new QLabel(tr("One sub-folder per class (e.g. <i>amphora/</i>, <i>terra sigillata/</i>) labels the "
                               "photos at once; a flat folder is fine too. You can also drop a folder on this "
                               "window. Tessera never changes or moves your photos."),
                            column);
    hint->setWordWrap(true);
    hint->setAlignment(Qt::AlignCenter);
    QPalette quiet = hint->palette();
    quiet.setColor(QPalette::WindowText, quiet.color(QPalette::PlaceholderText));
    hint->setPalette(quiet);
    layout->addWidget(hint);
    demo_ = new QPushButton(tr("Open the demo project"), column);
    demo_->setObjectName(QStringLiteral("openDemoButton"));
    demo_->setToolTip(tr("160 generated photos of pottery sherds in four decoration classes, with a few planted "
                         "problems, to try every mode without your own photos"));
    layout->addWidget(demo_, 0, Qt::AlignCenter);
    demoStatus_ = new QLabel(column);
    demoStatus_->setObjectName(QStringLiteral("demoStatus"));
    demoStatus_->setAlignment(Qt::AlignCenter);
    demoStatus_->setWordWrap(true);
    demoStatus_->hide();
    layout->addWidget(demoStatus_);

    layout->addSpacing(12);
    recentTitle_ = new QLabel(tr("<b>Recent projects</b>"), column);
    layout->addWidget(recentTitle_);
    recent_ = new QListWidget(column);
    recent_->setMaximumHeight(200);
    recent_->setToolTip(tr("Double-click to open"));
    layout->addWidget(recent_);
    layout->addStretch(1);

    auto* outer = new QVBoxLayout(this);
    outer->addStretch(1);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 3);
    row->addStretch(1);
    outer->addLayout(row);
    outer->addStretch(2);

    connect(open, &QPushButton::clicked, this, &WelcomePage::openFolderRequested);
    connect(demo_, &QPushButton::clicked, this, &WelcomePage::openDemoRequested);
    connect(recent_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit openRecentRequested(item->data(Qt::UserRole).toString()); });
    refreshRecent();
}

void WelcomePage::refreshRecent() {
    recent_->clear();
    const QStringList paths = RecentProjects::list();
    for (const QString& path : paths) {
        auto* item = new QListWidgetItem(
            QStringLiteral("%1 — %2").arg(QFileInfo(path).fileName(), QDir::toNativeSeparators(path)), recent_);
        item->setData(Qt::UserRole, path);
        item->setToolTip(QDir::toNativeSeparators(path));
    }
    recent_->setVisible(!paths.isEmpty());
    recentTitle_->setVisible(!paths.isEmpty());
}

}  // namespace tessera::ui

namespace tessera::ui {

void WelcomePage::setDemoBusy(bool busy, const QString& message) {
    demo_->setEnabled(!busy);
    demoStatus_->setText(message);
    demoStatus_->setVisible(!message.isEmpty());
}

}  // namespace tessera::ui
