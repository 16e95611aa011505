#include "app/cli/training.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "core/evaluate/evaluationreport.h"
#include "core/train/runcard.h"
#include "core/nn/startingweights.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"

namespace tessera::cli {

namespace {

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
    const std::string size = o.imageSize > 0 ? std::to_string(o.imageSize) + " px" : "automatic size";
    std::printf("cross-validated %s (%s, %d epochs, %s) on %lld photos in %zu classes: %d folds x %d repeat(s), "
                "folds grouped by find, in %.1f min\n",
                o.arch.c_str(), nameOf(learn::kTrainModeNames, o.mode).c_str(), o.epochs, size.c_str(), (long long)r.photos, r.classNames.size(),
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
}

// The HTML report: the dataset's statistics, the recipe as rows, the cross-validated figures.

}  // namespace

Expected<std::string> resolveWeights(const std::string& w, const std::string& arch, const JobContext& ctx) {
    auto weights = nn::resolveStartingWeights(w, arch, nn::WeightsFetch::Download, ctx);
    if (!weights) return weights.takeError();
    std::fprintf(stderr, "starting weights: %s%s%s\n", weights->description.c_str(), weights->advice.empty() ? "" : ". ",
                 weights->advice.c_str());
    return weights->weightsPath();
}

void addCrossValidationOptions(CLI::App& app, CrossValidationRequest& request, const std::string& what) {
    app.add_option("--cv", request.cv.folds, what)->check(CLI::Range(2, 20));
    app.add_option("--repeats", request.cv.repeats, "With --cv: repeat with reshuffled folds and seeds")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    app.add_option("--cv-json", request.jsonOut, "With --cv: write the report as JSON to this file");
    app.add_option("--cv-report", request.reportOut,
                   "With --cv: write a self-contained HTML report (dataset, settings, figures with intervals, "
                   "confusion matrix, reliability diagram, most confused photos) to this file");
}

Expected<learn::CrossValidationReport> runCrossValidation(const CrossValidationRequest& a, ProgressBar& bar,
                                                         const JobContext& ctx) {
    TrainingObserver observer(bar, nullptr);
    auto report = learn::crossValidate(a.project, a.recipe, a.cv, &observer, ctx);
    if (!report) return report.takeError();
    printCrossValidation(*report, a.recipe);
    if (!a.jsonOut.empty())
        if (auto st = util::writeFileAtomically(a.jsonOut, crossValidationJson(*report, a.recipe).dump(2) + "\n"); !st)
            return st.takeError();
    if (!a.reportOut.empty()) {
        auto store = project::ProjectStore::open(a.project, false);
        if (!store) return store.takeError();
        if (auto st = learn::writeCrossValidationReport(*store, a.recipe, *report, a.reportOut); !st)
            return st.takeError();
        std::printf("report written to %s\n", a.reportOut.c_str());
    }
    return report;
}

}  // namespace tessera::cli
