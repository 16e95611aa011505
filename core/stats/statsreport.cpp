#include "core/stats/statsreport.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace tessera::stats {
namespace {

using nlohmann::json;

json summaryJson(const Summary& s) { return {{"min", s.min}, {"median", s.median}, {"max", s.max}}; }

json histogramJson(const Histogram& h) {
    json bins = json::array();
    for (size_t i = 0; i < h.counts.size(); ++i)
        bins.push_back({{"lo", h.binLow(i)}, {"hi", h.binHigh(i)}, {"count", h.counts[i]}});
    return {{"lo", h.lo}, {"hi", h.hi}, {"bins", bins}};
}

json flaggedJson(const std::vector<FlaggedImage>& list) {
    json out = json::array();
    for (const auto& f : list) out.push_back({{"id", f.id}, {"file", f.relPath}, {"reason", f.reason}});
    return out;
}

json groupsJson(const std::vector<DuplicateGroup>& groups, bool exact) {
    json out = json::array();
    for (const auto& g : groups) {
        json j = {{"ids", g.ids}, {"files", g.relPaths}};
        if (exact)
            j["contentHash"] = g.contentHash;
        else
            j["maxDistance"] = g.maxDistance;
        out.push_back(std::move(j));
    }
    return out;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// A table whose columns are padded to their widest cell; numeric columns (right) are right-aligned.
class Table {
public:
    explicit Table(std::vector<bool> rightAligned) : right_(std::move(rightAligned)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    void print(std::ostream& os, const std::string& indent = "  ") const {
        std::vector<size_t> width(right_.size(), 0);
        for (const auto& row : rows_)
            for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
        for (const auto& row : rows_) {
            std::string line = indent;
            for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
                const std::string pad(width[c] - row[c].size(), ' ');
                line += right_[c] ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : "");
                if (c + 1 < row.size()) line += "  ";
            }
            while (!line.empty() && line.back() == ' ') line.pop_back();  // empty last cells leave no trailing blanks
            os << line << "\n";
        }
    }

private:
    std::vector<bool> right_;
    std::vector<std::vector<std::string>> rows_;
};

void printHistogram(std::ostream& os, const char* title, const Histogram& h, const char* numFmt) {
    os << title << "\n";
    if (h.counts.empty()) {
        os << "  (no readable images)\n";
        return;
    }
    const int64_t peak = *std::max_element(h.counts.begin(), h.counts.end());
    Table t({true, false, true, false, true, false});
    for (size_t i = 0; i < h.counts.size(); ++i) {
        const size_t bar = peak > 0 ? size_t((h.counts[i] * 40 + peak - 1) / peak) : 0;
        const bool last = i + 1 == h.counts.size();
        t.add({fmt(numFmt, h.binLow(i)), "-", fmt(numFmt, h.binHigh(i)), last ? "]" : ")",
               std::to_string(h.counts[i]), std::string(bar, '#')});
    }
    t.print(os);
}

void printFlagged(std::ostream& os, const char* title, const std::vector<FlaggedImage>& list, size_t maxListed) {
    os << title << " (" << list.size() << ")\n";
    Table t({false, false});
    const size_t n = maxListed == 0 ? list.size() : std::min(list.size(), maxListed);
    for (size_t i = 0; i < n; ++i) t.add({list[i].relPath, list[i].reason});
    t.print(os);
    if (n < list.size()) os << "  ... and " << list.size() - n << " more\n";
}

void printGroups(std::ostream& os, const char* title, const std::vector<DuplicateGroup>& groups, bool exact,
                 size_t maxListed) {
    os << title << " (" << groups.size() << " groups)\n";
    const size_t n = maxListed == 0 ? groups.size() : std::min(groups.size(), maxListed);
    for (size_t i = 0; i < n; ++i) {
        const auto& g = groups[i];
        os << "  group " << i + 1 << " (" << g.relPaths.size() << " files";
        if (!exact) os << ", distance <= " << g.maxDistance;
        os << "):";
        for (const auto& p : g.relPaths) os << " " << p;
        os << "\n";
    }
    if (n < groups.size()) os << "  ... and " << groups.size() - n << " more groups\n";
}

}  // namespace

