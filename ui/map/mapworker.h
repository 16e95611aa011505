#pragma once
// The map of the collection (learn::mapCollection) on a worker thread: opens the quick model on the chosen backbone
// (chooseBackbone: the active trained model, else cached ImageNet weights), refreshes it (embeddings come from the
// disk cache the quick model already filled; new photos are embedded), lays the photos out and runs the label
// check. One computation at a time; progress a few times a second; a cancel stops it at its next check.
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

#include "core/fewshot/collectionmap.h"
#include "core/util/jobcontext.h"

namespace tessera::ui {

struct MapResult {
    QString root;          // the project it belongs to (results of a closed project are ignored)
    int request = 0;       // the compute() call it answers: the view takes only its latest
    bool ok = false;
    QString message;       // the error, or a summary line
    QString backbone;      // whose features ("ImageNet resnet18 features")
    double seconds = 0.0;  // refresh + layout + label check
    std::shared_ptr<const learn::CollectionMap> map;  // set when ok
};

class MapWorker : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressIntervalMs = 200;
    MapWorker();

    // Run on the worker thread (invoke queued).
    void compute(int request, const QString& root, const QString& bundle, const learn::FeatureMapOptions& options,
                 tessera::CancelToken cancel);

signals:
    void progress(int request, const QString& stage, qint64 done, qint64 total);
    void finished(const tessera::ui::MapResult& result);
};

}  // namespace tessera::ui

Q_DECLARE_METATYPE(tessera::ui::MapResult)
