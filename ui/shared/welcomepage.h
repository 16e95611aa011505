#pragma once
// What the window shows while no project is open: what Tessera does, a big "Open a folder" button and the recent
// projects, and a generated demo project for a first look. Dropping a folder anywhere on the window also opens it.
#include <QWidget>

class QListWidget;
class QLabel;
class QPushButton;

namespace tessera::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    void refreshRecent();
    void setDemoBusy(bool busy, const QString& message = QString());

signals:
    void openFolderRequested();
    void openRecentRequested(const QString& path);
    void openDemoRequested();

private:
    QListWidget* recent_;
    QLabel* recentTitle_;
    QPushButton* demo_;
    QLabel* demoStatus_;
};

}  // namespace tessera::ui
