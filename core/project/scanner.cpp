#include "core/project/scanner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/project/folderwalker.h"
#include "core/util/text.h"
#include "core/util/threadpool.h"

namespace tessera::project {

namespace {

// Rows written per transaction: big enough that commits (one fsync each) cost nothing next to decoding, small
// enough that a cancelled or killed scan keeps nearly all the work it did.
constexpr size_t kBatch = 256;
constexpr size_t kNone = size_t(-1);

struct Work {
    size_t file = 0;          // index into WalkResult::files
    size_t existing = kNone;  // index into the rows loaded at the start, or kNone for a new path
};

}  // namespace

Expected<ScanReport> Scanner::scan(ProjectStore& store, const ScanOptions& options, const JobContext& context) {
    const auto start = std::chrono::steady_clock::now();
    ScanReport report;
    auto finish = [&]() -> Expected<ScanReport> {
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report;
    };

    // One query for everything we know; the unchanged path below is then stat + hash-map lookup per file.
    auto loaded = store.images();
    if (!loaded.ok()) return loaded.takeError();
    std::vector<ImageRecord> existing = std::move(loaded.value());
    std::unordered_map<std::string, size_t> byPath;
    byPath.reserve(existing.size() * 2);
    for (size_t i = 0; i < existing.size(); ++i) byPath.emplace(existing[i].relPath, i);

    WalkResult walk = FolderWalker::walk(store.root(), options, context);
    report.filesSeen = static_cast<int64_t>(walk.files.size());
    report.ignored = walk.ignored;
    report.issues = std::move(walk.issues);
    if (walk.cancelled) {
        report.cancelled = true;
        return finish();
    }

    std::vector<char> seen(existing.size(), 0);
    std::vector<char> claimed(existing.size(), 0);  // vanished rows taken over by a renamed file
    std::vector<std::pair<int64_t, uint32_t>> flagUpdates;
    std::vector<Work> work;
    for (size_t i = 0; i < walk.files.size(); ++i) {
        const FoundFile& f = walk.files[i];
        auto it = byPath.find(f.relPath);
        if (it == byPath.end()) {
            work.push_back({i, kNone});
            continue;
        }
        ImageRecord& row = existing[it->second];
        seen[it->second] = 1;
        if (row.fileSize != f.size || row.mtimeNs != f.mtimeNs) {
            work.push_back({i, it->second});
            continue;
        }
        ++report.unchanged;
        if (row.flags & FlagMissing) flagUpdates.emplace_back(row.id, row.flags & ~uint32_t(FlagMissing));
        if (row.flags & FlagUnreadable) {  // still unreadable: keep it in front of the user on every scan
            ++report.unreadable;
            report.issues.push_back({row.relPath, row.error});
        }
    }

    auto labelled = store.classByImage();
    if (!labelled.ok()) return labelled.takeError();
    const std::unordered_map<int64_t, int64_t>& classOf = labelled.value();

    // Vanished rows by content hash, labelled ones first: when several copies vanished, the renamed file should
    // carry on the row whose label the user cares about.
    std::unordered_map<std::string, std::vector<size_t>> vanishedByHash;
    for (size_t i = 0; i < existing.size(); ++i)
        if (!seen[i] && !existing[i].contentHash.empty()) vanishedByHash[existing[i].contentHash].push_back(i);
    for (auto& [hash, rows] : vanishedByHash)
        std::stable_sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
            return classOf.count(existing[a].id) > classOf.count(existing[b].id);
        });

    // Analyse new and changed files on the pool, writing each batch in one transaction.
    const int64_t total = static_cast<int64_t>(work.size());
    context.report({"scan", 0, total, ""});
    std::mutex progressMutex;  // consumers need not be thread-safe: one callback at a time
    std::atomic<int64_t> done{0};
    std::unique_ptr<util::ThreadPool> pool;
    if (!work.empty()) pool = std::make_unique<util::ThreadPool>(options.threads);

    std::unordered_map<std::string, int64_t> folderClassIds;  // folder name -> class, created only when needed
    for (size_t batchStart = 0; batchStart < work.size() && !context.cancelled(); batchStart += kBatch) {
        const size_t n = std::min(kBatch, work.size() - batchStart);
        std::vector<imaging::ImageAnalysis> results(n);
        std::vector<char> analysed(n, 0);
        pool->parallelFor(n, [&](size_t k) {
            if (context.cancelled()) return;
            const FoundFile& f = walk.files[work[batchStart + k].file];
            try {
                results[k] = imaging::ImageAnalyzer::analyze(f.path, options.analyze);
            } catch (const std::exception& e) {  // the analyser promises not to throw; keep scanning if it does
                results[k] = imaging::ImageAnalysis{};
                results[k].error = std::string("analysis failed: ") + e.what();
            } catch (...) {
                results[k] = imaging::ImageAnalysis{};
                results[k].error = "analysis failed: unknown error";
            }
            analysed[k] = 1;
            const int64_t d = ++done;
            std::lock_guard<std::mutex> lock(progressMutex);
            context.report({"scan", d, total, f.relPath});
        });

        std::vector<ImageRecord> records;
        std::vector<char> recordIsNew;
        std::vector<std::pair<int64_t, std::string>> renames;
        for (size_t k = 0; k < n; ++k) {
            if (!analysed[k]) continue;  // cancelled before its turn: written by the next scan
            const Work& w = work[batchStart + k];
            const FoundFile& f = walk.files[w.file];
            const imaging::ImageAnalysis& a = results[k];
            ImageRecord r;
            bool isNew = false;
            if (w.existing != kNone) {
                r = existing[w.existing];
                ++report.updated;
            } else {
                size_t match = kNone;
                auto candidates = a.contentHash.empty() ? vanishedByHash.end() : vanishedByHash.find(a.contentHash);
                if (candidates != vanishedByHash.end())
                    for (size_t row : candidates->second)
                        if (!claimed[row]) {
                            match = row;
                            break;
                        }
                if (match != kNone) {
                    claimed[match] = 1;
                    r = existing[match];  // keeps id, find id and derived flags; the label follows the id
                    renames.emplace_back(r.id, f.relPath);
                    ++report.renamed;
                } else {
                    ++report.added;
                    isNew = true;
                }
            }
            r.relPath = f.relPath;
            r.contentHash = a.contentHash;
            // The stat taken by the walk, not the analyser's size: if the file changes between the two, the next
            // scan sees a different mtime and analyses it again.
            r.fileSize = f.size;
            r.mtimeNs = f.mtimeNs;
            r.width = a.width;
            r.height = a.height;
            r.channels = a.channels;
            r.bitDepth = a.bitDepth;
            r.format = a.format;
            r.perceptualHash = a.perceptualHash;
            r.blur = a.blur;
            r.flags &= ~uint32_t(FlagUnreadable | FlagMissing);
            r.error.clear();
            if (!a.readable) {
                r.flags |= FlagUnreadable;
                r.error = a.error.empty() ? std::string("cannot be decoded") : a.error;
                ++report.unreadable;
                report.issues.push_back({r.relPath, r.error});
            }
            records.push_back(std::move(r));
            recordIsNew.push_back(isNew ? 1 : 0);
        }
        if (!renames.empty()) {
            Status renamed = store.renameImages(renames);
            if (!renamed.ok()) return renamed.takeError();
        }
        Status written = store.upsertImages(records);
        if (!written.ok()) return written.takeError();
        if (options.classesFromFolders) {
            // Folder names label an image once, when it enters the project, in the batch that adds it (a cancelled
            // scan loses nothing). Later scans never re-import: a label the user cleared stays cleared.
            std::vector<std::pair<int64_t, int64_t>> imports;
            for (size_t k = 0; k < records.size(); ++k) {
                if (!recordIsNew[k]) continue;
                const std::string& rel = records[k].relPath;
                const size_t slash = rel.find('/');
                if (slash == std::string::npos) continue;
                const std::string folder = rel.substr(0, slash);
                auto it = folderClassIds.find(folder);
                if (it == folderClassIds.end()) {
                    // A folder name that cannot be a class (a tab in it, far too long): its photos are added
                    // unlabelled and the folder is reported once; the scan goes on.
                    auto id = store.ensureClass(folder);
                    if (!id.ok()) report.issues.push_back({printable(folder), "not used as a class: " + id.error()});
                    it = folderClassIds.emplace(folder, id.ok() ? id.value() : 0).first;
                }
                if (it->second == 0) continue;
                imports.emplace_back(records[k].id, it->second);
            }
            if (!imports.empty()) {
                auto applied = store.assignLabels(imports, LabelSource::Imported, /*onlyUnlabelled=*/true);
                if (!applied.ok()) return applied.takeError();
                report.labelsImported += applied.value();
            }
        }
    }
    pool.reset();

    if (context.cancelled()) {
        // Files not analysed yet may be the new names of vanished rows: do not call anything missing.
        if (!flagUpdates.empty()) {
            Status flagged = store.setFlags(flagUpdates);
            if (!flagged.ok()) return flagged.takeError();
        }
        report.cancelled = true;
        return finish();
    }

    // A folder we could not list (permissions, I/O error) says nothing about whether its images still exist.
    auto underUnlisted = [&](const std::string& rel) {
        for (const std::string& dir : walk.unlistedDirs)
            if (dir.empty() || rel.compare(0, dir.size() + 1, dir + "/") == 0) return true;
        return false;
    };
    for (size_t i = 0; i < existing.size(); ++i) {
        if (seen[i] || claimed[i] || underUnlisted(existing[i].relPath)) continue;
        ++report.missing;
        if (!(existing[i].flags & FlagMissing)) flagUpdates.emplace_back(existing[i].id, existing[i].flags | FlagMissing);
    }
    if (!flagUpdates.empty()) {
        Status flagged = store.setFlags(flagUpdates);
        if (!flagged.ok()) return flagged.takeError();
    }

    context.report({"scan", total, total, ""});
    return finish();
}

}  // namespace tessera::project
