#include "core/project/csvreader.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/util/filetext.h"

namespace tessera::project {

namespace {
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";  // Excel starts its CSV files with one
}  // namespace

CsvParseResult CsvReader::parse(const std::string& textIn) {
    CsvParseResult out;
    size_t i = 0;
    const std::string& text = textIn;
    if (text.rfind(kUtf8Bom, 0) == 0) i = kUtf8Bom.size();
    const size_t n = text.size();
    int line = 1;

    while (i < n) {
        CsvRecord record;
        record.line = line;
        std::string field;
        bool recordDone = false;
        bool anyContent = false;
        while (!recordDone) {
            field.clear();
            if (i < n && text[i] == '"') {
                anyContent = true;
                const int quoteLine = line;
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') ++line;
                    field += c;
                    ++i;
                }
                if (!closed) {
                    out.problems.emplace_back(quoteLine, "quoted field is never closed (missing '\"')");
                    i = n;
                }
                // Text between the closing quote and the next separator is not RFC 4180; keep it, but say so.
                size_t junkStart = i;
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
                if (i > junkStart)
                    out.problems.emplace_back(line, "text after a closing quote (\"" + text.substr(junkStart, i - junkStart) +
                                                        "\"); kept as part of the field");
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
                if (!field.empty()) anyContent = true;
            }
            record.fields.push_back(field);
            if (i >= n) {
                recordDone = true;
            } else if (text[i] == ',') {
                anyContent = true;
                ++i;
                if (i >= n) {  // trailing comma at end of file: one more empty field
                    record.fields.emplace_back();
                    recordDone = true;
                }
            } else {  // CR, LF or CRLF ends the record
                if (text[i] == '\r') ++i;
                if (i < n && text[i] == '\n') ++i;
                ++line;
                recordDone = true;
            }
        }
        if (anyContent) out.records.push_back(std::move(record));
    }
    return out;
}

std::string CsvReader::quote(const std::string& field) {
    const auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    bool needs = field.find_first_of(",\"\r\n") != std::string::npos;
    // Spaces at the ends would be trimmed on import, and a leading byte-order mark dropped as the file's own.
    if (!field.empty() && (isSpace(field.front()) || isSpace(field.back()) || field.rfind(kUtf8Bom, 0) == 0)) needs = true;
    if (!needs) return field;
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

Expected<CsvParseResult> CsvReader::parseFile(const std::filesystem::path& path) {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size == 0) return makeError("'" + path.string() + "' is empty: no rows to import");
    if (!ec && size > kMaxFileBytes)
        return makeError("'" + path.string() + "' is too large to import (" + std::to_string(size >> 20) +
                         " MiB; at most " + std::to_string(kMaxFileBytes >> 20) + " MiB): split it into parts");
    auto text = readFileText(path, kMaxFileBytes);
    if (!text) return text.takeError();
    return parse(*text);
}

std::string CsvReader::trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::string CsvReader::lowerAscii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool CsvReader::isFileHeader(const std::string& h) {
    return h == "file" || h == "filename" || h == "file_name" || h == "path" || h == "image" || h == "rel_path";
}

std::string CsvReader::projectRelative(std::string file, const std::filesystem::path& root) {
    for (char& c : file)
        if (c == '\\') c = '/';
    const std::string rootText = root.generic_string() + "/";
    if (file.compare(0, rootText.size(), rootText) == 0) file.erase(0, rootText.size());
    while (file.compare(0, 2, "./") == 0) file.erase(0, 2);
    return file;
}

}  // namespace tessera::project
