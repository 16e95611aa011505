// tessera-cli evaluate MODEL PROJECT: accuracy, per-class precision/recall and the confusion matrix of a trained
// model on the project's labelled photos (its validation split when it has one).
// tessera-cli evaluate --cv K [--repeats R] [MODEL] PROJECT: repeated K-fold cross-validation, grouped by find, of the
// recipe that trained MODEL (default: the project's active model; the default recipe when it has none), with
// --calibrate storing the temperature fitted on the out-of-fold scores in MODEL.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "app/cli/training.h"
#include "core/evaluate/calibration.h"
#include "core/evaluate/evaluator.h"
#include "core/train/labelledset.h"
#include "core/train/runcard.h"
#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/startingweights.h"
#include "core/project/projectstore.h"

namespace tessera::cli {
namespace {

struct EvalArgs {
    std::string model, project;
    learn::EvaluateOptions options = learn::EvaluateOptions::defaults();
    bool json = false;
    CrossValidationRequest crossValidation{{}, {}, learn::CrossValidationOptions{0, 1}, {}, {}};  // folds 0: score MODEL as it is
    bool calibrate = false;
    bool quiet = false;
};

// The recipe to cross-validate: the one that trained `model` (its run card), else the default recipe.
Expected<learn::TrainOptions> recipeOf(const std::string& model) {
    if (model.empty()) {
        std::fprintf(stderr, "cross-validating the default recipe (the project has no trained model yet)\n");
        auto recipe = learn::TrainOptions::defaults();
        recipe.weightsPath = nn::kAutoWeights;
        return recipe;
    }
    auto card = nn::ModelBundle::readRunCard(model);  // the run card alone: the weights are not needed
    if (!card) return card.takeError();
    if (!card->is_object() || !card->contains("options"))
        return makeError(model + ": the model carries no run card, so its recipe is unknown; cross-validate a recipe "
                                 "with 'tessera-cli train --cv K PROJECT' and its options instead");
    std::fprintf(stderr, "cross-validating the recipe that trained %s\n", model.c_str());
    return learn::RunCard::optionsFromJson((*card)["options"]);
}

// --calibrate stores a temperature fitted on scores over the classes the recipe trains on now: MODEL must still have
// exactly those (checked before the K trainings, and again before the model is rewritten).
Status sameClassesAsProject(const std::string& model, const std::string& project, const learn::TrainOptions& recipe) {
    auto manifest = nn::ModelBundle::readManifest(model);
    if (!manifest) return manifest.takeError();
    auto store = project::ProjectStore::open(project, /*create=*/false);
    if (!store) return store.takeError();
    auto options = learn::LabelledSetOptions::defaults();
    options.includeDisputed = recipe.includeDisputed;
    auto set = learn::LabelledSet::read(*store, options);
    if (!set) return set.takeError();
    if (manifest->classNames != set->classNames())
        return makeError(model + ": its classes are not the project's classes now (they were edited since it was "
                                 "trained); train it again before calibrating it");
    return {};
}

int runCrossValidationOfRecipe(EvalArgs& a) {
    // One positional with --cv is the project.
    if (a.project.empty()) std::swap(a.model, a.project);
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (a.model.empty()) {
        if (auto active = activeModelOf(a.project)) a.model = active->string();
        else if (a.calibrate) return userError(active.error());
    }
    auto recipe = recipeOf(a.model);
    if (!recipe) return userError(recipe.error());
    if (a.calibrate)
        if (auto st = sameClassesAsProject(a.model, a.project, *recipe); !st) return userError(st.error());
    recipe->device = a.options.device;
    recipe->threads = a.options.threads;
    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    auto weights = resolveWeights(recipe->weightsPath, recipe->arch, ctx);
    if (!weights) return userError("the recipe's starting weights: " + weights.error());
    recipe->weightsPath = *weights;
    if (auto st = learn::Trainer::validate(*recipe); !st) return userError(st.error());
    a.crossValidation.project = a.project;
    a.crossValidation.recipe = *recipe;
    auto report = runCrossValidation(a.crossValidation, bar, ctx);
    if (!report) return userError(report.error());
    if (!a.calibrate) return kOk;

    const auto& calibration = report->modelCalibration;
    if (auto st = sameClassesAsProject(a.model, a.project, *recipe); !st) return userError(st.error());
    if (!calibration.calibrated()) return userError("not calibrated: " + calibration.note);
    if (auto st = nn::ModelBundleIO::replaceCalibration(a.model, calibration); !st) return userError(st.error());
    std::printf("%s: %s\n", a.model.c_str(), learn::describeCalibration(calibration).c_str());
    return kOk;
}

int runEvaluate(EvalArgs& a) {
    if (a.crossValidation.cv.folds > 0) {
        if (a.json) return userError("--json goes without --cv; with --cv, --cv-json FILE writes the report as JSON");
        return runCrossValidationOfRecipe(a);
    }
    if (a.calibrate || !a.crossValidation.jsonOut.empty() || !a.crossValidation.reportOut.empty())
        return userError("--calibrate, --cv-json and --cv-report go with --cv K");
    if (a.model.empty() || a.project.empty()) return userError("evaluate needs MODEL and PROJECT (or --cv K PROJECT)");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(a.model, ec)) return userError(a.model + ": no such model file");
    if (!std::filesystem::is_directory(a.project, ec)) return userError(a.project + ": not a folder");
    if (a.options.subset != "auto" && a.options.subset != "all" && a.options.subset != "validation")
        return userError("--subset " + a.options.subset + ": expected auto, all or validation");
    ProgressBar bar(!a.json);
    auto rep = learn::Evaluator::evaluate(a.model, a.project, a.options, bar.context());
    if (!rep) {
        const bool internal = rep.error().rfind("evaluation failed", 0) == 0;
        std::fprintf(stderr, "tessera-cli: %s%s\n", internal ? "internal error: " : "error: ", rep.error().c_str());
        return internal ? kInternalError : kUserError;
    }
    const auto& r = *rep;
    if (a.json) {
        nlohmann::json j{{"subset", r.subset}, {"images", r.images}, {"accuracy", r.accuracy}, {"loss", r.loss},
                         {"classes", r.classNames}, {"precision", r.precision}, {"recall", r.recall},
                         {"confusion", r.confusion}, {"skipped", r.skipped},
                         {"disputed_left_out", r.disputedLeftOut}};
        std::printf("%s\n", j.dump(2).c_str());
        return kOk;
    }
    std::printf("%s: %lld photos (%s), accuracy %.3f, loss %.4f\n", a.model.c_str(), (long long)r.images,
                r.subset.c_str(), r.accuracy, r.loss);
    size_t w = 5;
    for (const auto& n : r.classNames) w = std::max(w, n.size());
    std::printf("\n%-*s  precision  recall  support\n", int(w), "class");
    for (size_t c = 0; c < r.classNames.size(); ++c) {
        long long support = 0;
        for (auto v : r.confusion[c]) support += v;
        std::printf("%-*s  %9.3f  %6.3f  %7lld\n", int(w), r.classNames[c].c_str(), r.precision[c], r.recall[c], support);
    }
    printConfusionMatrix("confusion matrix", r.classNames, r.confusion);
    if (r.disputedLeftOut > 0)
        std::printf("\n%lld labelled photo(s) of the project have disputed labels; none of them was scored "
                    "(tessera-cli dispute --list)\n",
                    static_cast<long long>(r.disputedLeftOut));
    if (!r.skipped.empty()) {
        std::printf("\nskipped %zu photo(s):\n", r.skipped.size());
        for (const auto& s : r.skipped) std::printf("  %s\n", s.c_str());
    }
    return kOk;
}

const CommandRegistrar registrar{
    "evaluate", "Score a trained model on a project's labelled photos", [](CLI::App& sub) {
        auto a = std::make_shared<EvalArgs>();
        sub.add_option("MODEL", a->model,
                       "Model bundle written by 'train' (<project>/.tessera/runs/<run>/model.tessera-model); with --cv "
                       "optional (default: the project's active model)");
        sub.add_option("PROJECT", a->project, "Project folder");
        sub.add_option("--subset", a->options.subset, "auto | validation | all")->capture_default_str();
        sub.add_option("--device", a->options.device, "auto | cpu | cuda")->capture_default_str();
        sub.add_option("--batch", a->options.batchSize, "Batch size")->capture_default_str();
        addThreadsOption(sub, "--threads", a->options.threads, "CPU threads");
        sub.add_flag("--json", a->json, "Print the report as JSON");
        addCrossValidationOptions(sub, a->crossValidation,
                                  "Cross-validate the recipe that trained MODEL instead: train K models, each without "
                                  "a K-th of the finds, and report accuracy with a 95 % interval, per-class recall, "
                                  "the confusion matrix and calibration");
        sub.add_flag("--calibrate", a->calibrate,
                     "With --cv: store the temperature fitted on the out-of-fold scores in MODEL, so that its scores "
                     "in predict and Review mean what they say");
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runEvaluate(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
