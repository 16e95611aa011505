#pragma once
// The map of the collection (learn::mapCollection) as a GUI job: opens the quick model on the chosen backbone
// (chooseBackbone: the active trained model, else cached ImageNet weights), refreshes it (embeddings come from the
// disk cache the quick model already filled; new photos are embedded), lays the photos out and runs the label
// check. A cancel stops it at its next check.
#include <QString>

#include <memory>

#include "core/fewshot/collectionmap.h"
#include "core/util/jobcontext.h"

namespace tessera::ui {

struct MapResult {
    QString root;          // the project it belongs to (results of a closed project are ignored)
    bool ok = false;
    QString message;       // the error, or a summary line
    QString backbone;      // whose features ("ImageNet resnet18 features")
    double seconds = 0.0;  // refresh + layout + label check
    std::shared_ptr<const learn::CollectionMap> map;  // set when ok
};

// Runs on a JobRunner thread (MapView starts it as a job; its progress and cancel are the job's).
MapResult computeMap(const QString& root, const QString& bundle, const learn::FeatureMapOptions& options,
                     const JobContext& context);

}  // namespace tessera::ui

