#include "core/learn/runcard.h"

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

EpochInfo RunCard::epochFromJson(const nlohmann::json& j) {
    EpochInfo e;
    e.epoch = j.value("epoch", 0);
    e.epochs = j.value("epochs", 0);
    e.trainLoss = j.value("trainLoss", 0.0);
    e.trainAcc = j.value("trainAcc", 0.0);
    e.valLoss = j.value("valLoss", 0.0);
    e.valAcc = j.value("valAcc", 0.0);
    e.precision = j.value("precision", std::vector<double>{});
    e.recall = j.value("recall", std::vector<double>{});
    e.confusion = j.value("confusion", std::vector<std::vector<int64_t>>{});
    e.imagesPerSecond = j.value("imagesPerSecond", 0.0);
    e.etaSeconds = j.value("etaSeconds", 0.0);
    e.best = j.value("best", false);
    return e;
}

nlohmann::json RunCard::toJson(const StepInfo& s) {
    return {{"epoch", s.epoch}, {"step", s.step}, {"stepsPerEpoch", s.stepsPerEpoch}, {"loss", s.loss},
            {"lr", s.lr}, {"imagesPerSecond", s.imagesPerSecond}};
}

}  // namespace tessera::learn
