// tessera-cli stats DIR: resolution statistics, class balance and data-health flags of an existing project, as an
// aligned table or as JSON for scripts (JSON alone on stdout; messages go to stderr).
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/projectstore.h"
#include "core/stats/statsreport.h"

namespace tessera::cli {
namespace {

struct StatsArgs {
    std::string dir;
    bool json = false;
    size_t maxListed = 20;
    stats::StatsOptions options = stats::StatsOptions::defaults();
};

int runStats(const StatsArgs& args) {
    if (auto st = requireProject(args.dir); !st) return userError(st.error());
    auto store = project::ProjectStore::open(args.dir, false);
    if (!store) return userError(store.error());
    auto statistics = stats::computeStatistics(*store, args.options);
    if (!statistics) return userError(statistics.error());
    auto active = store->activeModel();
    if (!active) return userError(active.error());
    if (args.json) {
        nlohmann::json j = stats::toJson(*statistics);
        j["active_model"] = *active ? nlohmann::json((*active)->string()) : nlohmann::json(nullptr);
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << stats::toText(*statistics, args.maxListed);
        std::cout << "Active model: " << (*active ? (*active)->string() : std::string("none (train one)")) << "\n";
    }
    return kOk;
}

const CommandRegistrar registrar("stats", "Show image statistics and data-health flags of the project in DIR",
                                 [](CLI::App& sub) -> std::function<int()> {
    auto args = std::make_shared<StatsArgs>();
    sub.add_option("DIR", args->dir, "Project folder (scanned before with 'tessera-cli scan')")->required();
    sub.add_flag("--json", args->json, "Print JSON (for scripts) instead of the table");
    sub.add_option("--min-side", args->options.minShortSide, "Flag images whose shorter side is below this (px)")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    sub.add_option("--blur-threshold", args->options.blurThreshold,
                   "Flag images whose Laplacian variance (at 512 px) is below this")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub.add_option("--near-distance", args->options.nearDuplicateMaxDistance,
                   "Largest pHash Hamming distance counted as a near duplicate")
        ->check(CLI::Range(0, 64))
        ->capture_default_str();
    sub.add_option("--list", args->maxListed, "Entries shown per list in the table (0: all)")->capture_default_str();
    return [args] { return runStats(*args); };
});

}  // namespace
}  // namespace tessera::cli
