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

// One scan of the photo folder against the rows the project already has.
class ScanPass {
public:
    ScanPass(ProjectStore& store, const ScanOptions& options, const JobContext& context)
        : store_(store), options_(options), context_(context) {}

    // Loads the known rows and walks the folder: false when cancelled during the walk.
    Expected<bool> walk() {
        // One query for everything we know; the unchanged path below is then stat + hash-map lookup per file.
        auto loaded = store_.images();
        if (!loaded.ok()) return loaded.takeError();
        existing_ = std::move(loaded.value());
        byPath_.reserve(existing_.size() * 2);
        for (size_t i = 0; i < existing_.size(); ++i) byPath_.emplace(existing_[i].relPath, i);
        walk_ = FolderWalker::walk(store_.root(), options_, context_);
        report.filesSeen = static_cast<int64_t>(walk_.files.size());
        report.ignored = walk_.ignored;
        report.issues = std::move(walk_.issues);
        return !walk_.cancelled;
    }

    // Sorts the walked files into unchanged ones (counted, their flags refreshed) and work: new or changed files.
    void triage() {
        seen_.assign(existing_.size(), 0);
        claimed_.assign(existing_.size(), 0);
        for (size_t i = 0; i < walk_.files.size(); ++i) {
            const FoundFile& f = walk_.files[i];
            auto it = byPath_.find(f.relPath);
            if (it == byPath_.end()) {
                work_.push_back({i, kNone});
                continue;
            }
            ImageRecord& row = existing_[it->second];
            seen_[it->second] = 1;
            if (row.fileSize != f.size || row.mtimeNs != f.mtimeNs) {
                work_.push_back({i, it->second});
                continue;
            }
            ++report.unchanged;
            if (row.flags & FlagMissing) flagUpdates_.emplace_back(row.id, row.flags & ~uint32_t(FlagMissing));
            if (row.flags & FlagUnreadable) {  // still unreadable: keep it in front of the user on every scan
                ++report.unreadable;
                report.issues.push_back({row.relPath, row.error});
            }
        }
    }

    // Vanished rows by content hash, labelled ones first: when several copies vanished, the renamed file should
    // carry on the row whose label the user cares about.
    Status indexVanished() {
        auto labelled = store_.classByImage();
        if (!labelled.ok()) return labelled.takeError();
        const std::unordered_map<int64_t, int64_t>& classOf = labelled.value();
        for (size_t i = 0; i < existing_.size(); ++i)
            if (!seen_[i] && !existing_[i].contentHash.empty()) vanishedByHash_[existing_[i].contentHash].push_back(i);
        for (auto& [hash, rows] : vanishedByHash_)
            std::stable_sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
                return classOf.count(existing_[a].id) > classOf.count(existing_[b].id);
            });
        return {};
    }

    // Analyses new and changed files on the pool, writing each batch in one transaction.
    Status analyseWork() {
        total_ = static_cast<int64_t>(work_.size());
        context_.report({"scan", 0, total_, ""});
        if (work_.empty()) return {};
        util::ThreadPool pool(options_.threads);
        for (size_t start = 0; start < work_.size() && !context_.cancelled(); start += kBatch) {
            const size_t n = std::min(kBatch, work_.size() - start);
            std::vector<imaging::ImageAnalysis> results(n);
            std::vector<char> analysed(n, 0);
            pool.parallelFor(n, [&](size_t k) { analysed[k] = analyse(work_[start + k], results[k]); });
            Batch batch;
            for (size_t k = 0; k < n; ++k)
                if (analysed[k]) addToBatch(batch, work_[start + k], results[k]);  // else: the next scan's
            if (auto st = write(batch); !st) return st;
        }
        return {};
    }

    // Rows whose files are gone are flagged missing (not when cancelled: files not analysed yet may be their new
    // names; nor under a folder that could not be listed, which says nothing about its photos).
    Status flagMissing() {
        auto underUnlisted = [&](const std::string& rel) {
            for (const std::string& dir : walk_.unlistedDirs)
                if (dir.empty() || rel.compare(0, dir.size() + 1, dir + "/") == 0) return true;
            return false;
        };
        const bool cancelled = context_.cancelled();
        for (size_t i = 0; i < existing_.size() && !cancelled; ++i) {
            if (seen_[i] || claimed_[i] || underUnlisted(existing_[i].relPath)) continue;
            ++report.missing;
            if (!(existing_[i].flags & FlagMissing))
                flagUpdates_.emplace_back(existing_[i].id, existing_[i].flags | FlagMissing);
        }
        if (flagUpdates_.empty()) return {};
        return store_.setFlags(flagUpdates_);
    }

    void reportDone() { context_.report({"scan", total_, total_, ""}); }

    ScanReport report;

