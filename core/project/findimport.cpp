#include "core/project/findimport.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <unordered_map>

#include "core/project/csvreader.h"
#include "core/util/text.h"

namespace fs = std::filesystem;

namespace tessera::project {

namespace {

enum Column { kFile, kFind, kSite, kContext, kColumns };

int columnOf(const std::string& h) {
    if (CsvReader::isFileHeader(h)) return kFile;
    if (h == "find_id" || h == "find" || h == "findid" || h == "find id" || h == "id") return kFind;
    if (h == "site") return kSite;
    if (h == "context" || h == "unit" || h == "su" || h == "stratigraphic_unit" || h == "stratigraphic unit")
        return kContext;
    return -1;
}

FindInfo infoOf(const ImageRecord& r) { return FindInfo{r.findId, r.site, r.context}; }

void finish(FindImportReport& report, const std::vector<ImageRecord>& images,
            const std::unordered_map<int64_t, size_t>& matchedAt) {
    std::unordered_map<int64_t, const ImageRecord*> byId;
    for (const auto& r : images) byId.emplace(r.id, &r);
    for (const auto& r : images)
        if (!matchedAt.count(r.id)) report.unmatched.push_back(r.relPath);
    for (const auto& [id, info] : report.matched)
        if (!(infoOf(*byId.at(id)) == info)) ++report.changed;
}

// Why `info` cannot be stored: a value that is not UTF-8, holds a control character or is absurdly long.
std::optional<std::string> findInfoProblem(const FindInfo& info) {
    constexpr size_t kMaxBytes = 200;
    for (const auto& [what, value] : {std::pair<const char*, const std::string*>{"find id", &info.findId},
                                      {"site", &info.site}, {"context", &info.context}})
        if (auto problem = nameProblem(*value, kMaxBytes)) return std::string(what) + " " + *problem;
    return std::nullopt;
}

}  // namespace

Expected<FindImportReport> FindImport::fromCsv(const ProjectStore& store, const fs::path& csvPath) {
    auto file = CsvReader::parseFile(csvPath);
    if (!file) return file.takeError();
    const CsvParseResult& parsed = *file;
    const std::string name = csvPath.filename().string();
    auto where = [&](int line) { return name + ":" + std::to_string(line) + ": "; };

    FindImportReport report;
    for (const auto& [line, reason] : parsed.problems) report.problems.push_back(where(line) + reason);
    auto images = store.images();
    if (!images) return images.takeError();
    std::unordered_map<std::string, size_t> byPath;
    std::unordered_map<std::string, std::vector<size_t>> byName;
    for (size_t i = 0; i < images->size(); ++i) {
        const std::string& p = (*images)[i].relPath;
        byPath.emplace(p, i);
        const size_t slash = p.find_last_of('/');
        byName[slash == std::string::npos ? p : p.substr(slash + 1)].push_back(i);
    }

    int col[kColumns] = {0, 1, 2, 3};
    size_t first = 0;
    if (!parsed.records.empty()) {
        int found[kColumns] = {-1, -1, -1, -1};
        const auto& header = parsed.records.front().fields;
        for (size_t c = 0; c < header.size(); ++c) {
            const int k = columnOf(CsvReader::lowerAscii(CsvReader::trim(header[c])));
            if (k >= 0 && found[k] < 0) found[k] = int(c);
        }
        const bool anyField = found[kFind] >= 0 || found[kSite] >= 0 || found[kContext] >= 0;
        if (found[kFile] >= 0 && anyField) {
            std::copy(found, found + kColumns, col);
            first = 1;
        } else if (found[kFile] >= 0) {
            report.problems.push_back(where(parsed.records.front().line) +
                                      "the header needs a file column and at least one of find_id, site, context");
            return report;
        }
    }

    std::unordered_map<int64_t, size_t> matchedAt;  // image id -> index in report.matched
    std::unordered_map<int64_t, int> lineOf;
    for (size_t r = first; r < parsed.records.size(); ++r) {
        const CsvRecord& rec = parsed.records[r];
        ++report.rows;
        const std::string file =
            col[kFile] < int(rec.fields.size())
                ? CsvReader::projectRelative(CsvReader::trim(rec.fields[size_t(col[kFile])]), store.root())
                : std::string();
        if (file.empty()) {
            report.problems.push_back(where(rec.line) + "no file name");
            continue;
        }
        size_t index = 0;
        if (auto it = byPath.find(file); it != byPath.end()) {
            index = it->second;
        } else {
            const size_t slash = file.find_last_of('/');
            auto named = byName.find(slash == std::string::npos ? file : file.substr(slash + 1));
            if (named == byName.end() || slash != std::string::npos) {
                report.problems.push_back(where(rec.line) + "no image '" + file + "' in the project");
                continue;
            }
            if (named->second.size() > 1) {
                report.problems.push_back(where(rec.line) + "'" + file + "' matches " +
                                          std::to_string(named->second.size()) +
                                          " images in the project; give its path relative to the project folder");
                continue;
            }
            index = named->second.front();
        }
        const ImageRecord& image = (*images)[index];
        FindInfo info = infoOf(image);
        auto cell = [&](int k, std::string& target) {
            if (col[k] < 0) return;  // column absent: keep the stored value
            target = col[k] < int(rec.fields.size()) ? CsvReader::trim(rec.fields[size_t(col[k])]) : std::string();
        };
        cell(kFind, info.findId);
        cell(kSite, info.site);
        cell(kContext, info.context);
        if (auto problem = findInfoProblem(info)) {
            report.problems.push_back(where(rec.line) + *problem);
            continue;
        }
        if (auto seen = matchedAt.find(image.id); seen != matchedAt.end()) {
            if (!(report.matched[seen->second].second == info))
                report.problems.push_back(where(rec.line) + "'" + file + "' was already given on line " +
                                          std::to_string(lineOf[image.id]) + "; this later row wins");
            report.matched[seen->second].second = info;
        } else {
            matchedAt.emplace(image.id, report.matched.size());
            report.matched.emplace_back(image.id, info);
            report.matchedPaths.push_back(image.relPath);
        }
        lineOf[image.id] = rec.line;
    }
    finish(report, *images, matchedAt);
    return report;
}

Expected<FindImportReport> FindImport::fromPattern(const ProjectStore& store, const FileNamePattern& pattern) {
    auto images = store.images();
    if (!images) return images.takeError();
    FindImportReport report;
    std::unordered_map<int64_t, size_t> matchedAt;
    for (const ImageRecord& r : *images) {
        ++report.rows;
        auto found = pattern.match(r.relPath);
        if (!found) continue;
        FindInfo info = infoOf(r);
        // Only the fields the pattern read replace the stored ones (a pattern with just {find} keeps the site).
        if (!found->findId.empty()) info.findId = found->findId;
        if (!found->site.empty()) info.site = found->site;
        if (!found->context.empty()) info.context = found->context;
        matchedAt.emplace(r.id, report.matched.size());
        report.matched.emplace_back(r.id, info);
        report.matchedPaths.push_back(r.relPath);
    }
    finish(report, *images, matchedAt);
    return report;
}

Status FindImport::apply(ProjectStore& store, const FindImportReport& report) {
    if (report.matched.empty()) return {};
    return store.setFindInfo(report.matched);
}

}  // namespace tessera::project
