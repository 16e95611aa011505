#pragma once
// The status bar's list of running jobs (JobRunner::jobs): "2 jobs: Training 40 %, Scanning the folder". Its menu
// lists each job with its progress and cancels the one picked. Hidden while nothing runs.
#include <QToolButton>

namespace tessera::ui {

class JobRunner;

class JobsIndicator : public QToolButton {
    Q_OBJECT
public:
    explicit JobsIndicator(JobRunner* jobs, QWidget* parent = nullptr);

private:
    void refresh();
    void showMenu();

    JobRunner* jobs_;
};

}  // namespace tessera::ui
