#include "core/train/runcard.h"

#include "core/util/filetext.h"
#include "core/util/jsonread.h"

namespace tessera::learn {

nlohmann::json RunCard::toJson(const TrainOptions& o) {
    return {{"arch", o.arch}, {"weights", o.weightsPath}, {"mode", nameOf(kTrainModeNames, o.mode)},
            {"epochs", o.epochs}, {"imageSize", o.imageSize}, {"batchSize", o.batchSize}, {"lr", o.lr},
            {"optimizer", nameOf(kOptimizerNames, o.optimizer)}, {"weightDecay", o.weightDecay},
            {"schedule", scheduleName(o.schedule)}, {"labelSmoothing", o.labelSmoothing},
            {"mixupAlpha", o.mixupAlpha}, {"cutmixAlpha", o.cutmixAlpha}, {"earlyStoppingPatience", o.earlyStoppingPatience},
            {"balancedSampling", o.balancedSampling}, {"augmentation", augmentPresetName(o.augmentation)},
            {"framing", framingName(o.framing)}, {"seed", o.seed}, {"device", o.device},
            {"precision", nameOf(kComputePrecisionNames, o.precision)}, {"threads", o.threads}, {"valFraction", o.valFraction},
            {"includeDisputed", o.includeDisputed}};
}

namespace {

// The choice a card names, or `fallback` where the card lacks it or names something unknown (a hand-edited card).
template <typename E>
E choiceOr(const nlohmann::json& j, const char* key, E fallback, Expected<E> (*parse)(std::string_view)) {
    auto parsed = parse(jsonValueOr(j, key, std::string()));
    return parsed ? *parsed : fallback;
}

}  // namespace

TrainOptions RunCard::optionsFromJson(const nlohmann::json& j) {
    TrainOptions o;
    if (!j.is_object()) return o;
    o.arch = jsonValueOr(j, "arch", o.arch);
    o.weightsPath = jsonValueOr(j, "weights", o.weightsPath);
    o.mode = choiceOr(j, "mode", o.mode, parseTrainMode);
    o.epochs = jsonValueOr(j, "epochs", o.epochs);
    o.imageSize = jsonValueOr(j, "imageSize", o.imageSize);
    o.batchSize = jsonValueOr(j, "batchSize", o.batchSize);
    o.lr = jsonValueOr(j, "lr", o.lr);
    o.optimizer = choiceOr(j, "optimizer", o.optimizer, parseOptimizer);
    o.weightDecay = jsonValueOr(j, "weightDecay", o.weightDecay);
    o.schedule = choiceOr(j, "schedule", o.schedule, parseSchedule);
    o.labelSmoothing = jsonValueOr(j, "labelSmoothing", o.labelSmoothing);
    o.mixupAlpha = jsonValueOr(j, "mixupAlpha", o.mixupAlpha);
    o.cutmixAlpha = jsonValueOr(j, "cutmixAlpha", o.cutmixAlpha);
    o.earlyStoppingPatience = jsonValueOr(j, "earlyStoppingPatience", o.earlyStoppingPatience);
    o.balancedSampling = jsonValueOr(j, "balancedSampling", o.balancedSampling);
    o.augmentation = choiceOr(j, "augmentation", o.augmentation, parseAugmentPreset);
    o.framing = choiceOr(j, "framing", o.framing, parseFraming);
    o.seed = jsonValueOr(j, "seed", o.seed);
    o.device = jsonValueOr(j, "device", o.device);
    o.precision = choiceOr(j, "precision", o.precision, parseComputePrecision);
    o.threads = jsonValueOr(j, "threads", o.threads);
    o.valFraction = jsonValueOr(j, "valFraction", o.valFraction);
    o.includeDisputed = jsonValueOr(j, "includeDisputed", o.includeDisputed);
    return o;
}

nlohmann::json RunCard::toJson(const EpochInfo& e) {
    return {{"epoch", e.epoch}, {"epochs", e.epochs}, {"trainLoss", e.trainLoss}, {"trainAcc", e.trainAcc},
            {"valLoss", e.valLoss}, {"valAcc", e.valAcc}, {"precision", e.precision}, {"recall", e.recall},
            {"confusion", e.confusion}, {"imagesPerSecond", e.imagesPerSecond}, {"etaSeconds", e.etaSeconds},
            {"best", e.best}};
}

std::optional<EpochInfo> RunCard::epochFromText(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("valAcc")) return std::nullopt;
    return epochFromJson(j);
}

std::optional<TrainOptions> RunCard::optionsFromText(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("arch")) return std::nullopt;
    return optionsFromJson(j);
}

EpochInfo RunCard::epochFromJson(const nlohmann::json& j) {
    EpochInfo e;
    if (!j.is_object()) return e;
    e.epoch = jsonValueOr(j, "epoch", e.epoch);
    e.epochs = jsonValueOr(j, "epochs", e.epochs);
    e.trainLoss = jsonValueOr(j, "trainLoss", e.trainLoss);
    e.trainAcc = jsonValueOr(j, "trainAcc", e.trainAcc);
    e.valLoss = jsonValueOr(j, "valLoss", e.valLoss);
    e.valAcc = jsonValueOr(j, "valAcc", e.valAcc);
    e.precision = jsonValueOr(j, "precision", e.precision);
    e.recall = jsonValueOr(j, "recall", e.recall);
    e.confusion = jsonValueOr(j, "confusion", e.confusion);
    e.imagesPerSecond = jsonValueOr(j, "imagesPerSecond", e.imagesPerSecond);
    e.etaSeconds = jsonValueOr(j, "etaSeconds", e.etaSeconds);
    e.best = jsonValueOr(j, "best", e.best);
    return e;
}

Expected<RunCardSummary> RunCard::parseSummary(const std::string& text, const std::string& source) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return makeError(source + ": not a run card (not a JSON object)");
    RunCardSummary out;
    if (const auto it = j.find("classes"); it != j.end() && it->is_array())
        for (const auto& c : *it)
            if (c.is_string()) out.classes.push_back(c.get<std::string>());
    if (const auto it = j.find("history"); it != j.end() && it->is_array())
        for (const auto& e : *it)
            if (e.is_object()) out.history.push_back(epochFromJson(e));
    return out;
}

Expected<RunCardSummary> RunCard::readSummary(const std::filesystem::path& file) {
    auto text = readFileText(file, kMaxFileBytes);
    if (!text) return text.takeError();
    return parseSummary(*text, file.string());
}

nlohmann::json RunCard::toJson(const StepInfo& s) {
    return {{"epoch", s.epoch}, {"step", s.step}, {"stepsPerEpoch", s.stepsPerEpoch}, {"loss", s.loss},
            {"lr", s.lr}, {"imagesPerSecond", s.imagesPerSecond}};
}

}  // namespace tessera::learn
