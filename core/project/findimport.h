#pragma once
// Imports find provenance (find id, site, context) for many images at once, from a CSV or from a file-name pattern
// (FileNamePattern). Both first build a report (what would change, what did not match, problems as "file:line:
// reason"), so the CLI's --dry-run and the GUI's preview show it before apply() writes it in one transaction.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/project/filenamepattern.h"
#include "core/project/projectstore.h"

namespace tessera::project {

struct FindImportReport {
    int64_t rows = 0;                                   // CSV data rows, or images tried against the pattern
    std::vector<std::pair<int64_t, FindInfo>> matched;  // image id -> its provenance after the import
    std::vector<std::string> matchedPaths;              // relPath of each entry of `matched`, same order
    std::vector<std::string> unmatched;                 // project images the import says nothing about (relPath)
    std::vector<std::string> problems;                  // "finds.csv:7: no image 'x.jpg' in the project"
    int64_t changed = 0;                                // matched images whose provenance differs from the store
};

class FindImport {
public:
    // CSV with a header naming a file column (file, filename, path, image, rel_path) and any of find_id (find, id),
    // site, context (unit, su, stratigraphic_unit); without such a header the columns are file,find_id,site,context.
    // Columns the CSV lacks keep their stored values; an empty cell clears the value.
    static Expected<FindImportReport> fromCsv(const ProjectStore& store, const std::filesystem::path& csvPath);
    // Every image whose relative path (or file name, see FileNamePattern) matches; the fields the pattern does not
    // name keep their stored values.
    static Expected<FindImportReport> fromPattern(const ProjectStore& store, const FileNamePattern& pattern);
    // Writes report.matched (one transaction).
    static Status apply(ProjectStore& store, const FindImportReport& report);
};

}  // namespace tessera::project
