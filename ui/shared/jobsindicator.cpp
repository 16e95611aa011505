#include "ui/shared/jobsindicator.h"

#include <QMenu>
#include <QStringList>

#include <algorithm>

#include "ui/shared/jobrunner.h"

namespace tessera::ui {

namespace {

QString describe(const JobStatus& job) {
    const Progress& p = job.progress;
    if (p.total > 0) return QObject::tr("%1 %2 %").arg(job.name).arg(100 * std::min(p.done, p.total) / p.total);
    return job.name;
}

}  // namespace

JobsIndicator::JobsIndicator(JobRunner* jobs, QWidget* parent) : QToolButton(parent), jobs_(jobs) {
    setAutoRaise(true);
    setToolTip(tr("Work running in the background; click to cancel a job"));
    connect(jobs_, &JobRunner::jobsChanged, this, &JobsIndicator::refresh);
    connect(jobs_, &JobRunner::progressed, this, &JobsIndicator::refresh);
    connect(this, &QToolButton::clicked, this, &JobsIndicator::showMenu);
    refresh();
}

void JobsIndicator::refresh() {
    const auto jobs = jobs_->jobs();
    setVisible(!jobs.isEmpty());
    QStringList parts;
    for (const auto& job : jobs) parts << describe(job);
    setText(jobs.size() == 1 ? parts.value(0) : tr("%1 jobs: %2").arg(jobs.size()).arg(parts.join(QStringLiteral(", "))));
}

void JobsIndicator::showMenu() {
    QMenu menu(this);
    for (const auto& job : jobs_->jobs()) {
        const int id = job.id;
        menu.addAction(tr("Cancel: %1").arg(describe(job)), this, [this, id] { jobs_->cancel(id); });
    }
    if (!menu.isEmpty()) menu.exec(mapToGlobal(QPoint(0, 0)) - QPoint(0, menu.sizeHint().height()));
}

}  // namespace tessera::ui
