#include "core/fewshot/collectionmap.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/fewshot/labelcheck.h"
#include "core/util/atomicfile.h"

namespace tessera::learn {

Expected<CollectionMap> mapCollection(const QuickModel& model, const FeatureMapOptions& options, int folds,
                                      const JobContext& ctx) {
    const PhotoFeatures features = model.features();
    CollectionMap map;
    map.classIds = model.classIds();
    map.classNames = model.classNames();
    map.options = options;
    auto layout = FeatureMap::layOut(features.values, features.rows(), features.dim, options, ctx);
    if (!layout) return layout.takeError();
    std::unordered_map<int64_t, size_t> rowOf;
    for (size_t i = 0; i < features.rows(); ++i) {
        MapPoint p;
        p.imageId = features.imageIds[i];
        p.relPath = features.relPaths[i];
        p.find = features.finds[i];
        p.x = (*layout)[i * 2];
        p.y = (*layout)[i * 2 + 1];
        p.label = features.labels[i];
        p.disputed = features.disputed[i] != 0;
        rowOf[p.imageId] = i;
        map.points.push_back(std::move(p));
    }
    for (const auto& q : model.predictions()) {
        auto& p = map.points[rowOf.at(q.imageId)];
        p.predicted = q.classIndex;
        p.confidence = float(q.confidence);
    }

    // Labelled photos: out-of-fold predictions and the label check. Too few photos for the folds is not an error
    // for the map: the photos are still placed.
    auto check = checkLabels(model, folds, ctx);
    if (!check) {
        if (ctx.cancelled()) return makeError("cancelled");
        map.labelCheckSkipped = check.error();
        return map;
    }
    for (const auto& o : check->outOfFold) {
        auto& p = map.points[rowOf.at(o.imageId)];
        const auto best = std::max_element(o.probabilities.begin(), o.probabilities.end());
        p.predicted = int(best - o.probabilities.begin());
        p.confidence = *best;
    }
    for (const auto& f : check->flagged) map.points[rowOf.at(f.imageId)].suggested = f.suggested;
    map.flagged = check->flagged.size();
    return map;
}

std::string findDisplayName(const std::string& findKey) {
    std::string out;
    size_t begin = 0;
    while (begin <= findKey.size()) {
        const size_t end = std::min(findKey.find('\x1f', begin), findKey.size());
        if (end > begin) out += (out.empty() ? "" : " / ") + findKey.substr(begin, end - begin);
        begin = end + 1;
    }
    return out;
}

namespace {

// Tableau's ten colours: distinct for the common case of a handful of classes, when a class has no colour of its own.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

cv::Scalar bgrOf(const std::string& hex, size_t fallbackIndex) {
    unsigned r = 0, g = 0, b = 0;
    if (hex.size() == 7 && hex[0] == '#' && std::sscanf(hex.c_str() + 1, "%02x%02x%02x", &r, &g, &b) == 3)
        return cv::Scalar(b, g, r);
    return bgrOf(kPalette[fallbackIndex % std::size(kPalette)], 0);
}

// Hershey fonts draw ASCII only: other characters become '?' rather than garbage.
std::string asciiOnly(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += char(c);
        } else if ((c & 0xC0) != 0x80) {
            out += '?';  // the first byte of a UTF-8 sequence; continuation bytes are dropped
        }
    }
    return out;
}

}  // namespace

