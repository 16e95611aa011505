// tessera-cli check-labels PROJECT [--weights W] [--out flagged.csv]: labelled photos that are possibly mislabelled.
// Embeds the photos with the project's active model (else cached ImageNet weights, or --weights), scores every
// labelled photo by K-fold cross-validation of the quick model's linear head (folds keep a find's photos and
// near-identical photos together), and flags by confident learning (core/fewshot/labelcheck.h). The flagged list is
// kept in the project (it replaces the last check's), so Review's "possibly mislabelled" queue and Dataset's filter
// show it; no label is changed. Labels a person kept after an earlier check ("confirmed") are not listed again.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/fewshot/labelcheck.h"
#include "core/project/csvreader.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"
#include "core/util/timestamp.h"

namespace tessera::cli {
namespace {

struct CheckLabelsArgs {
    std::string project;
    FeatureArgs features;  // --weights, --size, --device
    std::string out;
    int folds = 5;
    int list = 20;
    bool quiet = false;
};

// One flagged photo a row, most suspect first: file (relative to the project), label, suggested, score (the
// out-of-sample probability of its label).
std::string flaggedCsv(const learn::LabelCheck& check) {
    using project::CsvReader;
    const auto& names = check.classNames;
    std::ostringstream csv;
    csv << "file,label,suggested,score\n";
    for (const auto& f : check.flagged) {
        char score[32];
        std::snprintf(score, sizeof score, "%.4f", f.selfConfidence);
        csv << CsvReader::quote(f.relPath) << ',' << CsvReader::quote(names[size_t(f.label)]) << ','
            << CsvReader::quote(names[size_t(f.suggested)]) << ',' << score << '\n';
    }
    return csv.str();
}

int runCheckLabels(const CheckLabelsArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());

    ProgressBar bar(!a.quiet);
    CancelToken cancel;
    JobContext ctx = bar.context(cancel);
    auto qm = quickModelFor(a.project, a.features, ctx, a.quiet);
    if (!qm) return userError(qm.error());
    auto check = learn::checkLabels(*qm, a.folds, ctx);
    if (!check) return userError(check.error());
    if (!a.out.empty()) {
        if (auto st = util::writeFileAtomically(a.out, flaggedCsv(*check)); !st) return userError(st.error());
    }
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return userError(store.error());
    if (auto st = store->replaceLabelIssues(check->records(unixMillisNow())); !st) return userError(st.error());

    const auto& stats = qm->lastRefresh();
    printRefreshProblems(stats);
    const auto& names = check->classNames;
    std::printf("checked %zu labelled photos in %zu classes by %d-fold cross-validation: %zu possibly mislabelled\n",
                check->outOfFold.size(), names.size(), a.folds, check->flagged.size());
    if (check->confirmedPassedOver > 0)
        std::printf("(%zu more would be, but a person kept their labels after an earlier check)\n",
                    check->confirmedPassedOver);
    const auto& flagged = check->flagged;
    const size_t shown = a.list == 0 ? flagged.size() : std::min(flagged.size(), size_t(a.list));
    for (size_t i = 0; i < shown; ++i) {
        const auto& f = flagged[i];
        std::printf("%4zu  %-40s  labelled %s, looks like %s (p(label) %.3f)\n", i + 1, f.relPath.c_str(),
                    names[size_t(f.label)].c_str(), names[size_t(f.suggested)].c_str(), f.selfConfidence);
    }
    if (shown < flagged.size()) std::printf("  ... and %zu more\n", flagged.size() - shown);
    if (!a.out.empty()) std::printf("flagged photos written to %s\n", a.out.c_str());
    std::printf("kept in the project: Review's \"Possibly mislabelled\" queue and Dataset's filter show them\n");
    return kOk;
}

const CommandRegistrar registrar{
    "check-labels", "List labelled photos that are possibly mislabelled (cross-validation + confident learning)",
    [](CLI::App& sub) {
        auto a = std::make_shared<CheckLabelsArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        addFeatureOptions(sub, a->features);
        sub.add_option("--out", a->out, "Write the flagged photos as CSV (file,label,suggested,score)");
        sub.add_option("--folds", a->folds, "Cross-validation folds (grouped by find)")
            ->check(CLI::Range(2, 50))
            ->capture_default_str();
        sub.add_option("--list", a->list, "Flagged photos shown (0: all)")->check(CLI::NonNegativeNumber)
            ->capture_default_str();
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runCheckLabels(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
