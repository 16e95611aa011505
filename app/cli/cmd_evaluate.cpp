// tessera-cli evaluate MODEL PROJECT: accuracy, per-class precision/recall and the confusion matrix of a trained
// model on the project's labelled photos (its validation split when it has one).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/learn/evaluator.h"

namespace tessera::cli {
namespace {

struct EvalArgs {
    std::string model, project;
    learn::EvaluateOptions options = learn::EvaluateOptions::defaults();
    bool json = false;
};

int runEvaluate(EvalArgs& a) {
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
        sub.add_option("MODEL", a->model, "Model bundle written by 'train' (<project>/.tessera/runs/<run>/model.tessera-model)")->required();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("--subset", a->options.subset, "auto | validation | all")->capture_default_str();
        sub.add_option("--device", a->options.device, "auto | cpu | cuda")->capture_default_str();
        sub.add_option("--batch", a->options.batchSize, "Batch size")->capture_default_str();
        addThreadsOption(sub, "--threads", a->options.threads, "CPU threads");
        sub.add_flag("--json", a->json, "Print the report as JSON");
        return [a] { return runEvaluate(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
