// tessera-cli export-finds PROJECT --run RUN_ID --out finds.csv: one row per find (site, context, find id) with the
// mean of its photos' stored class probabilities and its three best classes, in the columns of predict --per-find.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/predict/findaggregation.h"
#include "core/predict/predictiontable.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"

namespace tessera::cli {
namespace {

struct ExportFindsArgs {
    std::string project;
    int64_t runId = 0;
    std::string out;
};

int runExportFinds(const ExportFindsArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return userError(store.error());
    auto runs = store->runs();
    if (!runs) return userError(runs.error());
    bool known = false;
    for (const auto& r : *runs) known = known || r.id == a.runId;
    if (!known) return userError("--run " + std::to_string(a.runId) + ": no such run in " + a.project);
    auto predictions = store->predictions(a.runId);
    if (!predictions) return userError(predictions.error());
    auto finds = store->findInfo();
    if (!finds) return userError(finds.error());
    auto classes = store->classes();
    if (!classes) return userError(classes.error());

    // The table predict --per-find writes (learn::PredictionTable::findHeader), with the classes of the project
    // and any class a stored call names that was removed since.
    std::vector<std::string> classNames;
    for (const auto& c : *classes) classNames.push_back(c.name);
    std::vector<learn::PhotoCall> calls;
    int64_t unparsable = 0;
    for (const auto& p : *predictions) {
        if (p.top.empty()) {  // a damaged stored row
            ++unparsable;
            continue;
        }
        auto f = finds->find(p.imageId);
        learn::PhotoCall call{f == finds->end() ? project::FindInfo{} : f->second, p.imageId, {}, false,
                              "run " + std::to_string(a.runId)};
        for (const auto& c : p.top) {
            call.top.emplace_back(c.className, float(c.probability));
            if (std::find(classNames.begin(), classNames.end(), c.className) == classNames.end())
                classNames.push_back(c.className);
        }
        calls.push_back(std::move(call));
    }
    int64_t withoutFind = 0;
    auto rows = learn::FindAggregation::fromCalls(calls, classNames, &withoutFind);
    if (!rows) return userError(rows.error());
    constexpr int kTopK = 3;
    std::string text = learn::PredictionTable::findHeader(kTopK);
    for (const auto& row : *rows) text += learn::PredictionTable::findRow(row.mean, row.unreadable, classNames, kTopK, 0.0);
    if (auto st = util::writeFileAtomically(a.out, text); !st) return userError(st.error());
    std::cout << "wrote " << rows->size() << " find(s) from " << predictions->size() << " prediction(s) of run "
              << a.runId << " to " << a.out << "\n";
    if (withoutFind > 0) std::cout << withoutFind << " predicted photo(s) have no find id and are not in the file\n";
    if (unparsable > 0) std::cerr << unparsable << " stored prediction(s) had unreadable top-k JSON and were left out\n";
    return kOk;
}

const CommandRegistrar registrar{
    "export-finds", "Per-find predictions (mean over a find's photos) of a stored run as CSV", [](CLI::App& sub) {
        auto a = std::make_shared<ExportFindsArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("--run", a->runId, "Run id whose stored predictions to aggregate")->required();
        sub.add_option("--out", a->out, "CSV to write")->required();
        return [a] { return runExportFinds(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
