// tessera-cli map PROJECT [--out map.csv] [--png map.png]: the map of the collection, every photo placed by the
// similarity of its features (UMAP, core/fewshot/featuremap.h), for scripts and publications. Features come from the
// project's active model (else cached ImageNet weights, or --weights), as for suggest and check-labels. Labelled
// photos carry an out-of-fold prediction and the label check's verdict. Nothing in the project is changed.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/fewshot/collectionmap.h"
#include "core/project/csvreader.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"

namespace tessera::cli {
namespace {

struct MapArgs {
    std::string project;
    FeatureArgs features;  // --weights, --size, --device
    std::string out;
    std::string png;
    learn::FeatureMapOptions map = learn::FeatureMapOptions::defaults();
    int folds = 5;
    bool quiet = false;
};

// One photo a row: file (relative to the project), x, y, label, predicted, confidence, possibly_mislabelled_as, find,
// disputed (1 when its label is disputed: then not trained on nor checked, and `predicted` is the quick model's call).
std::string mapCsv(const learn::CollectionMap& map) {
    using project::CsvReader;
    const auto nameOf = [&](int c) { return c >= 0 ? CsvReader::quote(map.classNames[size_t(c)]) : std::string(); };
    std::ostringstream csv;
    csv << "file,x,y,label,predicted,confidence,possibly_mislabelled_as,find,disputed\n";
    for (const auto& p : map.points) {
        char xy[64];
        std::snprintf(xy, sizeof xy, "%.4f,%.4f", double(p.x), double(p.y));
        char confidence[16] = "";
        if (p.predicted >= 0) std::snprintf(confidence, sizeof confidence, "%.4f", double(p.confidence));
        csv << CsvReader::quote(p.relPath) << ',' << xy << ',' << nameOf(p.label) << ',' << nameOf(p.predicted) << ','
            << confidence << ',' << nameOf(p.suggested) << ',' << CsvReader::quote(learn::findDisplayName(p.find))
            << ',' << (p.disputed ? 1 : 0) << '\n';
    }
    return csv.str();
}

// The project's class colours in the map's class order ("" where a class is not found).
std::vector<std::string> classColorsOf(const std::string& folder, const learn::CollectionMap& map) {
    std::vector<std::string> colours(map.classIds.size());
    auto store = project::ProjectStore::open(folder, false);
    if (!store) return colours;
    auto classes = store->classes();
    if (!classes) return colours;
    for (size_t c = 0; c < map.classIds.size(); ++c)
        for (const auto& info : *classes)
            if (info.id == map.classIds[c]) colours[c] = info.color;
    return colours;
}

int runMap(const MapArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    std::filesystem::path model;
    auto qm = quickModelFor(a.project, a.features, ctx, a.quiet, &model);
    if (!qm) return userError(qm.error());
    const auto t0 = std::chrono::steady_clock::now();
    auto map = learn::mapCollection(*qm, a.map, a.folds, ctx);
    if (!map) return userError(map.error());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (!a.out.empty())
        if (auto st = util::writeFileAtomically(a.out, mapCsv(*map)); !st) return userError(st.error());
    if (!a.png.empty()) {
        const std::string caption = std::to_string(map->points.size()) + " photos of " +
                                    std::filesystem::path(a.project).filename().string() + ", features of " +
                                    model.filename().string() + "; UMAP, " + std::to_string(a.map.neighbours) +
                                    " neighbours, seed " + std::to_string(a.map.seed);
        if (auto st = learn::writeMapPicture(*map, classColorsOf(a.project, *map), caption, a.png); !st)
            return userError(st.error());
    }

    const auto& stats = qm->lastRefresh();
    printRefreshProblems(stats);
    std::printf("mapped %zu photos (%lld labelled, %lld unlabelled) in %.1f s", map->points.size(),
                static_cast<long long>(stats.labelled), static_cast<long long>(stats.unlabelled), seconds);
    if (map->labelCheckSkipped.empty())
        std::printf("; %zu possibly mislabelled\n", map->flagged);
    else
        std::printf("; no label check: %s\n", map->labelCheckSkipped.c_str());
    if (!a.out.empty()) std::printf("coordinates written to %s\n", a.out.c_str());
    if (!a.png.empty()) std::printf("picture written to %s\n", a.png.c_str());
    return kOk;
}

const CommandRegistrar registrar{
    "map", "Lay every photo out in 2-D by similarity (UMAP) and write the coordinates (CSV) and a picture (PNG)",
    [](CLI::App& sub) {
        auto a = std::make_shared<MapArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("--out", a->out,
                       "Write the coordinates as CSV (file,x,y,label,predicted,confidence,possibly_mislabelled_as,"
                       "find)");
        sub.add_option("--png", a->png, "Write a picture of the map (PNG)");
        addFeatureOptions(sub, a->features);
        sub.add_option("--seed", a->map.seed, "Seed of the layout (one seed, one map)")->capture_default_str();
        sub.add_option("--neighbours", a->map.neighbours, "Neighbourhood size: larger favours the global picture")
            ->check(CLI::Range(2, 200))
            ->capture_default_str();
        sub.add_option("--min-distance", a->map.minDistance, "How tightly similar photos may pack, in [0, 1)")
            ->check(CLI::Range(0.0, 0.99))
            ->capture_default_str();
        sub.add_option("--folds", a->folds, "Cross-validation folds of the label check (grouped by find)")
            ->check(CLI::Range(2, 50))
            ->capture_default_str();
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runMap(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
