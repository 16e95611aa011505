#pragma once
// The trainer's plain structs as Qt meta-types, for signals that carry them (queued from the training thread, or
// a run's history read from its card). Declared once, before any moc output uses them.
#include <QMetaType>

#include "core/train/crossvalidation.h"
#include "core/train/trainer.h"

Q_DECLARE_METATYPE(tessera::learn::EpochInfo)
Q_DECLARE_METATYPE(tessera::learn::TrainResult)
Q_DECLARE_METATYPE(tessera::learn::CrossValidationReport)
