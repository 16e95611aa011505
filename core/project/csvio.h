#pragma once
// Labels in and out as CSV (RFC 4180 quoting; header "file,label"). Import matches the file column against the
// project's relative paths, then against file names that are unique in the project; every row that cannot be
// applied is reported with its line number and reason.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/project/projectstore.h"

namespace tessera::project {

struct CsvImportReport {
    int64_t rows = 0;
    int64_t applied = 0;
    int64_t classesCreated = 0;
    std::vector<std::string> problems;  // "labels.csv:12: no image 'a/b.jpg' in the project"
};

Expected<CsvImportReport> importLabelsCsv(ProjectStore& store, const std::filesystem::path& csvPath,
                                          LabelSource source = LabelSource::Imported);
// Writes file,label,source for every labelled image (unlabelled images are omitted). Returns rows written.
Expected<int64_t> exportLabelsCsv(const ProjectStore& store, const std::filesystem::path& csvPath);

}  // namespace tessera::project
