// tessera-cli suggest PROJECT [--weights FILE|zoo-name|bundle]: "label these next". Embeds the project's photos
// (cached under .tessera/embeddings), trains the quick model (a linear head) on the labelled ones and lists the most
// uncertain unlabelled photos, skipping near-duplicates of ones already listed.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/fewshot/quickmodel.h"

namespace tessera::cli {
namespace {

struct SuggestArgs {
    std::string project;
    FeatureArgs features;  // --weights, --size, --device
    int count = 20;
    std::string strategy = "margin";
    double maxSimilarity = learn::SuggestOptions::defaults().maxSimilarity;
    bool json = false;
    bool writePredictions = false;
    bool quiet = false;
};

int runSuggest(const SuggestArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (a.count < 1) return userError("-n must be at least 1");
    auto strategy = learn::parseUncertainty(a.strategy);
    if (!strategy) return userError("--strategy: " + strategy.error());

    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    auto qm = quickModelFor(a.project, a.features, ctx, a.quiet || a.json);
    if (!qm) return userError(qm.error());
    learn::SuggestOptions so;
    so.count = a.count;
    so.strategy = *strategy;
    so.maxSimilarity = a.maxSimilarity;
    const auto suggestions = qm->suggest(so);
    const auto& stats = qm->lastRefresh();
    int64_t runId = 0;
    if (a.writePredictions) {
        auto id = qm->writePredictions();
        if (!id) return userError(id.error());
        runId = *id;
    }
    const auto& names = qm->classNames();
    if (a.json) {
        nlohmann::json j;
        j["strategy"] = learn::uncertaintyName(*strategy);
        j["model_key"] = qm->modelKey();
        j["labelled"] = stats.labelled;
        j["unlabelled"] = stats.unlabelled;
        j["embedded"] = stats.embedded;
        j["reused"] = stats.reused;
        j["skipped"] = stats.skipped;
        if (!stats.cacheNotSaved.empty()) j["cache_not_saved"] = stats.cacheNotSaved;
        j["train_seconds"] = stats.trainSeconds;
        if (runId) j["run_id"] = runId;
        auto& list = j["suggestions"] = nlohmann::json::array();
        for (const auto& s : suggestions)
            list.push_back({{"file", s.relPath}, {"image_id", s.imageId}, {"uncertainty", s.uncertainty},
                            {"guess", names[size_t(s.classIndex)]}, {"p", s.confidence},
                            {"near_duplicate", s.nearDuplicate}});
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("quick model: %lld labelled, %lld unlabelled photos; %lld embeddings computed, %lld reused; "
                    "head trained in %.3f s\n",
                    (long long)stats.labelled, (long long)stats.unlabelled, (long long)stats.embedded,
                    (long long)stats.reused, stats.trainSeconds);
        printRefreshProblems(stats);
        std::printf("label these next (%s):\n", learn::uncertaintyName(*strategy).c_str());
        int rank = 0;
        for (const auto& s : suggestions)
            std::printf("%3d  %.3f  %-40s  guess %s (%.2f)%s\n", ++rank, s.uncertainty, s.relPath.c_str(),
                        names[size_t(s.classIndex)].c_str(), s.confidence, s.nearDuplicate ? "  [similar]" : "");
        if (suggestions.empty()) std::printf("  (no unlabelled photos)\n");
        if (runId) std::printf("predictions stored as run %lld (quick model)\n", (long long)runId);
    }
    return kOk;
}

const CommandRegistrar registrar{
    "suggest", "List the unlabelled photos to label next (most uncertain, diverse)", [](CLI::App& sub) {
        auto a = std::make_shared<SuggestArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        addFeatureOptions(sub, a->features);
        sub.add_option("-n,--count", a->count, "How many photos to suggest")->capture_default_str();
        sub.add_option("--strategy", a->strategy, "margin | entropy")->capture_default_str();
        sub.add_option("--max-similarity", a->maxSimilarity,
                       "Skip a photo whose embedding is more similar than this (cosine) to one already listed; 1 = off")
            ->capture_default_str();
        sub.add_flag("--write-predictions", a->writePredictions,
                     "Store the quick model's predictions in the project (a run of kind 'quick model')");
        sub.add_flag("--json", a->json, "Print JSON instead of a table");
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runSuggest(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
