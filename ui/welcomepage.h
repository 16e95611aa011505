#pragma once
// What the window shows while no project is open: what Tessera does, a big "Open a folder" button and the recent
// projects. Dropping a folder anywhere on the window also opens it.
#include <QWidget>

class QListWidget;
class QLabel;

namespace tessera::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    void refreshRecent();

signals:
    void openFolderRequested();
    void openRecentRequested(const QString& path);

private:
    QListWidget* recent_;
    QLabel* recentTitle_;
};

}  // namespace tessera::ui
