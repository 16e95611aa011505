// tessera-cli train PROJECT: trains a classifier on the project's labelled photos (core/learn Trainer), with a
// progress bar on stderr, one summary line per epoch on stdout and an optional JSON-lines metrics log.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/learn/crossvalidation.h"
#include "core/learn/evaluationreport.h"
#include "core/learn/runcard.h"
#include "core/learn/trainer.h"
#include "core/nn/modelzoo.h"
#include "core/nn/weightscache.h"
#include "core/project/projectstore.h"
#include "core/stats/projectstatistics.h"
#include "core/util/atomicfile.h"

namespace tessera::cli {
namespace {


struct TrainArgs {
    std::string project;
    std::string metricsLog;
    learn::TrainOptions options = learn::TrainOptions::defaults();
    bool quiet = false;
    learn::CrossValidationOptions cv = learn::CrossValidationOptions{0, 1};  // folds 0: train one model
    std::string cvJson;
    std::string cvReport;
};

class CliObserver : public learn::TrainObserver {
public:
    CliObserver(ProgressBar& bar, std::ofstream* log) : bar_(bar), log_(log) {}
    void onStep(const learn::StepInfo& s) override {
        if (log_) *log_ << nlohmann::json{{"type", "step"}, {"data", learn::RunCard::toJson(s)}}.dump() << "\n";
        // Steps are counted, photos per second shown (smoothed over the last steps of the epoch).
        if (s.step == 0) smoothedRate_ = s.imagesPerSecond;
        smoothedRate_ = 0.8 * smoothedRate_ + 0.2 * s.imagesPerSecond;
        Progress p{"epoch " + std::to_string(s.epoch + 1), s.step + 1, s.stepsPerEpoch, {}};
        p.rate = smoothedRate_;
        p.rateUnit = "img";
        bar_.update(p);
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

constexpr const char* kAutoWeights = "auto";

// --weights auto (the default, as in the GUI): the ImageNet weights of --arch when they are in the cache, else a
// from-scratch start; says which, and how to get the weights. Nothing is downloaded without being asked for.
std::string automaticWeights(const std::string& arch) {
    auto zoo = nn::ModelZoo::load();
    const nn::ZooEntry* entry = zoo ? zoo->defaultFor(arch) : nullptr;
    if (!entry) {
        std::fprintf(stderr, "starting weights: none (no pretrained weights known for %s): training from scratch\n",
                     arch.c_str());
        return "none";
    }
    const nn::WeightsCache cache;
    const nn::CacheStatus st = cache.status(*entry);
    if (st.state == nn::CacheState::Present || st.state == nn::CacheState::Verified) {
        std::fprintf(stderr, "starting weights: ImageNet-pretrained %s (%s)\n", entry->name.c_str(), st.path.c_str());
        return st.path.string();
    }
    std::fprintf(stderr,
                 "starting weights: none -- the ImageNet weights for %s are not in %s, so this trains from scratch "
                 "(less accurate on small collections). Get them with 'tessera-cli weights download %s', or "
                 "offline 'tessera-cli weights import %s FILE'.\n",
                 arch.c_str(), cache.dir().c_str(), entry->name.c_str(), entry->name.c_str());
    return "none";
}

// --weights: "auto", "none" (random initialisation), else a file or a model-zoo name (resolveWeightsFile).
Expected<std::string> resolveWeights(const std::string& w, const std::string& arch, const JobContext& ctx) {
    if (w == kAutoWeights) return automaticWeights(arch);
    if (w.empty() || w == "none") return std::string("none");
    auto path = resolveWeightsFile(w, ctx);
    if (!path) return path.takeError();
    return path->string();
}

std::string percent(double p) {
    char text[16];
    std::snprintf(text, sizeof text, "%.1f", 100.0 * p);
    return text;
}

nlohmann::json intervalJson(const learn::Interval& i) { return {{"value", i.value}, {"low", i.low}, {"high", i.high}}; }

nlohmann::json calibrationJson(const learn::Calibration& c) {
    nlohmann::json bins = nlohmann::json::array();
    for (const auto& b : c.bins)
        bins.push_back({{"lower", b.lower}, {"upper", b.upper}, {"count", b.count}, {"confidence", b.confidence},
                        {"accuracy", b.accuracy}});
    return {{"ece", c.ece}, {"log_loss", c.logLoss}, {"bins", bins}};
}

nlohmann::json crossValidationJson(const learn::CrossValidationReport& r, const learn::TrainOptions& recipe) {
    nlohmann::json recall = nlohmann::json::array();
    for (size_t c = 0; c < r.classNames.size(); ++c)
        recall.push_back({{"class", r.classNames[c]}, {"photos", r.classPhotos[c]}, {"recall", intervalJson(r.recall[c])}});
    return {{"recipe", learn::RunCard::toJson(recipe)},
            {"folds", r.folds},
            {"repeats", r.repeats},
            {"photos", r.photos},
            {"finds", r.finds},
            {"classes", r.classNames},
            {"accuracy", intervalJson(r.accuracy)},
            {"repeat_accuracy", r.repeatAccuracy},
            {"fold_accuracy", r.foldAccuracy},
            {"per_class", recall},
            {"confusion", r.confusion},
            {"calibration", calibrationJson(r.calibration)},
            {"temperature", r.temperature},
            {"calibration_after_temperature", calibrationJson(r.calibrated)},
            {"disputed_left_out", r.disputedLeftOut},
            {"seconds", r.seconds}};
}

void printCrossValidation(const learn::CrossValidationReport& r, const learn::TrainOptions& o) {
    std::printf("cross-validated %s (%s, %d epochs, %d px) on %lld photos in %zu classes: %d folds x %d repeat(s), "
                "folds grouped by find, in %.1f min\n",
                o.arch.c_str(), o.mode.c_str(), o.epochs, o.imageSize, (long long)r.photos, r.classNames.size(),
                r.folds, r.repeats, r.seconds / 60.0);
    std::printf("accuracy %s %% (95 %% interval %s-%s %%, bootstrap over %lld finds)", percent(r.accuracy.value).c_str(),
                percent(r.accuracy.low).c_str(), percent(r.accuracy.high).c_str(), (long long)r.finds);
    if (r.repeats > 1) {
        std::printf("; per repeat:");
        for (double a : r.repeatAccuracy) std::printf(" %s", percent(a).c_str());
    }
    std::printf("\n");
    size_t w = 5;
    for (const auto& n : r.classNames) w = std::max(w, n.size());
    std::printf("\n%-*s  recall   95 %% interval  photos\n", int(w), "class");
    for (size_t c = 0; c < r.classNames.size(); ++c)
        std::printf("%-*s  %5s %%  %5s-%5s %%  %6lld\n", int(w), r.classNames[c].c_str(), percent(r.recall[c].value).c_str(),
                    percent(r.recall[c].low).c_str(), percent(r.recall[c].high).c_str(), (long long)r.classPhotos[c]);
    printConfusionMatrix("confusion matrix, summed over folds and repeats", r.classNames, r.confusion);
    std::printf("\ncalibration: expected calibration error %.3f (%zu bins), log loss %.3f; a temperature of %.2f "
                "fitted on these scores would give %.3f and %.3f\n",
                r.calibration.ece, r.calibration.bins.size(), r.calibration.logLoss, r.temperature, r.calibrated.ece,
                r.calibrated.logLoss);
    std::printf("reliability (confidence: photos, mean confidence, share right)\n");
    for (const auto& b : r.calibration.bins)
        if (b.count > 0)
            std::printf("  %3.0f-%3.0f %%: %6lld  %5s %%  %5s %%\n", 100 * b.lower, 100 * b.upper, (long long)b.count,
                        percent(b.confidence).c_str(), percent(b.accuracy).c_str());
    if (r.disputedLeftOut > 0)
        std::printf("%lld photo(s) with disputed labels were left out (--include-disputed to use them)\n",
                    (long long)r.disputedLeftOut);
    std::printf("no model was kept: train without --cv for the model itself\n");
}

// The HTML report: the dataset's statistics, the recipe as rows, the cross-validated figures.
Status writeCrossValidationReport(const TrainArgs& a, const learn::CrossValidationReport& report) {
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return store.takeError();
    auto statistics = stats::computeStatistics(*store);
    if (!statistics) return statistics.takeError();
    learn::EvaluationReportInput input;
    input.projectName = std::filesystem::absolute(a.project).lexically_normal().filename().string();
    if (input.projectName.empty()) input.projectName = a.project;
    input.projectRoot = store->root();
    const nlohmann::json recipe = learn::RunCard::toJson(a.options);  // items() must not outlive it
    for (const auto& [key, value] : recipe.items())
        input.settings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
    input.dataset = std::move(*statistics);
    input.cv = report;
    return learn::writeEvaluationReport(input, a.cvReport);
}

int runCrossValidation(const TrainArgs& a, ProgressBar& bar, const JobContext& ctx) {
    CliObserver observer(bar, nullptr);
    auto report = learn::crossValidate(a.project, a.options, a.cv, &observer, ctx);
    if (!report) return userError(report.error());
    printCrossValidation(*report, a.options);
    if (!a.cvJson.empty())
        if (auto st = util::writeFileAtomically(a.cvJson, crossValidationJson(*report, a.options).dump(2) + "\n"); !st)
            return userError(st.error());
    if (!a.cvReport.empty()) {
        if (auto st = writeCrossValidationReport(a, *report); !st) return userError(st.error());
        std::printf("report written to %s\n", a.cvReport.c_str());
    }
    return kOk;
}

int runTrain(TrainArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (auto st = learn::Trainer::validate(a.options);
        !st && (a.options.weightsPath == "none" || a.options.weightsPath == kAutoWeights))
        return userError(st.error());
    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    auto weights = resolveWeights(a.options.weightsPath, a.options.arch, ctx);
    if (!weights) return userError(weights.error());
    a.options.weightsPath = *weights;
    if (auto st = learn::Trainer::validate(a.options); !st) return userError(st.error());
    if (a.cv.folds > 0) return runCrossValidation(a, bar, ctx);

    std::unique_ptr<std::ofstream> log;
    if (!a.metricsLog.empty()) {
        log = std::make_unique<std::ofstream>(a.metricsLog, std::ios::trunc);
        if (!*log) return userError(a.metricsLog + ": cannot write the metrics log");
    }
    CliObserver observer(bar, log.get());
    learn::Trainer trainer(a.options);
    auto result = trainer.train(a.project, &observer, ctx);
    if (!result) {
        const bool internal = result.error().rfind("training failed", 0) == 0;
        std::cerr << "tessera-cli: " << (internal ? "internal error: " : "error: ") << result.error() << "\n";
        return internal ? kInternalError : kUserError;
    }
    const auto& r = *result;
    if (log) *log << nlohmann::json{{"type", "result"}, {"bundle", r.bundlePath.string()}, {"card", r.cardPath.string()},
                                     {"trainImagesPerSecond", r.trainImagesPerSecond}, {"seconds", r.seconds},
                                     {"precision", r.precision}}.dump()
                  << "\n";
    const auto& last = r.history.back();
    std::printf("trained %zu classes on %lld photos (%lld validation) in %.1f s on %s (%s), %.1f train img/s\n",
                r.classNames.size(), (long long)r.trainImages, (long long)r.valImages, r.seconds, r.device.c_str(),
                r.precision.c_str(), r.trainImagesPerSecond);
    std::printf("final val acc %.3f, val loss %.4f%s\n", last.valAcc, last.valLoss,
                r.stoppedEarly ? " (stopped early)" : "");
    if (!r.skipped.empty()) std::printf("skipped %zu unreadable photo(s), listed in %s\n", r.skipped.size(), r.cardPath.c_str());
    std::printf("model written to %s\nrun card: %s\n", r.bundlePath.c_str(), r.cardPath.c_str());
    if (r.becameActiveModel)
        std::printf("this is now the project's active model: Review and Dataset show its predictions, and "
                    "'tessera-cli predict %s --out FILE' uses it\n", a.project.c_str());
    else
        std::printf("the project's active model is unchanged; choose this run in Train mode ('Use this model') to "
                    "make it active\n");
    return kOk;
}

const CommandRegistrar registrar{
    "train", "Train a classifier on the project's labelled photos", [](CLI::App& sub) {
        auto a = std::make_shared<TrainArgs>();
        auto& o = a->options;
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("--arch", o.arch, "resnet18 | resnet34 | resnet50")->capture_default_str();
        o.weightsPath = kAutoWeights;
        sub.add_option("--weights", o.weightsPath,
                       "Starting weights: auto (ImageNet weights of --arch when cached, else none), none (from "
                       "scratch), a model-zoo name (downloaded if missing) or a .pth / .safetensors / .tessera-model "
                       "file")
            ->capture_default_str();
        sub.add_option("--mode", o.mode, "linear-probe | partial | full")->capture_default_str();
        sub.add_option("--epochs", o.epochs, "Epochs")->capture_default_str();
        sub.add_option("--size", o.imageSize, "Crop size in pixels fed to the network")->capture_default_str();
        sub.add_option("--batch", o.batchSize,
                       "Batch size; 0 = automatic: 16 below 2,000 training photos, else 32 (halved automatically on "
                       "GPU out-of-memory)")
            ->capture_default_str();
        sub.add_option("--lr", o.lr, "Learning rate; 0 = automatic for the mode and optimizer")->capture_default_str();
        sub.add_option("--optimizer", o.optimizer, "adamw | sgd")->capture_default_str();
        sub.add_option("--schedule", o.schedule, "warmup-cosine | onecycle")->capture_default_str();
        sub.add_option("--aug", o.augmentation, "none | light | strong | archaeology")->capture_default_str();
        sub.add_option("--framing", o.framing,
                       "find: crop each photo to the find on its plain backdrop (a photo without one keeps its whole "
                       "frame); photo: the whole photo. The model keeps the choice for prediction")
            ->capture_default_str();
        sub.add_option("--mixup", o.mixupAlpha, "Mixup alpha (0 = off)")->capture_default_str();
        sub.add_option("--cutmix", o.cutmixAlpha,
                       "CutMix alpha (0 = off; with --mixup, one or the other per batch)")->capture_default_str();
        sub.add_option("--label-smoothing", o.labelSmoothing, "Label smoothing")->capture_default_str();
        sub.add_option("--patience", o.earlyStoppingPatience, "Early stopping patience in epochs (0 = off)")
            ->capture_default_str();
        sub.add_flag("--balanced", o.balancedSampling, "Draw every class equally often");
        sub.add_option("--val", o.valFraction, "Validation fraction per class")->capture_default_str();
        sub.add_flag("--include-disputed", o.includeDisputed,
                     "Train on labels marked as disputed too (tessera-cli dispute); by default they are left out");
        sub.add_option("--seed", o.seed, "Random seed")->capture_default_str();
        sub.add_option("--device", o.device, "auto | cpu | cuda")->capture_default_str();
        sub.add_option("--precision", o.precision,
                       "auto | fp32 | bf16 | fp16 (auto: bf16 on GPUs and CPUs that have it, fp16 on older GPUs, "
                       "else fp32)")
            ->capture_default_str();
        addThreadsOption(sub, "--threads", o.threads, "CPU threads");
        sub.add_option("--run-name", o.runName, "Run folder name under .tessera/runs (default: time stamp)");
        sub.add_flag("--resume", o.resume, "Continue the newest unfinished run (or the one named by --run-name) from its last epoch checkpoint");
        sub.add_flag("--no-cache", [a](int64_t) { a->options.persistCache = false; },
                     "Do not keep decoded photos under .tessera/cache");
        sub.add_option("--metrics-log", a->metricsLog, "Write steps and epochs as JSON lines to this file");
        sub.add_option("--cv", a->cv.folds,
                       "Cross-validate this recipe instead: train K models, each without a K-th of the finds, and "
                       "report accuracy with a 95 % interval, per-class recall, the confusion matrix and calibration "
                       "(no model is kept; --val is ignored)")
            ->check(CLI::Range(2, 20));
        sub.add_option("--repeats", a->cv.repeats, "With --cv: repeat with reshuffled folds and seeds")
            ->check(CLI::Range(1, 100))
            ->capture_default_str();
        sub.add_option("--cv-json", a->cvJson, "With --cv: write the report as JSON to this file");
        sub.add_option("--cv-report", a->cvReport,
                       "With --cv: write a self-contained HTML report (dataset, settings, figures with intervals, "
                       "confusion matrix, reliability diagram, most confused photos) to this file");
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runTrain(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
