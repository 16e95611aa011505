#include "core/evaluate/evaluationreport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/train/runcard.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"

namespace tessera::learn {

std::string htmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string base64(const std::string& bytes) {
    static const char* const table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const auto b = [&](size_t k) { return k < bytes.size() ? uint32_t(uint8_t(bytes[k])) : 0u; };
        const uint32_t v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? table[v & 63] : '=';
    }
    return out;
}

namespace {

std::string pct(double p, int decimals = 1) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f %%", decimals, 100.0 * p);
    return text;
}

std::string num(double v, int decimals) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return text;
}

std::string intervalText(const Interval& i) { return pct(i.value) + " (" + pct(i.low) + " – " + pct(i.high) + ")"; }

// A photo as a small JPEG data URI (longer side 160 px), upright as the decoder turns it (EXIF orientation, 16-bit,
// CMYK: what training saw); empty when it cannot be read.
std::string thumbnailUri(const std::filesystem::path& file) {
    constexpr int kSide = 160;
    imaging::DecodeOptions options;
    options.minLongSide = kSide;
    auto rgb = imaging::ImageDecoder::decode(file, options);
    if (!rgb) return {};
    cv::Mat image;
    cv::cvtColor(*rgb, image, cv::COLOR_RGB2BGR);  // imencode writes BGR
    const double scale = double(kSide) / std::max(image.cols, image.rows);
    cv::Mat small;
    cv::resize(image, small, {}, std::min(1.0, scale), std::min(1.0, scale), cv::INTER_AREA);
    std::vector<uchar> jpeg;
    if (!cv::imencode(".jpg", small, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85})) return {};
    return "data:image/jpeg;base64," + base64(std::string(jpeg.begin(), jpeg.end()));
}

// Bars of the share right per confidence bin against the diagonal of perfect calibration.
std::string reliabilitySvg(const Calibration& c) {
    const int size = 320, pad = 36;
    const double inner = size - 2 * pad;
    std::ostringstream s;
    s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << size << "' height='" << size
      << "' role='img' aria-label='reliability diagram'>";
    s << "<rect x='" << pad << "' y='" << pad << "' width='" << inner << "' height='" << inner
      << "' fill='none' stroke='#888'/>";
    for (const auto& b : c.bins) {
        if (b.count == 0) continue;
        const double x = pad + b.lower * inner, w = (b.upper - b.lower) * inner, h = b.accuracy * inner;
        s << "<rect x='" << num(x + 1, 1) << "' y='" << num(pad + inner - h, 1) << "' width='" << num(w - 2, 1)
          << "' height='" << num(h, 1) << "' fill='#4e79a7'><title>" << pct(b.lower, 0) << "–" << pct(b.upper, 0)
          << ": " << b.count << " photos, " << pct(b.accuracy) << " right at " << pct(b.confidence)
          << " mean confidence</title></rect>";
    }
    s << "<line x1='" << pad << "' y1='" << pad + inner << "' x2='" << pad + inner << "' y2='" << pad
      << "' stroke='#e15759' stroke-dasharray='4 3'/>";
    s << "<text x='" << size / 2 << "' y='" << size - 8 << "' text-anchor='middle' font-size='12'>confidence</text>";
    s << "<text x='12' y='" << size / 2 << "' text-anchor='middle' font-size='12' transform='rotate(-90 12 " << size / 2
      << ")'>share right</text>";
    for (int t = 0; t <= 4; ++t) {
        const double v = t / 4.0;
        s << "<text x='" << num(pad + v * inner, 1) << "' y='" << pad + inner + 14
          << "' text-anchor='middle' font-size='10'>" << num(v, 2) << "</text>";
        s << "<text x='" << pad - 4 << "' y='" << num(pad + inner - v * inner + 3, 1)
          << "' text-anchor='end' font-size='10'>" << num(v, 2) << "</text>";
    }
    s << "</svg>";
    return s.str();
}

std::string today() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

}  // namespace

