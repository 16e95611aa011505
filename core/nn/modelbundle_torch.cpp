#include "core/nn/modelbundle_torch.h"

#include "core/nn/safetensors_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/nn/ziparchive.h"

namespace tessera::nn {

Status ModelBundleIO::save(const std::string& path, ResNet& model, BundleManifest manifest, const nlohmann::json& runcard) {
    if (!model) return makeError("cannot save model bundle " + path + ": no model");
    const std::string arch = architectureName(model->architecture());
    if (manifest.arch.empty()) manifest.arch = arch;
    if (manifest.arch != arch)
        return makeError("cannot save model bundle " + path + ": manifest says " + manifest.arch + ", model is " + arch);
    if (static_cast<int64_t>(manifest.classNames.size()) != model->numClasses())
        return makeError("cannot save model bundle " + path + ": " + std::to_string(manifest.classNames.size()) +
                         " class names for a model with " + std::to_string(model->numClasses()) + " outputs");
    manifest.formatVersion = ModelBundle::formatVersionFor(manifest);
    if (manifest.created.empty()) manifest.created = ModelBundle::nowIso8601();
    if (manifest.tesseraVersion.empty()) manifest.tesseraVersion = TESSERA_VERSION;

    auto weights = Safetensors::toBytes(WeightLoader::stateDict(*model), {{"format", "pt"}, {"arch", arch}});
    if (!weights) return makeError("cannot save model bundle " + path + ": " + weights.error());
    std::vector<ZipEntry> entries;
    entries.push_back({ModelBundle::kManifestEntry, ModelBundle::manifestToJson(manifest), true});
    entries.push_back({ModelBundle::kWeightsEntry, std::move(*weights), false});  // stored: fast to read back
    entries.push_back({ModelBundle::kRuncardEntry, runcard.is_null() ? std::string("{}") : runcard.dump(2), true});
    return writeZipFile(path, entries);
}

namespace {

// A safetensors file of `model`'s state in float64 (twice what Tessera writes) plus a generous header.
uint64_t largestWeightsFile(torch::nn::Module& model) {
    uint64_t elements = 0;
    for (const auto& p : model.named_parameters()) elements += uint64_t(p.value().numel());
    for (const auto& b : model.named_buffers()) elements += uint64_t(b.value().numel());
    return elements * sizeof(double) + (4u << 20);
}

}  // namespace

Expected<LoadedBundle> ModelBundleIO::load(const std::string& path) {
    try {
        auto zip = ZipArchive::openFile(path);
        if (!zip) return makeError("cannot open model bundle: " + zip.error());
        if (!zip->contains(ModelBundle::kManifestEntry) || !zip->contains(ModelBundle::kWeightsEntry))
            return makeError(path + " is not a Tessera model bundle (needs manifest.json and model.safetensors)");
        auto manifest = ModelBundle::readManifest(*zip, path);
        if (!manifest) return manifest.takeError();

        LoadedBundle out;
        out.manifest = std::move(*manifest);
        auto runcard = ModelBundle::readRunCard(*zip, path);
        if (!runcard) return runcard.takeError();
        out.runcard = std::move(*runcard);
        // The manifest's architecture and classes say how large the weights can be; nothing larger is inflated.
        out.model = ResNet(parseArchitecture(out.manifest.arch).value(), static_cast<int64_t>(out.manifest.classNames.size()));
        auto bytes = zip->read(ModelBundle::kWeightsEntry, largestWeightsFile(*out.model));
        if (!bytes) return bytes.takeError();
        auto weights = Safetensors::readBytes(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(),
                                              path + ":" + ModelBundle::kWeightsEntry);
        if (!weights) return weights.takeError();
        WeightLoadOptions strict;
        strict.skipMismatchedHead = false;  // the head is the trained part: it must fit exactly
        auto report = WeightLoader::load(*out.model, *weights, path, strict);
        if (!report) return report.takeError();
        out.report = std::move(*report);
        out.model->eval();
        return out;
    } catch (const c10::Error& e) {
        return makeError("cannot load model bundle " + path + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError("cannot load model bundle " + path + ": " + e.what());
    }
}

Status ModelBundleIO::replaceCalibration(const std::string& path, const BundleCalibration& calibration) {
    auto bundle = load(path);
    if (!bundle) return bundle.takeError();
    bundle->manifest.calibration = calibration;
    nlohmann::json card = bundle->runcard.is_object() ? bundle->runcard : nlohmann::json::object();
    card["calibration"] = calibrationCardJson(calibration);
    return save(path, bundle->model, bundle->manifest, card);
}

nlohmann::json ModelBundleIO::calibrationCardJson(const BundleCalibration& c) {
    return {{"temperature", c.temperature}, {"fittedOn", c.fittedOn}, {"photos", c.photos},
            {"eceBefore", c.eceBefore}, {"eceAfter", c.eceAfter}, {"note", c.note}};
}

}  // namespace tessera::nn
