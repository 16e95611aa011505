#pragma once
// RFC 4180 CSV parsing for label import: quoted fields with embedded commas, quotes ("") and line breaks; CRLF or
// LF records; a leading UTF-8 byte-order mark (Excel writes one) is dropped. Each record keeps the line it starts
// on so problems can be reported as "file:line: reason".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::project {

struct CsvRecord {
    int line = 0;  // 1-based line where the record starts
    std::vector<std::string> fields;
};

struct CsvParseResult {
    std::vector<CsvRecord> records;  // blank lines are skipped
    std::vector<std::pair<int, std::string>> problems;  // (line, reason)
};

class CsvReader {
public:
    static CsvParseResult parse(const std::string& text);
    // The largest CSV file read: about a million rows of labels or find records. Parsing holds the whole file and
    // its fields in memory (about ten times its size), so a larger one is refused before it is read.
    static constexpr uintmax_t kMaxFileBytes = 64u << 20;
    // Reads and parses a whole file; an unreadable, empty or too large file is an error naming it.
    static Expected<CsvParseResult> parseFile(const std::filesystem::path& path);
    // Quotes a field when RFC 4180 requires it (comma, quote, CR/LF) or when spaces at its ends would be lost.
    static std::string quote(const std::string& field);

    // Helpers shared by the CSV importers (labels, find provenance).
    static std::string trim(const std::string& s);        // ASCII white space at both ends
    static std::string lowerAscii(std::string s);
    static bool isFileHeader(const std::string& lowered);  // file, filename, file_name, path, image, rel_path
    // Makes a CSV file cell comparable with the store's rel_path: '/' separators, no "./", and absolute paths inside
    // the project made relative.
    static std::string projectRelative(std::string file, const std::filesystem::path& root);
};

}  // namespace tessera::project
