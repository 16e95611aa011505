// tessera-cli check-labels PROJECT [--weights W] [--out flagged.csv]: labelled photos that are possibly mislabelled.
// Embeds the photos with the project's active model (else cached ImageNet weights, or --weights), scores every labelled photo by K-fold
// cross-validation of the quick model's linear head (folds keep a find's photos and near-identical photos
// together), and flags by confident learning (core/learn/labelissues.h). Nothing in the project is changed.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/learn/labelissues.h"
#include "core/learn/quickmodel.h"
#include "core/project/csvreader.h"
#include "core/util/atomicfile.h"

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
std::string flaggedCsv(const std::vector<learn::OutOfFoldPrediction>& rows, const learn::LabelIssueReport& report,
                       const std::vector<std::string>& names) {
    using project::CsvReader;
    std::ostringstream csv;
    csv << "file,label,suggested,score\n";
    for (const auto& issue : report.issues) {
        char score[32];
        std::snprintf(score, sizeof score, "%.4f", issue.selfConfidence);
        csv << CsvReader::quote(rows[issue.row].relPath) << ',' << CsvReader::quote(names[size_t(issue.label)]) << ','
            << CsvReader::quote(names[size_t(issue.suggested)]) << ',' << score << '\n';
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
    auto rows = qm->outOfFold(a.folds, ctx);
    if (!rows) return userError(rows.error());

    const auto& names = qm->classNames();
    std::vector<float> probabilities;
    std::vector<int> labels;
    for (const auto& r : *rows) {
        probabilities.insert(probabilities.end(), r.probabilities.begin(), r.probabilities.end());
        labels.push_back(r.label);
    }
    const auto report = learn::findLabelIssues(probabilities, labels, names.size());
    if (!a.out.empty()) {
        if (auto st = util::writeFileAtomically(a.out, flaggedCsv(*rows, report, names)); !st)
            return userError(st.error());
    }

    const auto& stats = qm->lastRefresh();
    if (!stats.skipped.empty()) {
        std::printf("skipped %zu photo(s) that could not be read:\n", stats.skipped.size());
        printProblems(stats.skipped, 10);
    }
    std::printf("checked %zu labelled photos in %zu classes by %d-fold cross-validation: %zu possibly mislabelled\n",
                rows->size(), names.size(), a.folds, report.issues.size());
    const size_t shown = a.list == 0 ? report.issues.size() : std::min(report.issues.size(), size_t(a.list));
    for (size_t i = 0; i < shown; ++i) {
        const auto& issue = report.issues[i];
        std::printf("%4zu  %-40s  labelled %s, looks like %s (p(label) %.3f)\n", i + 1,
                    (*rows)[issue.row].relPath.c_str(), names[size_t(issue.label)].c_str(),
                    names[size_t(issue.suggested)].c_str(), issue.selfConfidence);
    }
    if (shown < report.issues.size()) std::printf("  ... and %zu more\n", report.issues.size() - shown);
    if (!a.out.empty()) std::printf("flagged photos written to %s\n", a.out.c_str());
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
