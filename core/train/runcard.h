#pragma once
// JSON forms of the trainer's plain structs: options, epoch metrics (checkpoints, run card, metrics log) and the run
// card itself (what was trained on what, with which software, and how it went), so a run can be audited later.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/train/trainer.h"

namespace tessera::learn {

// What Train mode shows of a finished run: its classes (index = logit index) and its per-epoch curves.
struct RunCardSummary {
    std::vector<std::string> classes;
    std::vector<EpochInfo> history;
};

class RunCard {
public:
    static nlohmann::json toJson(const TrainOptions& options);
    // The recipe back from a run card's "options" (to repeat or cross-validate it). Never throws: a field that is
    // missing or of the wrong type keeps its default; the Trainer validates the values.
    static TrainOptions optionsFromJson(const nlohmann::json& j);
    static nlohmann::json toJson(const EpochInfo& epoch);
    // Never throws: a field that is missing or of the wrong type keeps its default (a run card or checkpoint is a
    // file anyone may have edited).
    static EpochInfo epochFromJson(const nlohmann::json& j);
    // A run record's JSON columns (ProjectStore::runs: metricsJson, optionsJson) as a list of runs shows them: the
    // shipped epoch's figures and the training options, or nothing where the run has none (a quick-model run, one
    // that ended before its first epoch, text that is not a JSON object).
    static std::optional<EpochInfo> epochFromText(const std::string& text);
    static std::optional<TrainOptions> optionsFromText(const std::string& text);
    // Reads run card text (runcard.json in a run folder or a model bundle). Not JSON, or not an object, is an error
    // naming `source`; entries of the wrong type are skipped.
    static Expected<RunCardSummary> parseSummary(const std::string& text, const std::string& source);
    static Expected<RunCardSummary> readSummary(const std::filesystem::path& file);
    static constexpr uintmax_t kMaxFileBytes = 64u << 20;  // the same ceiling as a bundle's runcard.json
    static nlohmann::json toJson(const StepInfo& step);
};

}  // namespace tessera::learn