Status writeMapPicture(const CollectionMap& map, const std::vector<std::string>& classColors,
                       const std::string& caption, const std::filesystem::path& file, int width, int height) {
    if (width < 200 || height < 200) return makeError("map picture: at least 200 x 200 pixels");
    cv::Mat img(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
    const int legendWidth = 280, margin = 40, captionHeight = 40;
    const cv::Rect plot(margin, margin, width - legendWidth - 2 * margin, height - 2 * margin - captionHeight);
    float minX = 0, maxX = 1, minY = 0, maxY = 1;
    if (!map.points.empty()) {
        minX = maxX = map.points[0].x;
        minY = maxY = map.points[0].y;
        for (const auto& p : map.points) {
            minX = std::min(minX, p.x), maxX = std::max(maxX, p.x);
            minY = std::min(minY, p.y), maxY = std::max(maxY, p.y);
        }
    }
    // One scale for both axes: distances on the picture are distances on the map.
    const float scale = std::min(float(plot.width) / std::max(1e-6f, maxX - minX),
                                 float(plot.height) / std::max(1e-6f, maxY - minY));
    const float offX = plot.x + (plot.width - scale * (maxX - minX)) / 2.0f;
    const float offY = plot.y + (plot.height - scale * (maxY - minY)) / 2.0f;
    const auto at = [&](const MapPoint& p) {
        return cv::Point(int(offX + (p.x - minX) * scale), int(offY + (maxY - p.y) * scale));
    };
    const int radius = map.points.size() > 5000 ? 2 : map.points.size() > 1000 ? 3 : 5;
    std::vector<cv::Scalar> colours;
    for (size_t c = 0; c < map.classNames.size(); ++c)
        colours.push_back(bgrOf(c < classColors.size() ? classColors[c] : std::string(), c));
    const cv::Scalar grey(160, 160, 160), black(0, 0, 0);
    // Unlabelled first, so labelled dots stay visible; disputed ones as rings in their label's colour; flagged ones
    // last, ringed in black.
    for (const auto& p : map.points)
        if (p.label < 0) cv::circle(img, at(p), radius, grey, 1, cv::LINE_AA);
    for (const auto& p : map.points)
        if (p.label >= 0 && p.disputed) cv::circle(img, at(p), radius, colours[size_t(p.label)], 2, cv::LINE_AA);
    for (const auto& p : map.points)
        if (p.label >= 0 && !p.disputed && p.suggested < 0)
            cv::circle(img, at(p), radius, colours[size_t(p.label)], cv::FILLED, cv::LINE_AA);
    for (const auto& p : map.points)
        if (p.label >= 0 && p.suggested >= 0) {
            cv::circle(img, at(p), radius + 1, colours[size_t(p.label)], cv::FILLED, cv::LINE_AA);
            cv::circle(img, at(p), radius + 3, black, 1, cv::LINE_AA);
        }

    // Legend: class, labelled count; then unlabelled, disputed and flagged.
    std::vector<size_t> perClass(map.classNames.size(), 0);
    size_t unlabelled = 0, disputed = 0;
    for (const auto& p : map.points) {
        if (p.disputed) ++disputed;
        else if (p.label >= 0) ++perClass[size_t(p.label)];
        else ++unlabelled;
    }
    int y = margin + 10;
    const int x = width - legendWidth;
    const auto line = [&](const std::string& text) {
        cv::putText(img, asciiOnly(text), {x + 20, y + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.5, black, 1, cv::LINE_AA);
        y += 24;
    };
    for (size_t c = 0; c < map.classNames.size(); ++c) {
        cv::circle(img, {x + 6, y}, 6, colours[c], cv::FILLED, cv::LINE_AA);
        line(map.classNames[c] + " (" + std::to_string(perClass[c]) + ")");
    }
    if (unlabelled > 0) {
        cv::circle(img, {x + 6, y}, 6, grey, 1, cv::LINE_AA);
        line("unlabelled (" + std::to_string(unlabelled) + ")");
    }
    if (disputed > 0) {
        cv::circle(img, {x + 6, y}, 6, black, 2, cv::LINE_AA);
        line("disputed label, ring in its colour (" + std::to_string(disputed) + ")");
    }
    if (map.flagged > 0) {
        cv::circle(img, {x + 6, y}, 8, black, 1, cv::LINE_AA);
        line("possibly mislabelled (" + std::to_string(map.flagged) + ")");
    }
    cv::putText(img, asciiOnly(caption), {margin, height - margin / 2}, cv::FONT_HERSHEY_SIMPLEX, 0.5, black, 1,
                cv::LINE_AA);

    std::vector<uchar> png;
    if (!cv::imencode(".png", img, png)) return makeError("map picture: PNG encoding failed for " + file.string());
    return util::writeFileAtomically(file, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

}  // namespace tessera::learn
