#include "core/project/csvio.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "core/project/csvreader.h"
#include "core/util/atomicfile.h"

namespace fs = std::filesystem;

namespace tessera::project {

namespace {

bool isLabelHeader(const std::string& h) { return h == "label" || h == "class" || h == "category"; }

}  // namespace

Expected<CsvImportReport> importLabelsCsv(ProjectStore& store, const fs::path& csvPath, LabelSource source) {
    auto file = CsvReader::parseFile(csvPath);
    if (!file) return file.takeError();
    const CsvParseResult& parsed = *file;
    const std::string name = csvPath.filename().string();
    auto where = [&](int line) { return name + ":" + std::to_string(line) + ": "; };

    CsvImportReport report;
    for (const auto& [line, reason] : parsed.problems) report.problems.push_back(where(line) + reason);

    auto images = store.images();
    if (!images.ok()) return images.takeError();
    std::unordered_map<std::string, int64_t> byPath;
    std::unordered_map<std::string, std::vector<int64_t>> byName;
    for (const ImageRecord& r : images.value()) {
        byPath.emplace(r.relPath, r.id);
        const size_t slash = r.relPath.find_last_of('/');
        byName[slash == std::string::npos ? r.relPath : r.relPath.substr(slash + 1)].push_back(r.id);
    }
    auto classes = store.classes();
    if (!classes.ok()) return classes.takeError();
    std::unordered_map<std::string, int64_t> classIds;
    for (const ClassInfo& c : classes.value()) classIds.emplace(c.name, c.id);

    size_t first = 0;
    size_t fileCol = 0, labelCol = 1;
    if (!parsed.records.empty()) {
        const auto& header = parsed.records.front().fields;
        int f = -1, l = -1;
        for (size_t c = 0; c < header.size(); ++c) {
            const std::string h = CsvReader::lowerAscii(CsvReader::trim(header[c]));
            if (f < 0 && CsvReader::isFileHeader(h)) f = int(c);
            else if (l < 0 && isLabelHeader(h)) l = int(c);
        }
        if (f >= 0 && l >= 0) {
            fileCol = size_t(f);
            labelCol = size_t(l);
            first = 1;
        }
    }

    std::vector<std::pair<int64_t, int64_t>> assignments;
    std::unordered_map<int64_t, std::pair<int, int64_t>> lineOfImage;  // image -> (line, class) of its last row
    for (size_t r = first; r < parsed.records.size(); ++r) {
        const CsvRecord& record = parsed.records[r];
        ++report.rows;
        if (record.fields.size() <= std::max(fileCol, labelCol)) {
            report.problems.push_back(where(record.line) + "expected the columns file,label; found " +
                                      std::to_string(record.fields.size()) + " column(s)");
            continue;
        }
        const std::string file = CsvReader::projectRelative(CsvReader::trim(record.fields[fileCol]), store.root());
        const std::string label = CsvReader::trim(record.fields[labelCol]);
        if (file.empty()) {
            report.problems.push_back(where(record.line) + "empty file name");
            continue;
        }
        if (label.empty()) {
            report.problems.push_back(where(record.line) + "no label for '" + file + "'");
            continue;
        }
        int64_t imageId = 0;
        if (auto it = byPath.find(file); it != byPath.end()) {
            imageId = it->second;
        } else {
            const size_t slash = file.find_last_of('/');
            const std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
            auto named = byName.find(base);
            if (named == byName.end() || (slash != std::string::npos && named->second.size() != 1)) {
                report.problems.push_back(where(record.line) + "no image '" + file + "' in the project");
                continue;
            }
            if (named->second.size() > 1) {
                report.problems.push_back(where(record.line) + "'" + file + "' matches " +
                                          std::to_string(named->second.size()) +
                                          " images in the project; give its path relative to the project folder");
                continue;
            }
            imageId = named->second.front();
        }
        auto cls = classIds.find(label);
        if (cls == classIds.end()) {
            auto id = store.ensureClass(label);
            if (!id.ok()) {  // a name the store refuses (not UTF-8, a control character, too long): this row only
                report.problems.push_back(where(record.line) + id.error());
                continue;
            }
            cls = classIds.emplace(label, id.value()).first;
            ++report.classesCreated;
        }
        auto [prev, fresh] = lineOfImage.try_emplace(imageId, record.line, cls->second);
        if (!fresh) {
            if (prev->second.second != cls->second)
                report.problems.push_back(where(record.line) + "'" + file + "' was already labelled on line " +
                                          std::to_string(prev->second.first) + "; this later row wins");
            prev->second = {record.line, cls->second};
        }
        assignments.emplace_back(imageId, cls->second);
    }

    if (!assignments.empty()) {
        auto applied = store.assignLabels(assignments, source);
        if (!applied.ok()) return applied.takeError();
        report.applied = static_cast<int64_t>(lineOfImage.size());
    }
    return report;
}

Expected<int64_t> exportLabelsCsv(const ProjectStore& store, const fs::path& csvPath) {
    auto images = store.images();
    if (!images.ok()) return images.takeError();
    auto labels = store.labels();
    if (!labels.ok()) return labels.takeError();
    auto classes = store.classes();
    if (!classes.ok()) return classes.takeError();
    std::unordered_map<int64_t, const Label*> labelOf;
    for (const Label& l : labels.value()) labelOf.emplace(l.imageId, &l);
    std::unordered_map<int64_t, std::string> className;
    for (const ClassInfo& c : classes.value()) className.emplace(c.id, c.name);

    int64_t rows = 0;
    std::string text = "file,label,source\r\n";
    for (const ImageRecord& r : images.value()) {  // ordered by relPath
        auto l = labelOf.find(r.id);
        if (l == labelOf.end()) continue;
        text += CsvReader::quote(r.relPath) + ',' + CsvReader::quote(className[l->second->classId]) + ',' +
                toString(l->second->source) + "\r\n";
        ++rows;
    }
    // A failure (a full disk) never leaves a half-written CSV behind: the previous file stays as it was.
    if (auto st = util::writeFileAtomically(csvPath, text); !st) return st.takeError();
    return rows;
}

}  // namespace tessera::project