std::string evaluationReportHtml(const EvaluationReportInput& in) {
    const auto& cv = in.cv;
    const auto& d = in.dataset;
    const auto& names = cv.classNames;
    const auto name = [&](size_t c) { return htmlEscape(names[c]); };
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
      << "<title>Evaluation of a classifier of " << htmlEscape(in.projectName) << "</title><style>"
      << "body{font-family:serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
      << "table{border-collapse:collapse;margin:0.5em 0 1em}td,th{border:1px solid #bbb;padding:0.2em 0.5em;"
      << "text-align:right}th:first-child,td:first-child{text-align:left}caption{text-align:left;font-style:italic}"
      << "figure{display:inline-block;margin:0.3em;text-align:center;font-size:0.8em;max-width:170px}"
      << "figure img{display:block;margin:auto}.note{font-size:0.9em;color:#444}</style></head><body>\n";
    h << "<h1>Evaluation of an image classifier: " << htmlEscape(in.projectName) << "</h1>\n";
    h << "<p class='note'>Generated by Tessera " << TESSERA_VERSION << " on " << today()
      << ". Every figure below comes from repeated k-fold cross-validation: each labelled photo was classified by a "
         "model trained without it.</p>\n";

    h << "<h2>Dataset</h2>\n<p>" << cv.photos << " labelled photos of " << cv.finds
      << " finds (a photo without a find id counts as its own find) in " << names.size() << " classes";
    if (cv.disputedLeftOut > 0) h << "; " << cv.disputedLeftOut << " photos with disputed labels were left out";
    h << ". The project holds " << d.images << " photos in all (" << d.unlabelled << " unlabelled).</p>\n";
    h << "<table><caption>Labelled photos per class</caption><tr><th>class</th><th>photos</th></tr>";
    for (size_t c = 0; c < names.size(); ++c) h << "<tr><td>" << name(c) << "</td><td>" << cv.classPhotos[c] << "</td></tr>";
    h << "</table>\n";
    h << "<p>Resolution of the readable photos: width " << num(d.width.min, 0) << "–" << num(d.width.max, 0)
      << " px (median " << num(d.width.median, 0) << "), height " << num(d.height.min, 0) << "–"
      << num(d.height.max, 0) << " px (median " << num(d.height.median, 0) << "), " << num(d.megapixels.median, 2)
      << " megapixels median. Health flags: " << d.unreadable << " unreadable, " << d.tooSmall.size()
      << " smaller than 224 px on the shorter side, " << d.blurry.size() << " blurry, " << d.exactDuplicates.size()
      << " groups of exact duplicates, " << d.nearDuplicates.size() << " groups of near duplicates.</p>\n";

    h << "<h2>Training settings</h2>\n<table><tr><th>setting</th><th>value</th></tr>";
    for (const auto& [key, value] : in.settings)
        h << "<tr><td>" << htmlEscape(key) << "</td><td>" << htmlEscape(value) << "</td></tr>";
    h << "</table>\n";

    h << "<h2>Cross-validated results</h2>\n<p><b>Accuracy " << intervalText(cv.accuracy) << "</b> (95 % interval), "
      << cv.folds << "-fold cross-validation";
    if (cv.repeats > 1) {
        h << " repeated " << cv.repeats << " times (per repeat:";
        for (double a : cv.repeatAccuracy) h << " " << pct(a);
        h << ")";
    }
    h << ".</p>\n<table><caption>Recall per class (share of its photos classified as it), 95 % intervals</caption>"
      << "<tr><th>class</th><th>recall</th><th>interval</th><th>photos</th></tr>";
    for (size_t c = 0; c < names.size(); ++c)
        h << "<tr><td>" << name(c) << "</td><td>" << pct(cv.recall[c].value) << "</td><td>" << pct(cv.recall[c].low)
          << " – " << pct(cv.recall[c].high) << "</td><td>" << cv.classPhotos[c] << "</td></tr>";
    h << "</table>\n<table><caption>Confusion matrix, summed over folds and repeats (rows: true class; columns: "
         "predicted)</caption><tr><th></th>";
    for (size_t c = 0; c < names.size(); ++c) h << "<th>" << name(c) << "</th>";
    h << "</tr>";
    for (size_t t = 0; t < names.size(); ++t) {
        h << "<tr><th>" << name(t) << "</th>";
        for (size_t p = 0; p < names.size(); ++p)
            h << "<td" << (t == p ? " style='font-weight:bold'" : "") << ">" << cv.confusion[t][p] << "</td>";
        h << "</tr>";
    }
    h << "</table>\n";

    h << "<h2>Calibration</h2>\n<p>Expected calibration error " << num(cv.calibration.ece, 3) << " ("
      << cv.calibration.bins.size() << " bins of confidence), log loss " << num(cv.calibration.logLoss, 3)
      << ". Scaling the model's scores by a temperature of " << num(cv.temperature, 2) << " would give "
      << num(cv.calibrated.ece, 3) << " and " << num(cv.calibrated.logLoss, 3)
      << " (fitted on the same scores, so somewhat optimistic).</p>\n"
      << reliabilitySvg(cv.calibration) << "\n<p class='note'>Bars: the share of photos classified right in each bin "
      << "of confidence; dashed line: perfect calibration (a model that says 70 % is right 70 % of the time).</p>\n";

    // The most confused pairs, with photos of the first repeat's calls.
    std::vector<std::pair<int64_t, std::pair<size_t, size_t>>> pairs;
    for (size_t t = 0; t < names.size(); ++t)
        for (size_t p = 0; p < names.size(); ++p)
            if (t != p && cv.confusion[t][p] > 0) pairs.push_back({cv.confusion[t][p], {t, p}});
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    h << "<h2>Most confused classes</h2>\n";
    if (pairs.empty()) h << "<p>No photo was classified as another class.</p>\n";
    for (size_t i = 0; i < pairs.size() && i < 3; ++i) {
        const auto [t, p] = pairs[i].second;
        h << "<h3>" << name(t) << " classified as " << name(p) << ": " << pairs[i].first << " times</h3>\n<div>";
        int shown = 0;
        for (const auto& call : cv.calls) {
            if (call.label != int(t) || call.predicted != int(p) || shown >= in.examplesPerPair) continue;
            const std::string uri = thumbnailUri(in.projectRoot / call.relPath);
            if (uri.empty()) continue;
            h << "<figure><img src='" << uri << "' alt='" << htmlEscape(call.relPath) << "'><figcaption>"
              << htmlEscape(call.relPath) << " (" << pct(call.confidence, 0) << ")</figcaption></figure>";
            ++shown;
        }
        h << "</div>\n";
    }

    h << "<h2>Method</h2>\n<p class='note'>Folds keep the photos of one find (find id, site and context) and "
         "near-identical photos (perceptual hash distance up to 2) together, stratified by class; each repeat "
         "reshuffles the folds and the training seed. Each fold's model is trained from the settings above on the "
         "other folds and scores its own fold once training ends. The accuracy interval is a percentile bootstrap "
         "(resampling whole finds, so that many photos of one find are not counted as independent evidence); the "
         "recall intervals are Wilson score intervals. The expected calibration error is the share-weighted mean gap "
         "between confidence and the share right over equal-width bins of top-1 confidence.</p>\n</body></html>\n";
    return h.str();
}

Status writeEvaluationReport(const EvaluationReportInput& input, const std::filesystem::path& file) {
    return util::writeFileAtomically(file, evaluationReportHtml(input));
}

Status writeCrossValidationReport(const project::ProjectStore& store, const TrainOptions& recipe,
                                  const CrossValidationReport& report, const std::filesystem::path& file) {
    auto statistics = stats::computeStatistics(store);
    if (!statistics) return statistics.takeError();
    EvaluationReportInput input;
    input.projectRoot = store.root();
    input.projectName = input.projectRoot.lexically_normal().filename().string();
    if (input.projectName.empty()) input.projectName = input.projectRoot.string();
    const nlohmann::json settings = RunCard::toJson(recipe);  // items() must not outlive it
    for (const auto& [key, value] : settings.items())
        input.settings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
    input.dataset = std::move(*statistics);
    input.cv = report;
    return writeEvaluationReport(input, file);
}

}  // namespace tessera::learn
