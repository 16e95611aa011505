#include "core/predict/predictiontable.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/project/csvreader.h"
#include "core/util/filetext.h"

namespace fs = std::filesystem;

namespace tessera::learn {

namespace {

std::string fixed6(float p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", double(p));
    return buf;
}

// Rounded to the 6 decimals the CSV shows, so both formats carry the same numbers.
double rounded6(float p) { return std::round(double(p) * 1e6) / 1e6; }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

}  // namespace

Expected<PredictionFormat> PredictionTable::formatFor(const std::string& name, const fs::path& out) {
    const std::string n = lower(name);
    if (n == "csv") return PredictionFormat::Csv;
    if (n == "jsonl" || n == "json" || n == "ndjson") return PredictionFormat::Jsonl;
    if (!n.empty()) return makeError("unknown output format '" + name + "' (expected csv or jsonl)");
    const std::string ext = lower(out.extension().string());
    if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return PredictionFormat::Jsonl;
    return PredictionFormat::Csv;
}

std::string PredictionTable::header(PredictionFormat format, int topK) {
    if (format == PredictionFormat::Jsonl) return {};
    std::string h = "file,sha256";
    for (int k = 1; k <= topK; ++k) h += ",top" + std::to_string(k) + ",p" + std::to_string(k);
    return h + ",unknown,error,model\n";
}

std::string PredictionTable::row(PredictionFormat format, const Prediction& p, int topK, const std::string& model) {
    const std::string file = p.file.string();
    if (format == PredictionFormat::Jsonl) {
        nlohmann::ordered_json j;
        j["file"] = file;
        j["sha256"] = p.contentHash;
        auto top = nlohmann::ordered_json::array();
        for (const auto& c : p.top) top.push_back({{"class", c.className}, {"p", rounded6(c.probability)}});
        j["top"] = top;
        j["unknown"] = p.unknown;
        j["error"] = p.error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(p.error);
        j["model"] = model;
        // Invalid UTF-8 in a file name must not abort the run: replace it.
        return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
    using project::CsvReader;
    std::string r = CsvReader::quote(file) + "," + p.contentHash;
    for (int k = 0; k < topK; ++k) {
        if (size_t(k) < p.top.size())
            r += "," + CsvReader::quote(p.top[size_t(k)].className) + "," + fixed6(p.top[size_t(k)].probability);
        else
            r += ",,";
    }
    r += std::string(",") + (p.error.empty() ? (p.unknown ? "1" : "0") : "") + ",";
    std::string err = p.error;
    // One record per line keeps the file friendly to grep and wc -l; a line break in a message becomes a space.
    std::replace(err.begin(), err.end(), '\n', ' ');
    std::replace(err.begin(), err.end(), '\r', ' ');
    return r + CsvReader::quote(err) + "," + model + "\n";
}

std::string PredictionTable::findHeader(int topK) {
    std::string h = "site,context,find_id,photos,unreadable";
    for (int k = 1; k <= topK; ++k) h += ",top" + std::to_string(k) + ",p" + std::to_string(k);
    return h + ",unknown\n";
}

std::string PredictionTable::findRow(const FindPrediction& find, int64_t unreadable,
                                     const std::vector<std::string>& classNames, int topK, double unknownBelow) {
    using project::CsvReader;
    std::string r = CsvReader::quote(find.find.site) + "," + CsvReader::quote(find.find.context) + "," +
                    CsvReader::quote(find.find.findId) + "," + std::to_string(find.photos) + "," +
                    std::to_string(unreadable);
    const auto top = FindAggregation::top(find, topK);
    for (int k = 0; k < topK; ++k) {
        if (size_t(k) < top.size() && size_t(top[size_t(k)].first) < classNames.size()) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.6f", top[size_t(k)].second);
            r += "," + CsvReader::quote(classNames[size_t(top[size_t(k)].first)]) + "," + buf;
        } else {
            r += ",,";
        }
    }
    if (find.photos == 0 || top.empty()) return r + ",\n";
    return r + (top.front().second < unknownBelow ? ",1\n" : ",0\n");
}

Expected<PredictionFile> PredictionTable::read(const fs::path& file, PredictionFormat format) {
    auto read = readFileText(file);
    if (!read) return makeError("prediction file: " + read.error());
    const std::string& text = *read;
    PredictionFile out;
    out.totalBytes = int64_t(text.size());
    // Split into records at line breaks outside quotes; the tail after the last one is incomplete.
    size_t start = 0;
    int line = 1, startLine = 1;
    bool quoted = false;
    std::vector<std::pair<size_t, size_t>> spans;
    std::vector<int> lines;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (format == PredictionFormat::Csv && c == '"') quoted = !quoted;
        if (c != '\n') continue;
        ++line;
        if (quoted) continue;
        spans.emplace_back(start, i + 1);
        lines.push_back(startLine);
        start = i + 1;
        startLine = line;
    }
    out.completeBytes = int64_t(start);
    const std::string where = file.string() + ":";
    for (size_t s = 0; s < spans.size(); ++s) {
        PredictionFileRecord rec;
        rec.text = text.substr(spans[s].first, spans[s].second - spans[s].first);
        rec.line = lines[s];
        const std::string at = where + std::to_string(rec.line) + ": ";
        if (format == PredictionFormat::Csv) {
            if (s == 0) {
                if (rec.text.rfind("file,sha256,", 0) != 0)
                    return makeError(at + "not a Tessera prediction CSV (the header must start with file,sha256)");
                out.header = rec.text;
                continue;
            }
            auto parsed = project::CsvReader::parse(rec.text);
            if (parsed.records.size() != 1 || parsed.records[0].fields.size() < 2)
                return makeError(at + "not a prediction record");
            const auto& f = parsed.records[0].fields;
            rec.file = f.front();
            rec.model = f.back();
            // file,sha256, (class,p) x k, unknown,error,model
            if (f.size() >= 5) {
                rec.error = f[f.size() - 2];
                for (size_t c = 2; c + 1 < f.size() - 3; c += 2) {
                    if (f[c].empty()) continue;
                    char* end = nullptr;
                    const double p = std::strtod(f[c + 1].c_str(), &end);
                    if (end == f[c + 1].c_str()) return makeError(at + "probability '" + f[c + 1] + "' is not a number");
                    rec.top.push_back({-1, f[c], float(p)});
                }
            }
        } else {
            const auto j = nlohmann::json::parse(rec.text, nullptr, /*allow_exceptions=*/false);
            if (j.is_discarded() || !j.is_object() || !j.contains("file") || !j["file"].is_string())
                return makeError(at + "not a prediction record (a JSON object with \"file\")");
            rec.file = j["file"].get<std::string>();
            rec.model = j.value("model", std::string());
            if (j.contains("error") && j["error"].is_string()) rec.error = j["error"].get<std::string>();
            if (j.contains("top") && j["top"].is_array())
                for (const auto& t : j["top"]) {
                    if (!t.is_object() || !t.contains("class") || !t["class"].is_string() || !t.contains("p") ||
                        !t["p"].is_number())
                        return makeError(at + "a \"top\" entry is not {\"class\": name, \"p\": number}");
                    rec.top.push_back({-1, t["class"].get<std::string>(), t["p"].get<float>()});
                }
        }
        out.records.push_back(std::move(rec));
    }
    return out;
}

}  // namespace tessera::learn
