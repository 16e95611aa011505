#include "ui/shared/mainwindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStackedWidget>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>

#include "core/demo/demogenerator.h"
#include "core/device/deviceinfo.h"
#include "core/project/projectlocation.h"
#include "core/project/projectstore.h"
#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/importexport.h"
#include "ui/shared/jobsindicator.h"
#include "ui/map/mapview.h"
#include "ui/shared/projectdocument.h"
#include "ui/shared/recentprojects.h"
#include "ui/review/reviewview.h"
#include "ui/statistics/statisticsview.h"
#include "ui/shared/systemcheckdialog.h"
#include "ui/shared/thumbnailprovider.h"
#include "ui/train/trainform.h"
#include "ui/train/trainview.h"
#include "ui/shared/welcomepage.h"

// Q_INIT_RESOURCE must be used outside a namespace; tessera_ui is a static library, so its resources need it.
static void initTesseraResources() { Q_INIT_RESOURCE(resources); }

namespace tessera::ui {

namespace {

QString localFolderFrom(const QMimeData* mime) {
    if (!mime || !mime->hasUrls()) return {};
    for (const QUrl& url : mime->urls()) {
        if (!url.isLocalFile()) continue;
        const QFileInfo info(url.toLocalFile());
        if (info.isDir()) return info.absoluteFilePath();
    }
    return {};
}

QString nativePath(const std::filesystem::path& p) {
    return QDir::toNativeSeparators(QString::fromStdString(p.string()));
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    initTesseraResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/tessera.svg")));
    setAcceptDrops(true);

    document_ = new ProjectDocument(this);
    thumbnails_ = new ThumbnailProvider(this);
    images_ = new ImageListModel(document_, thumbnails_, this);

    stack_ = new QStackedWidget(this);
    welcome_ = new WelcomePage(stack_);
    dataset_ = new DatasetView(document_, images_, stack_);
    statistics_ = new StatisticsView(document_, images_, stack_);
    stack_->addWidget(welcome_);
    stack_->addWidget(dataset_);
    train_ = new TrainView(document_, stack_);
    review_ = new ReviewView(document_, thumbnails_, stack_);
    map_ = new MapView(document_, thumbnails_, stack_);
    stack_->addWidget(statistics_);
    stack_->addWidget(train_);
    stack_->addWidget(review_);
    stack_->addWidget(map_);
    setCentralWidget(stack_);

    createActions();
    createMenus();
    createStatusBar();

    connect(welcome_, &WelcomePage::openFolderRequested, this, &MainWindow::openFolderDialog);
    connect(welcome_, &WelcomePage::openRecentRequested, this, &MainWindow::openInteractive);
    connect(welcome_, &WelcomePage::openDemoRequested, this, &MainWindow::openDemo);
    connect(statistics_, &StatisticsView::selectImagesRequested, this, [this](const QVector<qint64>& ids) {
        setMode(Mode::Dataset);
        dataset_->selectImages(ids);
    });
    connect(review_, &ReviewView::selectImagesRequested, this, [this](const QVector<qint64>& ids) {
        setMode(Mode::Dataset);
        dataset_->selectImages(ids);
    });
    connect(map_, &MapView::selectImagesRequested, this, [this](const QVector<qint64>& ids) {
        setMode(Mode::Dataset);
        dataset_->selectImages(ids);
    });
    connect(train_, &TrainView::selectImageRequested, this, &MainWindow::showInDataset);
    connect(train_, &TrainView::activeModelChanged, review_, &ReviewView::reloadModel);
    // Weights downloaded or imported in Train mode start the quick model now, not at the next label change.
    connect(train_->form(), &TrainForm::weightsAvailable, review_, &ReviewView::weightsChanged);
    connect(document_, &ProjectDocument::scanStarted, this, &MainWindow::onScanStarted);
    connect(document_, &ProjectDocument::scanProgress, this, &MainWindow::onScanProgress);
    connect(document_, &ProjectDocument::scanFinished, this, &MainWindow::onScanFinished);
    connect(document_, &ProjectDocument::errorOccurred, this,
            [this](const QString& message) { statusBar()->showMessage(message, 15000); });
    connect(images_, &ImageListModel::countsChanged, this, &MainWindow::updateCounts);

    resize(1360, 860);
    const QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    stack_->setCurrentWidget(welcome_);
    updateActions();
    updateTitle();
    updateCounts();
}

// Every job ends, and every worker thread is joined, while the views they report to are still there.
MainWindow::~MainWindow() { document_->jobs().stop(); }

void MainWindow::createActions() {
    openAction_ = new QAction(tr("&Open Folder…"), this);
    openAction_->setShortcut(QKeySequence::Open);
    openAction_->setStatusTip(tr("Open a folder of photos as a project (creates it on first open)"));
    connect(openAction_, &QAction::triggered, this, &MainWindow::openFolderDialog);

    rescanAction_ = new QAction(tr("&Rescan Folder"), this);
    rescanAction_->setShortcut(QKeySequence::Refresh);
    rescanAction_->setStatusTip(tr("Look for new, changed, renamed and removed photos"));
    connect(rescanAction_, &QAction::triggered, document_, &ProjectDocument::startScan);

    closeAction_ = new QAction(tr("&Close Project"), this);
    closeAction_->setShortcut(QKeySequence::Close);
    connect(closeAction_, &QAction::triggered, this, &MainWindow::closeProject);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setShortcut(QKeySequence::Quit);
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    undoAction_ = document_->undoStack()->createUndoAction(this, tr("&Undo"));
    undoAction_->setShortcut(QKeySequence::Undo);
    redoAction_ = document_->undoStack()->createRedoAction(this, tr("&Redo"));
    redoAction_->setShortcuts({QKeySequence::Redo, QKeySequence(Qt::CTRL | Qt::Key_Y)});

    modeGroup_ = new QActionGroup(this);
    modeGroup_->setExclusive(true);
    datasetMode_ = new QAction(QIcon(QStringLiteral(":/icons/mode-dataset.svg")), tr("Dataset"), modeGroup_);
    datasetMode_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    datasetMode_->setToolTip(tr("Browse and label the photos (Ctrl+1)"));
    statisticsMode_ = new QAction(QIcon(QStringLiteral(":/icons/mode-statistics.svg")), tr("Statistics"), modeGroup_);
    statisticsMode_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    statisticsMode_->setToolTip(tr("Image sizes, class balance and data health (Ctrl+2)"));
    trainMode_ = new QAction(QIcon(QStringLiteral(":/icons/mode-train.svg")), tr("Train"), modeGroup_);
    trainMode_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    trainMode_->setToolTip(tr("Train a classifier on the labelled photos (Ctrl+3)"));
    reviewMode_ = new QAction(QIcon(QStringLiteral(":/icons/mode-review.svg")), tr("Review"), modeGroup_);
    reviewMode_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
    reviewMode_->setToolTip(tr("Classify new photos and accept or correct the calls (Ctrl+4)"));
    mapMode_ = new QAction(QIcon(QStringLiteral(":/icons/mode-map.svg")), tr("Map"), modeGroup_);
    mapMode_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_5));
    mapMode_->setToolTip(tr("See the whole collection laid out by similarity; select and label groups (Ctrl+5)"));
    for (QAction* a : {datasetMode_, statisticsMode_, trainMode_, reviewMode_, mapMode_}) a->setCheckable(true);
    datasetMode_->setChecked(true);
    connect(datasetMode_, &QAction::triggered, this, [this] { setMode(Mode::Dataset); });
    connect(statisticsMode_, &QAction::triggered, this, [this] { setMode(Mode::Statistics); });
    connect(trainMode_, &QAction::triggered, this, [this] { setMode(Mode::Train); });
    connect(reviewMode_, &QAction::triggered, this, [this] { setMode(Mode::Review); });
    connect(mapMode_, &QAction::triggered, this, [this] { setMode(Mode::Map); });

