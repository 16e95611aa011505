#pragma once
// JSON forms of the trainer's plain structs: options, epoch metrics (checkpoints, run card, metrics log) and the run
// card itself (what was trained on what, with which software, and how it went), so a run can be audited later.
#include <nlohmann/json.hpp>

#include "core/learn/trainer.h"

namespace tessera::learn {

class RunCard {
public:
    static nlohmann::json toJson(const TrainOptions& options);
    static nlohmann::json toJson(const EpochInfo& epoch);
    static EpochInfo epochFromJson(const nlohmann::json& j);
    static nlohmann::json toJson(const StepInfo& step);
};

}  // namespace tessera::learn
