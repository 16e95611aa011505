#pragma once
// Brings the project store in line with the folder: finds image files, analyses new and changed ones on a thread
// pool, notices renames (same content hash), marks vanished files missing, and imports class-per-sub-folder labels.
// Re-scanning an unchanged tree only stats files (size + mtime); the hash is read only when those changed.
#include <cstdint>
#include <string>
#include <vector>

#include "core/imaging/imageanalyzer.h"
#include "core/project/projectstore.h"
#include "core/util/jobcontext.h"

namespace tessera::project {

struct ScanOptions {
    unsigned threads = 0;  // 0: one per hardware thread
    imaging::AnalyzeOptions analyze = imaging::AnalyzeOptions::defaults();
    // First-level sub-folders of the root name classes; their images (at any depth below) get that class as an
    // "imported" label unless they already carry a label. Images directly in the root stay unlabelled.
    bool classesFromFolders = true;
    bool followSymlinks = true;  // loops are detected and reported, not followed forever
    // Lower-case extensions (with the dot) taken as images; other files are counted as ignored.
    std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"};

    static ScanOptions defaults() { return ScanOptions{}; }
};

struct ScanIssue {
    std::string relPath;
    std::string reason;
};

struct ScanReport {
    int64_t filesSeen = 0;      // image files found on disk
    int64_t added = 0;
    int64_t updated = 0;        // size or mtime changed, re-analysed
    int64_t unchanged = 0;
    int64_t renamed = 0;        // matched to a vanished row by content hash; label kept
    int64_t missing = 0;        // rows whose file is gone
    int64_t unreadable = 0;     // not decodable (reasons in `issues`), including unchanged files still flagged so
    int64_t ignored = 0;        // files that are not images by extension
    int64_t labelsImported = 0;
    std::vector<ScanIssue> issues;  // unreadable files, walk errors (permission denied, symlink loop), each named
    bool cancelled = false;
    double seconds = 0.0;
};

class Scanner {
public:
    static Expected<ScanReport> scan(ProjectStore& store, const ScanOptions& options = ScanOptions::defaults(),
                                     const JobContext& context = JobContext{});
};

}  // namespace tessera::project
