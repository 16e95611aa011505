#pragma once
// The scan as a GUI job (ProjectDocument runs it on its JobRunner): project::Scanner with its own ProjectStore, then
// the health flags derived from core statistics and stored, so the grid can filter without recomputing.
#include <QString>

#include "core/util/jobcontext.h"

namespace tessera::ui {

struct ScanOutcome {
    bool ok = false;
    QString summary;  // "Scan finished in 1.2 s: 160 images, 3 new", or the error
};

ScanOutcome scanProject(const QString& root, const JobContext& context);

}  // namespace tessera::ui
