// tessera-cli export-imagefolder PROJECT OUT [--link|--copy] [--split]: the labelled photos as a torchvision
// ImageFolder tree (OUT/<class>/<file>, or OUT/train|val|test/<class>/<file> from the stored split).
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/imagefolderexport.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct ExportArgs {
    std::string project;
    std::string out;
    bool link = false;
    bool copy = false;
    project::ImageFolderExportOptions options = project::ImageFolderExportOptions::defaults();
    bool quiet = false;
};

int runExport(ExportArgs& a) {
    std::error_code ec;
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    if (a.link && a.copy) return userError("give --link or --copy, not both");
    if (fs::exists(a.out, ec) && !fs::is_directory(a.out, ec)) return userError(a.out + ": exists and is not a folder");
    a.options.link = a.link;
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return userError(store.error());
    ProgressBar bar(!a.quiet);
    auto report = project::ImageFolderExport::run(*store, a.out, a.options, bar.context());
    if (!report) return userError(report.error());
    for (const auto& [name, folder] : report->classFolder)
        if (name != folder) std::cout << "class '" << name << "' -> folder '" << folder << "'\n";
    std::cout << (a.link ? "linked " : "copied ") << report->written << " photo(s) to " << a.out << "\n";
    if (!report->disputed.empty())
        std::cout << report->disputed.size()
                  << " photo(s) with disputed labels were left out (--include-disputed exports them too)\n";
    if (!report->skipped.empty()) {
        std::cerr << report->skipped.size() << " photo(s) skipped:\n";
        for (const auto& s : report->skipped) std::cerr << "  " << s << "\n";
        return userError(std::to_string(report->skipped.size()) + " labelled photo(s) were not exported (listed above)");
    }
    return kOk;
}

const CommandRegistrar registrar{
    "export-imagefolder", "Export the labelled photos as an ImageFolder tree (OUT/<class>/<file>)", [](CLI::App& sub) {
        auto a = std::make_shared<ExportArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("OUT", a->out, "Folder to write (existing files are never overwritten)")->required();
        sub.add_flag("--link", a->link, "Symbolic links to the originals");
        sub.add_flag("--copy", a->copy, "Copies of the originals (the default)");
        sub.add_flag("--split", a->options.split, "train/val/test sub-folders from the stored split");
        sub.add_option("--fold", a->options.fold, "Split fold to use with --split")->capture_default_str();
        sub.add_flag("--include-disputed", a->options.includeDisputed,
                     "Export labels marked as disputed too (tessera-cli dispute); by default they are left out");
        sub.add_flag("--quiet", a->quiet, "No progress bar");
        return [a] { return runExport(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
