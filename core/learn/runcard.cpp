#include "core/learn/runcard.h"

#include "core/util/filetext.h"

namespace tessera::learn {

nlohmann::json RunCard::toJson(const TrainOptions& o) {
    return {{"arch", o.arch}, {"weights", o.weightsPath}, {"mode", o.mode}, {"epochs", o.epochs},
            {"imageSize", o.imageSize}, {"batchSize", o.batchSize}, {"lr", o.lr}, {"optimizer", o.optimizer},
            {"weightDecay", o.weightDecay}, {"schedule", o.schedule}, {"labelSmoothing", o.labelSmoothing},
            {"mixupAlpha", o.mixupAlpha}, {"cutmixAlpha", o.cutmixAlpha}, {"earlyStoppingPatience", o.earlyStoppingPatience},
            {"balancedSampling", o.balancedSampling}, {"augmentation", o.augmentation}, {"seed", o.seed},
            {"device", o.device}, {"precision", o.precision}, {"threads", o.threads}, {"valFraction", o.valFraction}};
}

nlohmann::json RunCard::toJson(const EpochInfo& e) {
    return {{"epoch", e.epoch}, {"epochs", e.epochs}, {"trainLoss", e.trainLoss}, {"trainAcc", e.trainAcc},
            {"valLoss", e.valLoss}, {"valAcc", e.valAcc}, {"precision", e.precision}, {"recall", e.recall},
            {"confusion", e.confusion}, {"imagesPerSecond", e.imagesPerSecond}, {"etaSeconds", e.etaSeconds},
            {"best", e.best}};
}

namespace {

// j[key] as T, or `fallback` when the key is missing or holds another type.
template <typename T>
T valueOr(const nlohmann::json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        return fallback;
    }
}

}  // namespace

EpochInfo RunCard::epochFromJson(const nlohmann::json& j) {
    EpochInfo e;
    if (!j.is_object()) return e;
    e.epoch = valueOr(j, "epoch", e.epoch);
    e.epochs = valueOr(j, "epochs", e.epochs);
    e.trainLoss = valueOr(j, "trainLoss", e.trainLoss);
    e.trainAcc = valueOr(j, "trainAcc", e.trainAcc);
    e.valLoss = valueOr(j, "valLoss", e.valLoss);
    e.valAcc = valueOr(j, "valAcc", e.valAcc);
    e.precision = valueOr(j, "precision", e.precision);
    e.recall = valueOr(j, "recall", e.recall);
    e.confusion = valueOr(j, "confusion", e.confusion);
    e.imagesPerSecond = valueOr(j, "imagesPerSecond", e.imagesPerSecond);
    e.etaSeconds = valueOr(j, "etaSeconds", e.etaSeconds);
    e.best = valueOr(j, "best", e.best);
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