    modeBar_ = new QToolBar(tr("Modes"), this);
    modeBar_->setObjectName(QStringLiteral("modeBar"));
    modeBar_->setMovable(false);
    modeBar_->setFloatable(false);
    modeBar_->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
    modeBar_->setIconSize(QSize(32, 32));
    modeBar_->addAction(datasetMode_);
    modeBar_->addAction(statisticsMode_);
    modeBar_->addAction(trainMode_);
    modeBar_->addAction(reviewMode_);
    modeBar_->addAction(mapMode_);
    modeBar_->setContextMenuPolicy(Qt::PreventContextMenu);
    modeBar_->setStyleSheet(QStringLiteral("QToolBar#modeBar { spacing: 6px; padding: 6px 2px; }"
                                           "QToolBar#modeBar QToolButton { min-width: 72px; padding: 6px 2px; }"));
    addToolBar(Qt::LeftToolBarArea, modeBar_);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(openAction_);
    recentMenu_ = file->addMenu(tr("Recent &Projects"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    file->addSeparator();
    file->addAction(rescanAction_);
    file->addAction(closeAction_);
    auto* importExport = new ImportExport(document_, this);  // labels CSV, find info, ImageFolder, model export
    importExport->setObjectName(QStringLiteral("importExport"));
    importExport->populate(file);
    file->addSeparator();
    file->addAction(quitAction_);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(undoAction_);
    edit->addAction(redoAction_);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(datasetMode_);
    view->addAction(statisticsMode_);
    view->addAction(trainMode_);
    view->addAction(reviewMode_);
    view->addAction(mapMode_);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts);
    help->addAction(tr("&System Check…"), this, &MainWindow::showSystemCheck);
    help->addSeparator();
    QAction* about = help->addAction(tr("&About Tessera"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
    rebuildRecentMenu();
}

void MainWindow::createStatusBar() {
    scanBox_ = new QWidget(this);
    auto* scanLayout = new QHBoxLayout(scanBox_);
    scanLayout->setContentsMargins(0, 0, 0, 0);
    scanLabel_ = new QLabel(scanBox_);
    scanBar_ = new QProgressBar(scanBox_);
    scanBar_->setMaximumWidth(180);
    scanBar_->setMaximumHeight(16);
    scanBar_->setTextVisible(false);
    scanCancel_ = new QToolButton(scanBox_);
    scanCancel_->setText(tr("Cancel"));
    scanCancel_->setToolTip(tr("Stop the scan; what was found so far is kept"));
    connect(scanCancel_, &QToolButton::clicked, document_, &ProjectDocument::cancelScan);
    scanLayout->addWidget(scanLabel_);
    scanLayout->addWidget(scanBar_);
    scanLayout->addWidget(scanCancel_);
    scanBox_->hide();

    countsLabel_ = new QLabel(this);
    deviceLabel_ = new QLabel(this);
    deviceLabel_->setText(QString::fromStdString(learn::deviceInfo().summary()));
    deviceLabel_->setToolTip(tr("The device Tessera computes on. See Help ▸ System Check for details."));
    statusBar()->addPermanentWidget(new JobsIndicator(&document_->jobs(), this));
    statusBar()->addPermanentWidget(scanBox_);
    statusBar()->addPermanentWidget(countsLabel_);
    statusBar()->addPermanentWidget(deviceLabel_);
}

bool MainWindow::openProject(const QString& folder, QString* error) {
    QString why;
    if (!document_->open(folder, &why)) {
        if (error) *error = why;
        return false;
    }
    thumbnails_->setCacheDir(QString::fromStdString((document_->store().dataDir() / "thumbs").string()));
    if (!document_->store().inPhotoFolder())
        statusBar()->showMessage(tr("This project is kept in %1; nothing is written into the photo folder.")
                                     .arg(QDir::toNativeSeparators(
                                         QString::fromStdString(document_->store().dataDir().string()))));
    images_->reload();  // show what the store already knows at once; the scan below brings it up to date
    RecentProjects::add(document_->rootPath());
    welcome_->refreshRecent();
    stack_->setCurrentWidget(dataset_);
    setMode(Mode::Dataset);
    updateTitle();
    updateActions();
    train_->projectChanged();
    review_->reloadModel();
    document_->startScan();
    return true;
}

QString MainWindow::demoFolder() {
    const QString fromEnv = qEnvironmentVariable("TESSERA_DEMO_DIR");
    if (!fromEnv.isEmpty()) return QDir(fromEnv).absolutePath();
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/demo");
}

void MainWindow::openDemo() {
    const QString folder = demoFolder();
    // Generated once; afterwards the demo opens like any project (its labels and runs are kept).
    if (project::findProject(folder.toStdString())) {
        openInteractive(folder);
        return;
    }
    welcome_->setDemoBusy(true, tr("Making 160 demo photos…"));
    document_->jobs().run(
        tr("Making the demo photos"), this,
        [folder](const JobContext&) -> QString {
            auto report = demo::DemoGenerator::generate(folder.toStdString());
            return report.ok() ? QString() : QString::fromStdString(report.error());
        },
        [this, folder](const QString& error) {
            welcome_->setDemoBusy(false);
            if (!error.isEmpty()) {
                QMessageBox::warning(this, tr("Cannot Make the Demo Project"), error);
                return;
            }
            openInteractive(folder);
        });
}

bool MainWindow::offerMovedProject(const std::filesystem::path& root) {
    const auto missing = project::ProjectStore::projectsWithMissingPhotos();
    if (missing.empty()) return true;
    QStringList choices;
    for (const auto& m : missing) choices << nativePath(m.photoRoot);
    const QString fresh = tr("None of these: start a new project");
    choices << fresh;
    bool ok = false;
    const QString picked = QInputDialog::getItem(
        this, tr("Were These Photos Moved?"),
        tr("“%1” has no project yet, but Tessera keeps the project of a photo folder that is no longer where it "
           "was.\n\nIf these are the same photos, moved or renamed, their labels, trainings and models can come "
           "along:").arg(nativePath(root)),
        choices, 0, /*editable=*/false, &ok);
    if (!ok) return false;
    if (picked == fresh) return true;
    const auto from = missing[size_t(choices.indexOf(picked))].photoRoot;
    auto moved = project::repointUserProject(from, root);
    if (!moved) {
        QMessageBox::warning(this, tr("Cannot Take the Project Along"), QString::fromStdString(moved.error()));
        return false;
    }
    return true;
}

void MainWindow::openInteractive(const QString& folder) {
    const std::filesystem::path root = QDir(folder).absolutePath().toStdString();
    const bool isFolder = QFileInfo(folder).isDir();
    // Photos whose project is kept per user and that were moved or renamed: offer to take that project along.
    if (isFolder && !project::findProject(root) && !offerMovedProject(root)) return;
    // A folder Tessera may not write to (a read-only share, a DVD, another user's archive) can still be a project:
    // its data goes to the per-user location and the photos are read where they are. Ask before the first time.
    // (findProject again: the offer above may have re-pointed a project to this folder.)
    if (isFolder && !project::findProject(root) && !project::folderIsWritable(root)) {
        const QString where = nativePath(project::userProjectDirFor(root));
        const auto answer = QMessageBox::question(
            this, tr("Read-Only Folder"),
            tr("Tessera cannot write into “%1”.\n\nIt can keep this folder's project (labels, trainings, models) in "
               "your user folder instead:\n%2\n\nThe photos stay where they are and nothing is written into their "
               "folder.").arg(QDir::toNativeSeparators(folder), where),
            QMessageBox::Ok | QMessageBox::Cancel, QMessageBox::Ok);
        if (answer != QMessageBox::Ok) return;
    }
    QString error;
    if (!openProject(folder, &error)) {
        QMessageBox::warning(this, tr("Cannot Open Folder"),
                             tr("Tessera could not open “%1”.\n\n%2").arg(QDir::toNativeSeparators(folder), error));
        return;
    }
    const auto& store = document_->store();
    if (!store.restoredFrom().empty()) {
        QString text = tr("The project database of “%1” was missing or damaged. Tessera put its newest backup in "
                          "place:\n%2\n\nLabels made after that backup are not in it.")
                           .arg(QDir::toNativeSeparators(folder), nativePath(store.restoredFrom()));
        if (!store.damagedKeptAs().empty())
            text += tr("\n\nThe damaged file is kept as:\n%1").arg(nativePath(store.damagedKeptAs()));
        QMessageBox::warning(this, tr("Project Database Restored"), text);
    }
    if (!store.copiedFrom().empty())
        QMessageBox::information(
            this, tr("Read-Only Project"),
            tr("The project in “%1” cannot be changed where it is (a read-only folder or disc).\n\nTessera copied its "
               "labels, trainings and models to your user folder and works there:\n%2\n\nNothing is written into "
               "the photo folder.")
                .arg(QDir::toNativeSeparators(folder), nativePath(store.dataDir())));
}

void MainWindow::openFolderDialog() {
    const QString start = RecentProjects::list().value(0, QDir::homePath());
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a Folder of Find Photos"), start);
    if (!folder.isEmpty()) openInteractive(folder);
}

void MainWindow::closeProject() {
    // Every running job belongs to this project: the document cancels each and waits for it as it closes.
    document_->close();
    train_->projectChanged();
    thumbnails_->setCacheDir(QString());
    stack_->setCurrentWidget(welcome_);
    welcome_->refreshRecent();
    updateTitle();
    updateActions();
    updateCounts();
}

void MainWindow::setMode(Mode mode) {
    if (!document_->isOpen()) return;
    if (mode == Mode::Statistics) {
        statisticsMode_->setChecked(true);
        stack_->setCurrentWidget(statistics_);
    } else if (mode == Mode::Train) {
        trainMode_->setChecked(true);
        train_->setPreviewImage(selectedImagePath());
        stack_->setCurrentWidget(train_);
    } else if (mode == Mode::Review) {
        reviewMode_->setChecked(true);
        if (!review_->hasModel()) review_->reloadModel();
        stack_->setCurrentWidget(review_);
        review_->listView()->setFocus();
    } else if (mode == Mode::Map) {
        mapMode_->setChecked(true);
        stack_->setCurrentWidget(map_);
        map_->setFocus();
    } else {
        datasetMode_->setChecked(true);
        stack_->setCurrentWidget(dataset_);
        dataset_->listView()->setFocus();
    }
}

MainWindow::Mode MainWindow::mode() const {
    if (stack_->currentWidget() == statistics_) return Mode::Statistics;
    if (stack_->currentWidget() == train_) return Mode::Train;
    if (stack_->currentWidget() == review_) return Mode::Review;
    if (stack_->currentWidget() == map_) return Mode::Map;
    return Mode::Dataset;
}

void MainWindow::showInDataset(qint64 imageId) {
    setMode(Mode::Dataset);
    dataset_->selectImages({imageId});
}

QString MainWindow::selectedImagePath() const {
    if (!document_->isOpen()) return {};
    QVector<qint64> ids = dataset_->selectedImageIds();
    if (ids.isEmpty() && images_->rowCount() > 0) ids << images_->record(0).id;
    if (ids.isEmpty()) return {};
    auto record = document_->store().image(ids.front());
    if (!record.ok()) return {};
    return QString::fromStdString((document_->store().root() / record->relPath).string());
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList paths = RecentProjects::list();
    for (const QString& path : paths) {
        QAction* a = recentMenu_->addAction(QDir::toNativeSeparators(path));
        connect(a, &QAction::triggered, this, [this, path] { openInteractive(path); });
    }
    if (paths.isEmpty()) recentMenu_->addAction(tr("(none yet)"))->setEnabled(false);
    recentMenu_->addSeparator();
    recentMenu_->addAction(tr("Clear List"), this, [this] {
        RecentProjects::clear();
        welcome_->refreshRecent();
    })->setEnabled(!paths.isEmpty());
}

void MainWindow::updateTitle() {
    setWindowTitle(document_->isOpen() ? tr("%1 — Tessera").arg(document_->name()) : tr("Tessera"));
}

QString MainWindow::countsText() const {
    if (!document_->isOpen()) return tr("No project open");
    const QLocale loc;
    const auto c = images_->counts();
    return tr("%1 images · %2 labelled · %3 unlabelled · %4 with warnings")
        .arg(loc.toString(c.images), loc.toString(c.labelled), loc.toString(c.unlabelled), loc.toString(c.flagged));
}

void MainWindow::updateCounts() { countsLabel_->setText(countsText()); }

void MainWindow::updateActions() {
    const bool open = document_->isOpen();
    rescanAction_->setEnabled(open && !document_->isScanning());
    closeAction_->setEnabled(open);
    modeBar_->setVisible(open);
    datasetMode_->setEnabled(open);
    statisticsMode_->setEnabled(open);
    trainMode_->setEnabled(open);
    reviewMode_->setEnabled(open);
    mapMode_->setEnabled(open);
}

void MainWindow::onScanStarted() {
    scanLabel_->setText(tr("Scanning…"));
    scanBar_->setRange(0, 0);
    scanBox_->show();
    updateActions();
}

void MainWindow::onScanProgress(const QString& stage, qint64 done, qint64 total, const QString&) {
    const QLocale loc;
    if (total > 0) {
        // QProgressBar takes int; scale to per-mille so projects with more than 2^31 files still draw correctly.
        scanBar_->setRange(0, 1000);
        scanBar_->setValue(int(1000 * done / total));
        scanLabel_->setText(tr("Scanning (%1): %2 of %3").arg(stage, loc.toString(done), loc.toString(total)));
    } else {
        scanBar_->setRange(0, 0);
        scanLabel_->setText(done > 0 ? tr("Scanning (%1): %2").arg(stage, loc.toString(done))
                                     : tr("Scanning (%1)…").arg(stage));
    }
}

void MainWindow::onScanFinished(bool ok, const QString& summary) {
    scanBox_->hide();
    updateActions();
    if (ok) statusBar()->showMessage(summary, 15000);
    else QMessageBox::warning(this, tr("Scan Failed"), summary);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Tessera"),
                       tr("<h3>Tessera %1</h3><p>Image classifiers for archaeological finds: sort photos of finds "
                          "into classes, check the data, and train a classifier on this computer.</p>"
                          "<p>Your photos never leave this computer and are never modified.</p>")
                           .arg(QStringLiteral(TESSERA_VERSION)));
}

void MainWindow::showSystemCheck() {
    SystemCheckDialog dialog(document_, this);
    dialog.exec();
}

void MainWindow::showShortcuts() {
    QMessageBox::information(
        this, tr("Keyboard Shortcuts"),
        tr("<table cellspacing='4'>"
           "<tr><td><b>1 … 9</b></td><td>label the selected images with the class of that key</td></tr>"
           "<tr><td><b>0</b></td><td>remove the label of the selected images</td></tr>"
           "<tr><td><b>D</b></td><td>mark the labels of the selected images as disputed (left out of training), "
           "or clear it</td></tr>"
           "<tr><td><b>Ctrl+A</b></td><td>select all shown images</td></tr>"
           "<tr><td><b>Ctrl+Z / Ctrl+Shift+Z</b></td><td>undo / redo</td></tr>"
           "<tr><td><b>Ctrl+1 … Ctrl+5</b></td><td>Dataset / Statistics / Train / Review / Map mode</td></tr>"
           "<tr><td><b>Enter</b></td><td>Review: accept the model's call as the label</td></tr>"
           "<tr><td><b>Space</b></td><td>Review: skip to the next photo</td></tr>"
           "<tr><td><b>Ctrl+O</b></td><td>open a folder</td></tr>"
           "<tr><td><b>F5</b></td><td>rescan the folder</td></tr>"
           "<tr><td><b>Wheel / drag</b></td><td>zoom / pan in the viewer</td></tr></table>"));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    // Every job is cancelled and joined, and the worker threads end, while the views they report to are alive.
    document_->jobs().stop();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!localFolderFrom(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString folder = localFolderFrom(event->mimeData());
    if (folder.isEmpty()) return;
    event->acceptProposedAction();
    openInteractive(folder);
}

}  // namespace tessera::ui
