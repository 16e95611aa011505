#pragma once
// What `train` and `evaluate --cv` share: the progress and epoch lines of a training run, the starting weights the
// user asked for (--weights auto | none | a name | a file), and a cross-validation run with its printed summary and
// its JSON and HTML reports.
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "core/train/crossvalidation.h"
#include "core/train/runcard.h"
#include "core/train/trainer.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::cli {

// Steps on the progress bar, one line per epoch on stdout, messages on stderr; with a log, all as JSON lines.
class TrainingObserver : public learn::TrainObserver {
public:
    TrainingObserver(ProgressBar& bar, std::ofstream* log) : bar_(bar), log_(log) {}
    void onStep(const learn::StepInfo& s) override {
        if (log_) *log_ << nlohmann::json{{"type", "step"}, {"data", learn::RunCard::toJson(s)}}.dump() << "\n";
        // Steps are counted, photos per second shown (smoothed over the last steps of the epoch).
        if (s.step == 0) smoothedRate_ = s.imagesPerSecond;
        smoothedRate_ = 0.8 * smoothedRate_ + 0.2 * s.imagesPerSecond;
        bar_.update(Progress{.stage = "epoch " + std::to_string(s.epoch + 1),
                             .done = s.step + 1,
                             .total = s.stepsPerEpoch,
                             .rate = smoothedRate_,
                             .rateUnit = "img"});
    }
    void onEpoch(const learn::EpochInfo& e) override {
        if (log_) {
            *log_ << nlohmann::json{{"type", "epoch"}, {"data", learn::RunCard::toJson(e)}}.dump() << "\n";
            log_->flush();
        }
        std::fprintf(stdout, "epoch %d/%d  train loss %.4f acc %.3f  val loss %.4f acc %.3f  %.1f img/s%s\n",
                     e.epoch + 1, e.epochs, e.trainLoss, e.trainAcc, e.valLoss, e.valAcc, e.imagesPerSecond,
                     e.best ? "  (best)" : "");
        std::fflush(stdout);
    }
    void onMessage(const std::string& m) override {
        if (log_) *log_ << nlohmann::json{{"type", "message"}, {"text", m}}.dump() << "\n";
        std::fprintf(stderr, "%s\n", m.c_str());
    }

private:
    ProgressBar& bar_;
    std::ofstream* log_;
    double smoothedRate_ = 0.0;
};

// --weights (auto | none | a model-zoo name | a file; see nn::resolveStartingWeights) as the file to train from,
// downloading a named entry when it is missing; says on stderr which weights it is, and how to get them when "auto"
// found none.
Expected<std::string> resolveWeights(const std::string& weights, const std::string& arch, const JobContext& ctx);

struct CrossValidationRequest {
    std::string project;
    learn::TrainOptions recipe;  // weightsPath already resolved
    learn::CrossValidationOptions cv;
    std::string jsonOut;    // empty: no JSON file
    std::string reportOut;  // empty: no HTML report
};

// --cv K (described by `what`), --repeats, --cv-json and --cv-report into `request`.
void addCrossValidationOptions(CLI::App& app, CrossValidationRequest& request, const std::string& what);

// Cross-validates the recipe, prints the summary, writes the files asked for; errors name what failed.
Expected<learn::CrossValidationReport> runCrossValidation(const CrossValidationRequest& request, ProgressBar& bar,
                                                         const JobContext& ctx);

}  // namespace tessera::cli
