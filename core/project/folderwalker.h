#pragma once
// Lists the image files under a project root for the scanner: recursive, hidden folders and .tessera skipped,
// symbolic links followed with loop detection by (device, inode), every unreadable folder reported and skipped.
// One stat per image file, no reads: the scanner's unchanged path depends on this being cheap.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/project/scanner.h"
#include "core/util/jobcontext.h"

namespace tessera::project {

struct FoundFile {
    std::string relPath;          // '/'-separated, relative to the root
    std::filesystem::path path;   // absolute
    int64_t size = 0;
    int64_t mtimeNs = 0;          // Unix epoch nanoseconds
};

struct WalkResult {
    std::vector<FoundFile> files;  // sorted by relPath
    int64_t ignored = 0;           // files that are not images (by extension), hidden files, special files
    std::vector<ScanIssue> issues;
    // Folders that could not be listed ("" for the root): their known images are not called missing.
    std::vector<std::string> unlistedDirs;
    bool cancelled = false;
};

class FolderWalker {
public:
    static WalkResult walk(const std::filesystem::path& root, const ScanOptions& options,
                           const JobContext& context = JobContext{});
};

}  // namespace tessera::project
