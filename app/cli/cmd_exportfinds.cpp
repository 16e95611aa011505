// tessera-cli export-finds PROJECT --run RUN_ID --out finds.csv: one row per find (site, context, find id) with the
// mean of its photos' stored class probabilities, its top class and that probability.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <memory>
#include <unordered_map>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/learn/findaggregation.h"
#include "core/project/csvreader.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

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

    // Stored predictions keep their top-k as JSON; a class outside a photo's top-k counts as probability 0.
    std::vector<std::string> classNames;
    std::unordered_map<std::string, size_t> classIndex;
    auto indexOf = [&](const std::string& name) {
        auto [it, fresh] = classIndex.try_emplace(name, classNames.size());
        if (fresh) classNames.push_back(name);
        return it->second;
    };
    for (const auto& c : *classes) indexOf(c.name);
    std::vector<std::vector<std::pair<size_t, float>>> perPhoto;
    std::vector<project::FindInfo> findOf;
    std::vector<int64_t> ids;
    int64_t unparsable = 0;
    for (const auto& p : *predictions) {
        if (p.top.empty()) {  // a damaged stored row
            ++unparsable;
            continue;
        }
        std::vector<std::pair<size_t, float>> probs;
        for (const auto& c : p.top) probs.emplace_back(indexOf(c.className), float(c.probability));
        perPhoto.push_back(std::move(probs));
        auto f = finds->find(p.imageId);
        findOf.push_back(f == finds->end() ? project::FindInfo{} : f->second);
        ids.push_back(p.imageId);
    }
    const size_t K = classNames.size();
    std::vector<float> flat(perPhoto.size() * K, 0.f);
    for (size_t i = 0; i < perPhoto.size(); ++i)
        for (const auto& [c, v] : perPhoto[i]) flat[i * K + c] = v;
    int64_t withoutFind = 0;
    auto rows = learn::FindAggregation::aggregate(findOf, ids, flat, K, &withoutFind);

    std::ostringstream out;
    out << "find_id,site,context,photos,top_class,p\r\n";
    for (const auto& r : rows) {
        using project::CsvReader;
        out << CsvReader::quote(r.find.findId) << ',' << CsvReader::quote(r.find.site) << ','
            << CsvReader::quote(r.find.context) << ',' << r.photos << ','
            << CsvReader::quote(r.topClass >= 0 ? classNames[size_t(r.topClass)] : "") << ',' << r.probability
            << "\r\n";
    }
    if (auto st = util::writeFileAtomically(a.out, out.str()); !st) return userError(st.error());
    std::cout << "wrote " << rows.size() << " find(s) from " << predictions->size() << " prediction(s) of run "
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