private:
    struct Batch {
        std::vector<ImageRecord> records;
        std::vector<char> isNew;
        std::vector<std::pair<int64_t, std::string>> renames;
    };

    // On a pool thread: false when cancelled before its turn.
    bool analyse(const Work& w, imaging::ImageAnalysis& result) {
        if (context_.cancelled()) return false;
        const FoundFile& f = walk_.files[w.file];
        try {
            result = imaging::ImageAnalyzer::analyze(f.path, options_.analyze);
        } catch (const std::exception& e) {  // the analyser promises not to throw; keep scanning if it does
            result = imaging::ImageAnalysis{};
            result.error = std::string("analysis failed: ") + e.what();
        } catch (...) {
            result = imaging::ImageAnalysis{};
            result.error = "analysis failed: unknown error";
        }
        const int64_t d = ++done_;
        std::lock_guard<std::mutex> lock(progressMutex_);  // consumers need not be thread-safe
        context_.report({"scan", d, total_, f.relPath});
        return true;
    }

    // A vanished row with the same content, not taken yet: the file was renamed or moved.
    size_t renamedFrom(const std::string& contentHash) {
        auto candidates = contentHash.empty() ? vanishedByHash_.end() : vanishedByHash_.find(contentHash);
        if (candidates == vanishedByHash_.end()) return kNone;
        for (size_t row : candidates->second)
            if (!claimed_[row]) return row;
        return kNone;
    }

    void addToBatch(Batch& batch, const Work& w, const imaging::ImageAnalysis& a) {
        const FoundFile& f = walk_.files[w.file];
        ImageRecord r;
        bool isNew = false;
        if (w.existing != kNone) {
            r = existing_[w.existing];
            ++report.updated;
        } else if (const size_t match = renamedFrom(a.contentHash); match != kNone) {
            claimed_[match] = 1;
            r = existing_[match];  // keeps id, find id and derived flags; the label follows the id
            batch.renames.emplace_back(r.id, f.relPath);
            ++report.renamed;
        } else {
            ++report.added;
            isNew = true;
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
        batch.records.push_back(std::move(r));
        batch.isNew.push_back(isNew ? 1 : 0);
    }

    Status write(Batch& batch) {  // upsertImages gives new rows their ids, which the label import needs
        if (!batch.renames.empty())
            if (Status renamed = store_.renameImages(batch.renames); !renamed.ok()) return renamed;
        if (Status written = store_.upsertImages(batch.records); !written.ok()) return written;
        return options_.classesFromFolders ? importFolderLabels(batch) : Status{};
    }

    // Folder names label an image once, when it enters the project, in the batch that adds it (a cancelled scan
    // loses nothing). Later scans never re-import: a label the user cleared stays cleared.
    Status importFolderLabels(const Batch& batch) {
        std::vector<std::pair<int64_t, int64_t>> imports;
        for (size_t k = 0; k < batch.records.size(); ++k) {
            if (!batch.isNew[k]) continue;
            const std::string& rel = batch.records[k].relPath;
            const size_t slash = rel.find('/');
            if (slash == std::string::npos) continue;
            const std::string folder = rel.substr(0, slash);
            auto it = folderClassIds_.find(folder);
            if (it == folderClassIds_.end()) {
                // A folder name that cannot be a class (a tab in it, far too long): its photos are added
                // unlabelled and the folder is reported once; the scan goes on.
                auto id = store_.ensureClass(folder);
                if (!id.ok()) report.issues.push_back({printable(folder), "not used as a class: " + id.error()});
                it = folderClassIds_.emplace(folder, id.ok() ? id.value() : 0).first;
            }
            if (it->second != 0) imports.emplace_back(batch.records[k].id, it->second);
        }
        if (imports.empty()) return {};
        auto applied = store_.assignLabels(imports, LabelSource::Imported, /*onlyUnlabelled=*/true);
        if (!applied.ok()) return applied.takeError();
        report.labelsImported += applied.value();
        return {};
    }

    ProjectStore& store_;
    const ScanOptions& options_;
    const JobContext& context_;
    std::vector<ImageRecord> existing_;
    std::unordered_map<std::string, size_t> byPath_;
    WalkResult walk_;
    std::vector<char> seen_;
    std::vector<char> claimed_;  // vanished rows taken over by a renamed file
    std::vector<std::pair<int64_t, uint32_t>> flagUpdates_;
    std::vector<Work> work_;
    std::unordered_map<std::string, std::vector<size_t>> vanishedByHash_;
    std::unordered_map<std::string, int64_t> folderClassIds_;  // folder name -> class, created only when needed
    int64_t total_ = 0;
    std::atomic<int64_t> done_{0};
    std::mutex progressMutex_;
};

}  // namespace

Expected<ScanReport> Scanner::scan(ProjectStore& store, const ScanOptions& options, const JobContext& context) {
    const auto start = std::chrono::steady_clock::now();
    ScanPass pass(store, options, context);
    auto finish = [&]() -> Expected<ScanReport> {
        pass.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        pass.report.cancelled = context.cancelled() || pass.report.cancelled;
        return std::move(pass.report);
    };
    auto walked = pass.walk();
    if (!walked) return walked.takeError();
    if (!*walked) {
        pass.report.cancelled = true;
        return finish();
    }
    pass.triage();
    if (auto st = pass.indexVanished(); !st) return st.takeError();
    if (auto st = pass.analyseWork(); !st) return st.takeError();
    if (auto st = pass.flagMissing(); !st) return st.takeError();
    if (!context.cancelled()) pass.reportDone();
    return finish();
}

}  // namespace tessera::project
