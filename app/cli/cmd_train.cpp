// tessera-cli train PROJECT: trains a classifier on the project's labelled photos (core/train Trainer), with a
// progress bar on stderr, one summary line per epoch on stdout and an optional JSON-lines metrics log.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "app/cli/training.h"
#include "core/evaluate/calibration.h"
#include "core/train/runcard.h"
#include "core/train/trainer.h"
#include "core/nn/startingweights.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

// A flag whose value is one of `table`'s names, parsed into `target` as the command line is read: an unknown name is
// refused with the choices before anything starts. --help lists the names and shows the default's.
template <typename E, size_t N>
void addChoice(CLI::App& app, const std::string& flag, E& target, const std::array<Named<E>, N>& table,
               Expected<E> (*parse)(std::string_view), const std::string& more = "") {
    app.add_option_function<std::string>(
           flag,
           [&target, parse, flag](const std::string& text) {
               auto value = parse(text);
               if (!value) throw CLI::ValidationError(flag, value.error());
               target = *value;
           },
           namesOf(table) + (more.empty() ? "" : " (" + more + ")"))
        ->default_str(nameOf(table, target));
}

struct TrainArgs {
    std::string project;
    std::string metricsLog;
    learn::TrainOptions options = learn::TrainOptions::defaults();
    bool quiet = false;
    CrossValidationRequest crossValidation{{}, {}, learn::CrossValidationOptions{0, 1}, {}, {}};  // folds 0: train one model
};

int runTrain(TrainArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (auto st = learn::Trainer::validate(a.options);
        !st && (a.options.weightsPath == nn::kNoWeights || a.options.weightsPath == nn::kAutoWeights))
        return userError(st.error());
    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    auto weights = resolveWeights(a.options.weightsPath, a.options.arch, ctx);
    if (!weights) return userError("--" + weights.error());
    a.options.weightsPath = *weights;
    if (auto st = learn::Trainer::validate(a.options); !st) return userError(st.error());
    if (a.crossValidation.cv.folds > 0) {
        a.crossValidation.project = a.project;
        a.crossValidation.recipe = a.options;
        auto report = runCrossValidation(a.crossValidation, bar, ctx);
        if (!report) return userError(report.error());
        std::printf("no model was kept: train without --cv for the model itself\n");
        return kOk;
    }

    std::unique_ptr<std::ofstream> log;
    if (!a.metricsLog.empty()) {
        log = std::make_unique<std::ofstream>(a.metricsLog, std::ios::trunc);
        if (!*log) return userError(a.metricsLog + ": cannot write the metrics log");
    }
    TrainingObserver observer(bar, log.get());
    learn::Trainer trainer(a.options);
    auto result = trainer.train(a.project, &observer, ctx);
    if (!result) {
        const bool internal = result.error().rfind("training failed", 0) == 0;
        std::cerr << "tessera-cli: " << (internal ? "internal error: " : "error: ") << result.error() << "\n";
        const auto kept = trainer.runFolder();
        std::error_code ec;
        if (!kept.empty() && fs::is_directory(kept, ec))
            std::cerr << "the run is kept in " << kept.string() << ": "
                      << (ctx.cancelled() ? "" : "once the cause is mended, ") << "the same command with --run-name "
                      << kept.filename().string() << " --resume continues it"
                      << (fs::exists(kept / "last.pt", ec) ? " from its last finished epoch" : "") << "\n";
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
    std::printf("%s\n", learn::describeCalibration(r.calibration).c_str());
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
        o.weightsPath = nn::kAutoWeights;
        sub.add_option("--weights", o.weightsPath,
                       "Starting weights: auto (ImageNet weights of --arch when cached, else none), none (from "
                       "scratch), a model-zoo name (downloaded if missing) or a .pth / .safetensors / .tessera-model "
                       "file")
            ->capture_default_str();
        addChoice(sub, "--mode", o.mode, learn::kTrainModeNames, learn::parseTrainMode);
        sub.add_option("--epochs", o.epochs, "Epochs")->capture_default_str();
        sub.add_option("--size", o.imageSize,
                       "Crop size in pixels fed to the network; 0 = automatic: 224 on a GPU, 128 on the CPU")
            ->capture_default_str();
        sub.add_option("--batch", o.batchSize,
                       "Batch size; 0 = automatic: 16 below 256 training photos, else 32; on a GPU up to 256 for "
                       "large collections (at least 64 steps per epoch, as its memory allows). Halved automatically "
                       "on GPU out-of-memory")
            ->capture_default_str();
        sub.add_option("--lr", o.lr, "Learning rate; 0 = automatic for the mode, optimizer and batch")
            ->capture_default_str();
        addChoice(sub, "--optimizer", o.optimizer, learn::kOptimizerNames, learn::parseOptimizer);
        addChoice(sub, "--schedule", o.schedule, learn::kScheduleNames, learn::parseSchedule);
        addChoice(sub, "--aug", o.augmentation, learn::kAugmentPresetNames, learn::parseAugmentPreset);
        addChoice(sub, "--framing", o.framing, learn::kFramingNames, learn::parseFraming,
                  "find: crop each photo to the find on its plain backdrop (a photo without one keeps its whole "
                  "frame); photo: the whole photo. The model keeps the choice for prediction");
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
        addChoice(sub, "--precision", o.precision, learn::kComputePrecisionNames, learn::parseComputePrecision,
                  "auto: bf16 on GPUs that have it, fp16 with loss scaling on older GPUs, fp32 on the CPU");
        addThreadsOption(sub, "--threads", o.threads, "CPU threads");
        sub.add_option("--run-name", o.runName, "Run folder name under .tessera/runs (default: time stamp)");
        sub.add_flag("--resume", o.resume, "Continue the newest unfinished run (or the one named by --run-name) from its last epoch checkpoint");
        sub.add_flag("--no-cache", [a](int64_t) { a->options.persistCache = false; },
                     "Do not keep decoded photos under .tessera/cache");
        sub.add_option("--metrics-log", a->metricsLog, "Write steps and epochs as JSON lines to this file");
        addCrossValidationOptions(sub, a->crossValidation,
                                  "Cross-validate this recipe instead: train K models, each without a K-th of the "
                                  "finds, and report accuracy with a 95 % interval, per-class recall, the confusion "
                                  "matrix and calibration (no model is kept; --val is ignored)");
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runTrain(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