json toJson(const ProjectStatistics& s) {
    json classes = json::array();
    for (const auto& c : s.classes) classes.push_back({{"id", c.classId}, {"name", c.name}, {"count", c.count}});
    json resolutions = json::array();
    for (const auto& r : s.resolutions)
        resolutions.push_back({{"width", r.width}, {"height", r.height}, {"count", r.count}});
    return {
        {"options",
         {{"minShortSide", s.options.minShortSide},
          {"blurThreshold", s.options.blurThreshold},
          {"nearDuplicateMaxDistance", s.options.nearDuplicateMaxDistance},
          {"histogramBins", s.options.histogramBins}}},
        {"images", {{"total", s.images}, {"readable", s.readable}, {"unreadable", s.unreadable}, {"missing", s.missing}}},
        {"width", summaryJson(s.width)},
        {"height", summaryJson(s.height)},
        {"megapixels", summaryJson(s.megapixels)},
        {"aspect", summaryJson(s.aspect)},
        {"megapixelHistogram", histogramJson(s.megapixelHistogram)},
        {"aspectHistogram", histogramJson(s.aspectHistogram)},
        {"resolutions", resolutions},
        {"classes", classes},
        {"labelled", s.labelled},
        {"unlabelled", s.unlabelled},
        {"imbalanceRatio", s.imbalanceRatio},
        {"flags",
         {{"unreadable", flaggedJson(s.unreadableImages)},
          {"tooSmall", flaggedJson(s.tooSmall)},
          {"blurry", flaggedJson(s.blurry)},
          {"exactDuplicates", groupsJson(s.exactDuplicates, true)},
          {"nearDuplicates", groupsJson(s.nearDuplicates, false)}}},
    };
}

std::string toText(const ProjectStatistics& s, size_t maxListed) {
    std::ostringstream os;
    os << "Images: " << s.images << " (" << s.readable << " readable, " << s.unreadable << " unreadable";
    if (s.missing > 0) os << ", " << s.missing << " missing from disk";
    os << ")\n\n";

    Table sizes({false, true, true, true});
    sizes.add({"", "min", "median", "max"});
    sizes.add({"width (px)", fmt("%.0f", s.width.min), fmt("%.1f", s.width.median), fmt("%.0f", s.width.max)});
    sizes.add({"height (px)", fmt("%.0f", s.height.min), fmt("%.1f", s.height.median), fmt("%.0f", s.height.max)});
    sizes.add({"megapixels", fmt("%.3f", s.megapixels.min), fmt("%.3f", s.megapixels.median),
               fmt("%.3f", s.megapixels.max)});
    sizes.add({"aspect (w/h)", fmt("%.3f", s.aspect.min), fmt("%.3f", s.aspect.median), fmt("%.3f", s.aspect.max)});
    os << "Image size\n";
    sizes.print(os);
    os << "\n";

    const size_t nRes = maxListed == 0 ? s.resolutions.size() : std::min(s.resolutions.size(), maxListed);
    os << "Resolutions (" << s.resolutions.size() << " distinct)\n";
    Table res({true, true});
    res.add({"width x height", "images"});
    for (size_t i = 0; i < nRes; ++i)
        res.add({std::to_string(s.resolutions[i].width) + " x " + std::to_string(s.resolutions[i].height),
                 std::to_string(s.resolutions[i].count)});
    res.print(os);
    if (nRes < s.resolutions.size()) os << "  ... and " << s.resolutions.size() - nRes << " more\n";
    os << "\n";

    printHistogram(os, "Megapixels", s.megapixelHistogram, "%.3f");
    os << "\n";
    printHistogram(os, "Aspect ratio (w/h)", s.aspectHistogram, "%.3f");
    os << "\n";

    os << "Classes (" << s.classes.size() << ")\n";
    Table cls({false, true});
    for (const auto& c : s.classes) cls.add({c.name, std::to_string(c.count)});
    cls.add({"(unlabelled)", std::to_string(s.unlabelled)});
    cls.print(os);
    os << "  imbalance (largest / smallest class): " << (s.imbalanceRatio > 0 ? fmt("%.2f", s.imbalanceRatio) : "-")
       << "\n\n";

    os << "Health\n";
    printFlagged(os, "Unreadable", s.unreadableImages, maxListed);
    printFlagged(os, ("Too small (shorter side < " + std::to_string(s.options.minShortSide) + ")").c_str(), s.tooSmall,
                 maxListed);
    printFlagged(os, ("Blurry (Laplacian variance < " + fmt("%.1f", s.options.blurThreshold) + ")").c_str(), s.blurry,
                 maxListed);
    printGroups(os, "Exact duplicates", s.exactDuplicates, true, maxListed);
    printGroups(os,
                ("Near duplicates (pHash distance <= " + std::to_string(s.options.nearDuplicateMaxDistance) + ")")
                    .c_str(),
                s.nearDuplicates, false, maxListed);
    return os.str();
}

}  // namespace tessera::stats
