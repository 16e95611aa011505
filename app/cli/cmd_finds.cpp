// tessera-cli finds PROJECT --csv FILE | --pattern PATTERN [--dry-run]: sets find id, site and context of many
// photos at once. Prints how many images matched, lists those that did not, and with --dry-run writes nothing.
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/findimport.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct FindsArgs {
    std::string project;
    std::string csv;
    std::string pattern;
    bool dryRun = false;
    int listLimit = 50;
};

int runFinds(const FindsArgs& a) {
    std::error_code ec;
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (a.csv.empty() == a.pattern.empty()) return userError("give exactly one of --csv FILE or --pattern PATTERN");
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return userError(store.error());

    Expected<project::FindImportReport> report = makeError("");
    if (!a.csv.empty()) {
        if (!fs::is_regular_file(a.csv, ec)) return userError("--csv " + a.csv + ": no such file");
        report = project::FindImport::fromCsv(*store, a.csv);
    } else {
        auto pattern = project::FileNamePattern::compile(a.pattern);
        if (!pattern) return userError("--pattern: " + pattern.error());
        report = project::FindImport::fromPattern(*store, *pattern);
    }
    if (!report) return userError(report.error());
    const auto& r = *report;
    const size_t total = r.matched.size() + r.unmatched.size();
    std::cout << "matched " << r.matched.size() << " of " << total << " images (" << r.changed
              << " would change)\n";
    if (!r.unmatched.empty()) {
        std::cout << r.unmatched.size() << " image(s) not matched:\n";
        for (size_t i = 0; i < r.unmatched.size() && int(i) < a.listLimit; ++i)
            std::cout << "  " << r.unmatched[i] << "\n";
        if (int(r.unmatched.size()) > a.listLimit)
            std::cout << "  ... and " << r.unmatched.size() - size_t(a.listLimit) << " more (--list N shows more)\n";
    }
    printProblems(r.problems);
    if (a.dryRun) {
        for (size_t i = 0; i < r.matched.size() && int(i) < a.listLimit; ++i) {
            const auto& info = r.matched[i].second;
            std::cout << "  " << r.matchedPaths[i] << "  find=" << info.findId << " site=" << info.site
                      << " context=" << info.context << "\n";
        }
        std::cout << "dry run: nothing written\n";
    } else {
        if (auto st = project::FindImport::apply(*store, r); !st) return userError(st.error());
        std::cout << "wrote find provenance of " << r.matched.size() << " images\n";
    }
    if (!r.problems.empty())
        return userError(std::to_string(r.problems.size()) + " row(s) could not be applied (listed above)");
    return kOk;
}

const CommandRegistrar registrar{
    "finds", "Set find id, site and context of photos from a CSV or a file-name pattern", [](CLI::App& sub) {
        auto a = std::make_shared<FindsArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("--csv", a->csv, "CSV with a file column and any of find_id, site, context");
        sub.add_option("--pattern", a->pattern,
                       "File-name pattern, e.g. '{site}_{context}_{find}_{view}.jpg', '{site}/{context}/{find}-*.jpg' "
                       "or 're:(?<site>[A-Z]+)-(?<find>\\d+).*'");
        sub.add_flag("--dry-run", a->dryRun, "Show what would be set; write nothing");
        sub.add_option("--list", a->listLimit, "How many paths to list at most")->capture_default_str();
        return [a] { return runFinds(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
