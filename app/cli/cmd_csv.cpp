// tessera-cli import-csv / export-csv: labels in and out as "file,label" CSV. Import applies every row it can and
// lists the others with their line numbers; it exits 1 when any row could not be applied, so scripts notice.
#include <filesystem>
#include <iostream>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/csvio.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct CsvArgs {
    std::string dir;
    std::string csv;
};

Expected<project::ProjectStore> openExisting(const std::string& dir) {
    if (auto st = requireProject(dir); !st) return st.takeError();
    return project::ProjectStore::open(dir, false);
}

int runImport(const CsvArgs& args) {
    auto store = openExisting(args.dir);
    if (!store) return userError(store.error());
    std::error_code ec;
    if (!fs::is_regular_file(args.csv, ec)) return userError("CSV file '" + args.csv + "' does not exist");
    auto report = project::importLabelsCsv(*store, args.csv);
    if (!report) return userError(report.error());
    std::cout << "Imported " << report->applied << " of " << report->rows << " rows from " << args.csv;
    if (report->classesCreated > 0) std::cout << " (" << report->classesCreated << " new classes)";
    std::cout << "\n";
    printProblems(report->problems);
    if (!report->problems.empty())
        return userError(std::to_string(report->problems.size()) + " rows of '" + args.csv +
                         "' could not be applied (listed above)");
    return kOk;
}

int runExport(const CsvArgs& args) {
    auto store = openExisting(args.dir);
    if (!store) return userError(store.error());
    auto rows = project::exportLabelsCsv(*store, args.csv);
    if (!rows) return userError(rows.error());
    std::cout << "Wrote " << *rows << " labels to " << args.csv << "\n";
    return kOk;
}

std::function<int()> setup(CLI::App& sub, bool import) {
    auto args = std::make_shared<CsvArgs>();
    sub.add_option("DIR", args->dir, "Project folder")->required();
    sub.add_option("FILE", args->csv, import ? "CSV with columns file,label" : "CSV to write (file,label,source)")
        ->required();
    if (import) return [args] { return runImport(*args); };
    return [args] { return runExport(*args); };
}

const CommandRegistrar importRegistrar("import-csv", "Import labels from a file,label CSV into the project in DIR",
                                       [](CLI::App& sub) { return setup(sub, true); });
const CommandRegistrar exportRegistrar("export-csv", "Export the labels of the project in DIR as CSV",
                                       [](CLI::App& sub) { return setup(sub, false); });

}  // namespace
}  // namespace tessera::cli
