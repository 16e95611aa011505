#pragma once
// The one Tessera window: a mode bar on the left (Dataset, Statistics, Train, Review, Map), the welcome page while no project is open,
// menus, and a status bar with the device, the project's counts and the progress of a running scan.
#include <QMainWindow>

#include <filesystem>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QToolBar;
class QToolButton;

namespace tessera::ui {

class DatasetView;
class ImageListModel;
class MapView;
class ProjectDocument;
class ReviewView;
class StatisticsView;
class ThumbnailProvider;
class TrainView;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Mode { Dataset, Statistics, Train, Review, Map };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or creates) the project in `folder` and starts a scan. On failure shows nothing when `error` is given.
    bool openProject(const QString& folder, QString* error = nullptr);
    // Opens `folder` as the Open menu does: asks first where a question is due (photos moved away from their
    // per-user project, a read-only folder) and shows failures and notices in message boxes.
    void openInteractive(const QString& folder);
    // Where the demo project is generated on first use: $TESSERA_DEMO_DIR when set (as packaging/quickstart.sh
    // uses it for the CLI, so both open the same demo; tests point it at a temp folder), else a user-writable
    // application data folder.
    static QString demoFolder();
    void closeProject();
    void setMode(Mode mode);
    Mode mode() const;

    ProjectDocument* document() const { return document_; }
    ImageListModel* imageModel() const { return images_; }
    ThumbnailProvider* thumbnails() const { return thumbnails_; }
    DatasetView* datasetView() const { return dataset_; }
    StatisticsView* statisticsView() const { return statistics_; }
    TrainView* trainView() const { return train_; }
    ReviewView* reviewView() const { return review_; }
    MapView* mapView() const { return map_; }
    QString countsText() const;

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createStatusBar();
    void openFolderDialog();
    // For a folder without a project: when per-user projects have lost their photo folder, asks whether these are
    // those photos, moved, and re-points the chosen one (repointUserProject). False when the user cancelled.
    bool offerMovedProject(const std::filesystem::path& root);
    void rebuildRecentMenu();
    void updateTitle();
    void updateCounts();
    void updateActions();
    void onScanStarted();
    void onScanProgress(const QString& stage, qint64 done, qint64 total, const QString& message);
    void onScanFinished(bool ok, const QString& summary);
    void showAbout();
    void showSystemCheck();
    void showShortcuts();
    void showInDataset(qint64 imageId);
    void openDemo();
    QString selectedImagePath() const;

    ProjectDocument* document_;
    ThumbnailProvider* thumbnails_;
    ImageListModel* images_;
    QStackedWidget* stack_;
    WelcomePage* welcome_;
    DatasetView* dataset_;
    StatisticsView* statistics_;
    TrainView* train_;
    ReviewView* review_;
    MapView* map_;
    QToolBar* modeBar_;
    QActionGroup* modeGroup_;
    QAction *datasetMode_, *statisticsMode_, *trainMode_, *reviewMode_, *mapMode_;
    QAction *openAction_, *rescanAction_, *closeAction_, *quitAction_, *undoAction_, *redoAction_;
    QMenu* recentMenu_;
    QLabel* countsLabel_;
    QLabel* deviceLabel_;
    QWidget* scanBox_;
    QLabel* scanLabel_;
    QProgressBar* scanBar_;
    QToolButton* scanCancel_;
};

}  // namespace tessera::ui
