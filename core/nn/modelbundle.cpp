#include "core/nn/modelbundle.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "core/nn/architecture.h"
#include "core/nn/ziparchive.h"
#include "core/util/jsonread.h"
#include "core/util/text.h"
#include "core/util/timestamp.h"

namespace tessera::nn {

std::string ModelBundle::nowIso8601() { return utcIso8601(); }

std::string ModelBundle::manifestToJson(const BundleManifest& m) {
    nlohmann::ordered_json j;
    j["format"] = "tessera-model";
    j["format_version"] = m.formatVersion;
    j["arch"] = m.arch;
    j["class_names"] = m.classNames;
    j["preprocessing"] = {{"input_size", m.preprocessing.inputSize},
                          {"mean", m.preprocessing.mean},
                          {"std", m.preprocessing.std},
                          {"resize_policy", m.preprocessing.resizePolicy},
                          {"canvas_size", m.preprocessing.canvasSize},
                          {"framing", m.preprocessing.framing}};
    const auto& c = m.calibration;
    j["calibration"] = {{"temperature", c.temperature}, {"fitted_on", c.fittedOn}, {"photos", c.photos},
                        {"ece_before", c.eceBefore}, {"ece_after", c.eceAfter}, {"note", c.note}};
    j["created"] = m.created;
    j["tessera_version"] = m.tesseraVersion;
    return j.dump(2);
}

Expected<BundleManifest> ModelBundle::manifestFromJson(const std::string& text, const std::string& source) {
    auto fail = [&](const std::string& what) { return makeError("bad model bundle " + source + ": " + what); };
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return fail("manifest.json is not a JSON object");
    try {
        BundleManifest m;
        if (j.value("format", std::string()) != "tessera-model") return fail("manifest.json is not a Tessera model manifest");
        m.formatVersion = jsonValueOr(j, "format_version", 0);
        if (m.formatVersion < 1) return fail("manifest.json has no valid format_version");
        if (m.formatVersion > kFormatVersion)
            return fail("format version " + std::to_string(m.formatVersion) + " was written by a newer Tessera (this one reads up to " +
                        std::to_string(kFormatVersion) + ")");
        m.arch = j.at("arch").get<std::string>();
        if (auto a = parseArchitecture(m.arch); !a) return fail(a.error());
        m.classNames = j.at("class_names").get<std::vector<std::string>>();
        if (m.classNames.empty()) return fail("no class names");
        if (m.classNames.size() > kMaxClasses)
            return fail(std::to_string(m.classNames.size()) + " classes (at most " + std::to_string(kMaxClasses) + ")");
        std::set<std::string> seen;
        for (const std::string& name : m.classNames) {
            if (name.empty()) return fail("a class without a name");
            if (auto problem = nameProblem(name, 1000)) return fail("class " + *problem);
            if (!seen.insert(name).second)
                return fail("the class '" + name + "' is listed twice; predictions could not tell them apart");
        }
        const auto& p = j.at("preprocessing");
        // Numbers through jsonAs: a value out of range (1e300 for an int or a float) is refused, not converted.
        m.preprocessing.inputSize = jsonValueOr(p, "input_size", 0);
        const auto mean = jsonValueOr(p, "mean", std::vector<float>{});
        const auto stdDev = jsonValueOr(p, "std", std::vector<float>{});
        if (mean.size() != 3 || stdDev.size() != 3)
            return fail("preprocessing mean and std must be three numbers each");
        std::copy(mean.begin(), mean.end(), m.preprocessing.mean.begin());
        std::copy(stdDev.begin(), stdDev.end(), m.preprocessing.std.begin());
        m.preprocessing.resizePolicy = p.value("resize_policy", BundlePreprocessing::defaults().resizePolicy);
        m.preprocessing.canvasSize = jsonValueOr(p, "canvas_size", 0);
        m.preprocessing.framing = jsonValueOr(p, "framing", BundlePreprocessing::defaults().framing);
        if (m.preprocessing.framing != "photo" && m.preprocessing.framing != "find")
            return fail("unknown framing '" + m.preprocessing.framing.substr(0, 40) + "' (expected photo or find)");
        if (m.preprocessing.inputSize < 16 || m.preprocessing.inputSize > 4096) return fail("implausible input size");
        if (m.preprocessing.resizePolicy == "canvas_then_center_crop" &&
            (m.preprocessing.canvasSize < m.preprocessing.inputSize || m.preprocessing.canvasSize > 8192))
            return fail("canvas_size must be at least input_size for the canvas_then_center_crop policy");
        for (float s : m.preprocessing.std)
            if (!(s > 0.f)) return fail("preprocessing std must be positive");
        if (const auto c = j.find("calibration"); c != j.end()) {
            if (!c->is_object()) return fail("calibration is not a JSON object");
            auto& k = m.calibration;
            if (const auto t = c->find("temperature"); t != c->end()) {
                const auto value = jsonAs<double>(*t);
                if (!value) return fail("the calibration temperature is not a number");
                k.temperature = *value;
            }
            if (!std::isfinite(k.temperature) || k.temperature < BundleCalibration::kMinTemperature ||
                k.temperature > BundleCalibration::kMaxTemperature)
                return fail("implausible calibration temperature " + std::to_string(k.temperature) + " (expected " +
                            std::to_string(BundleCalibration::kMinTemperature) + " to " +
                            std::to_string(BundleCalibration::kMaxTemperature) + ")");
            k.fittedOn = jsonValueOr(*c, "fitted_on", std::string());
            if (!k.fittedOn.empty() && k.fittedOn != "validation" && k.fittedOn != "cross-validation")
                return fail("unknown calibration source '" + k.fittedOn.substr(0, 40) + "'");
            if (k.fittedOn.empty() && k.temperature != 1.0)
                return fail("a calibration temperature without the photos it was fitted on");
            k.photos = jsonValueOr(*c, "photos", int64_t(0));
            k.eceBefore = jsonValueOr(*c, "ece_before", 0.0);
            k.eceAfter = jsonValueOr(*c, "ece_after", 0.0);
            k.note = jsonValueOr(*c, "note", std::string()).substr(0, 1000);
        }
        m.created = j.value("created", std::string());
        m.tesseraVersion = j.value("tessera_version", std::string());
        return m;
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("manifest.json: ") + e.what());
    }
}

