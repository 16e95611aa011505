// tessera-cli scan DIR: creates or updates the project in DIR (analysing new and changed images), recomputes the
// statistics and stores the health flags, then prints a summary and every issue found (file and reason).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/projectlocation.h"
#include "core/project/scanner.h"
#include "core/stats/projectstatistics.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct ScanArgs {
    std::string dir;
    int threads = 0;
    bool noFolderClasses = false;
    bool keepOutside = false;  // project data in the per-user location even when the photo folder can be written
    std::string movedFrom;     // the photos' old folder: its per-user project moves with them
};

// Ctrl-C cancels the scan cleanly: everything analysed so far is already committed.
const CancelToken* g_cancel = nullptr;
extern "C" void onInterrupt(int) {
    if (g_cancel) g_cancel->cancel();
}

std::string rate(double count, double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", seconds > 0 ? count / seconds : 0.0);
    return buf;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", s);
    return buf;
}

std::vector<std::pair<std::string, std::string>> issues(const project::ScanReport& scan,
                                                        const stats::ProjectStatistics& s) {
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> unreadableListed;
    for (const auto& i : scan.issues) {
        out.emplace_back(i.relPath, i.reason);
        unreadableListed.insert(i.relPath);
    }
    // Unchanged unreadable files are not re-analysed, so the scan does not report them again; statistics do.
    for (const auto& f : s.unreadableImages)
        if (!unreadableListed.count(f.relPath)) out.emplace_back(f.relPath, "unreadable: " + f.reason);
    for (const auto& f : s.tooSmall) out.emplace_back(f.relPath, "too small: " + f.reason);
    for (const auto& f : s.blurry) out.emplace_back(f.relPath, "blurry: " + f.reason);
    for (const auto& g : s.exactDuplicates)
        for (size_t k = 1; k < g.relPaths.size(); ++k)
            out.emplace_back(g.relPaths[k], "exact duplicate of " + g.relPaths[0]);
    for (const auto& g : s.nearDuplicates)
        for (size_t k = 1; k < g.relPaths.size(); ++k)
            out.emplace_back(g.relPaths[k], "near duplicate of " + g.relPaths[0] + " (pHash distance <= " +
                                                std::to_string(g.maxDistance) + ")");
    return out;
}

int runScan(const ScanArgs& args) {
    std::error_code ec;
    if (!fs::exists(args.dir, ec)) return userError("folder '" + args.dir + "' does not exist");
    if (!fs::is_directory(args.dir, ec)) return userError("'" + args.dir + "' is not a folder");
    if (!args.movedFrom.empty()) {
        auto moved = project::repointUserProject(args.movedFrom, args.dir);
        if (!moved) return userError(moved.error());
        std::cout << "Moved the project of " << args.movedFrom << " to " << moved->dataDir.string() << "\n";
    }
    if (auto existing = project::findProject(args.dir); args.keepOutside && existing && existing->inPhotoFolder)
        return userError("'" + args.dir + "' keeps its project in " + existing->dataDir.string() +
                         " already; --keep-outside applies to a folder without one");
    auto where = project::locateProject(args.dir, args.keepOutside ? project::ProjectPlace::UserFolder
                                                                   : project::ProjectPlace::Auto);
    if (!where) return userError(where.error());
    auto store = project::ProjectStore::open(*where, true);
    if (!store) return userError(store.error());
    if (!store->restoredFrom().empty()) {
        std::cout << "The project database was missing or damaged: restored from the backup "
                  << store->restoredFrom().string() << " (labels made after it are not in it)";
        if (!store->damagedKeptAs().empty()) std::cout << "; the damaged file is kept as " << store->damagedKeptAs().string();
        std::cout << "\n";
    }
    if (!store->copiedFrom().empty())
        std::cout << "The project in " << store->copiedFrom().string() << " cannot be written there: working on a "
                  << "copy of it in " << store->dataDir().string() << "; nothing is written into "
                  << where->photoRoot.string() << "\n";
    else if (!where->inPhotoFolder)
        std::cout << "Project data kept outside the photo folder, in " << where->dataDir.string() << " ("
                  << (args.keepOutside ? "as asked" : "the photo folder is read-only")
                  << "); nothing is written into " << where->photoRoot.string() << "\n";

    auto options = project::ScanOptions::defaults();
    options.threads = unsigned(args.threads);
    options.classesFromFolders = !args.noFolderClasses;
    CancelToken cancel;
    g_cancel = &cancel;
    auto previous = std::signal(SIGINT, onInterrupt);
    auto report = [&] {
        ProgressBar bar;
        return project::Scanner::scan(*store, options, bar.context(cancel));
    }();
    std::signal(SIGINT, previous);
    g_cancel = nullptr;
    if (!report) return userError(report.error());

    const auto t0 = std::chrono::steady_clock::now();
    auto images = store->images();
    if (!images) return userError(images.error());
    auto classes = store->classes();
    if (!classes) return userError(classes.error());
    auto labels = store->classByImage();
    if (!labels) return userError(labels.error());
    const auto statistics = stats::computeStatistics(*images, *classes, *labels);
    auto saved = store->setFlags(stats::imageFlags(*images, statistics));
    if (!saved) return userError(saved.error());
    const double statSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const auto& r = *report;
    const int64_t analysed = r.added + r.updated;
    std::cout << (r.cancelled ? "Scan cancelled: " : "Scanned ") << args.dir << ": " << r.filesSeen
              << " image files in " << seconds(r.seconds) << " s ("
              << rate(double(r.filesSeen), r.seconds) << " files/s, " << analysed << " analysed at "
              << rate(double(analysed), r.seconds) << " images/s)\n";
    std::cout << "  added " << r.added << ", updated " << r.updated << ", unchanged " << r.unchanged
              << ", renamed " << r.renamed << ", missing " << r.missing << ", unreadable " << r.unreadable
              << ", ignored " << r.ignored << ", labels imported " << r.labelsImported << "\n";
    std::cout << "  statistics and health flags: " << rate(statSeconds * 1000, 1) << " ms\n";
    const auto list = issues(r, statistics);
    if (list.empty()) {
        std::cout << "No issues.\n";
    } else {
        std::cout << "Issues (" << list.size() << "):\n";
        for (const auto& [file, reason] : list) std::cout << "  " << file << ": " << reason << "\n";
    }
    std::cout << "Details: tessera-cli stats " << args.dir << "\n";
    if (r.cancelled) return userError("scan of '" + args.dir + "' cancelled; run it again to continue");
    return kOk;
}

const CommandRegistrar registrar("scan", "Create or update the project in DIR from the images in it",
                                 [](CLI::App& sub) -> std::function<int()> {
    auto args = std::make_shared<ScanArgs>();
    sub.add_option("DIR", args->dir, "Folder of images (first-level sub-folders name classes)")->required();
    addThreadsOption(sub, "--threads", args->threads, "Analysis threads");
    sub.add_flag("--no-folder-classes", args->noFolderClasses, "Do not label images by their sub-folder");
    sub.add_flag("--keep-outside", args->keepOutside,
                 "Keep the project data in the per-user projects folder (see --projects-dir), never in DIR; a "
                 "read-only DIR gets this without the flag");
    sub.add_option("--moved-from", args->movedFrom,
                   "The photos were moved here from this folder: move its per-user project along (labels kept)");
    return [args] { return runScan(*args); };
});

}  // namespace
}  // namespace tessera::cli
