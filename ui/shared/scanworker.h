#pragma once
// Runs project::Scanner on a worker thread (moved there by ProjectDocument) with its own ProjectStore, then derives
// the health flags from core statistics and stores them so the GUI can filter without recomputing. Core progress
// callbacks become queued signals, rate-limited to about ten per second.
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include "core/util/jobcontext.h"

namespace tessera::ui {

class ScanWorker : public QObject {
    Q_OBJECT
public:
    explicit ScanWorker(CancelToken cancel) : cancel_(std::move(cancel)) {}

    static constexpr int kMinProgressIntervalMs = 100;

public slots:
    void scan(const QString& root);

signals:
    void progress(const QString& stage, qint64 done, qint64 total, const QString& message);
    void finished(bool ok, const QString& summary);

private:
    CancelToken cancel_;
};

}  // namespace tessera::ui