Expected<BundleManifest> ModelBundle::readManifest(const std::string& path) {
    auto zip = ZipArchive::openFile(path);
    if (!zip) return makeError("cannot open model bundle: " + zip.error());
    return readManifest(*zip, path);
}

Expected<BundleManifest> ModelBundle::readManifest(const ZipArchive& zip, const std::string& source) {
    if (!zip.contains(kManifestEntry)) return makeError(source + " is not a Tessera model bundle (no manifest.json)");
    auto text = zip.read(kManifestEntry, kMaxManifestBytes);
    if (!text) return text.takeError();
    return manifestFromJson(*text, source);
}

Expected<nlohmann::json> ModelBundle::readRunCard(const std::string& path) {
    auto zip = ZipArchive::openFile(path);
    if (!zip) return makeError("cannot open model bundle: " + zip.error());
    return readRunCard(*zip, path);
}

Expected<nlohmann::json> ModelBundle::readRunCard(const ZipArchive& zip, const std::string& source) {
    if (!zip.contains(kRuncardEntry)) return nlohmann::json();
    auto text = zip.read(kRuncardEntry, kMaxRuncardBytes);
    if (!text) return text.takeError();
    auto card = nlohmann::json::parse(*text, nullptr, false);
    if (card.is_discarded()) return makeError("bad model bundle " + source + ": runcard.json is not JSON");
    return card;
}

}  // namespace tessera::nn
