#pragma once
// A trained model as one shareable file (.tessera-model, a zip): manifest.json (architecture, class names,
// preprocessing, provenance), model.safetensors (the weights) and runcard.json (the trainer's record of the run).
// This header is torch-free: the UI lists bundles by reading only their manifest; loading the network is in
// modelbundle_torch.h.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/util/expected.h"

namespace tessera::nn {

class ZipArchive;

struct BundlePreprocessing {
    int inputSize = 224;                                 // square crop fed to the network
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};   // ImageNet statistics (torchvision weights)
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    // "shorter_side_then_center_crop" (torchvision eval), "stretch", "pad_to_square", or "canvas_then_center_crop":
    // Tessera's trainer fits the LONG side to canvasSize with replicated-border padding (learn::Canvas::fit) and
    // crops the centre inputSize square.
    std::string resizePolicy = "shorter_side_then_center_crop";
    int canvasSize = 0;  // canvas side for "canvas_then_center_crop" (0 for other policies)
    // "photo": the policy above applies to the whole photo; "find" (format version 2): first to the box around the
    // find on its backdrop (imaging::locateFind).
    std::string framing = "photo";

    static BundlePreprocessing defaults() { return {}; }
};

// Temperature scaling of the scores (learn::calibrateOnHeldOut): prediction reports softmax(logits / temperature).
// An older Tessera ignores the block and reports the network's own softmax, which is still a valid (if less honest)
// score, so the block does not raise the format version.
struct BundleCalibration {
    double temperature = 1.0;  // 1: the scores as the network gives them
    std::string fittedOn;      // "validation" or "cross-validation"; empty: not calibrated (see note)
    int64_t photos = 0;        // held-out photos it was fitted on
    double eceBefore = 0.0, eceAfter = 0.0;  // expected calibration error on them (after: on the same photos)
    std::string note;          // why the scores are not calibrated, when they are not
    bool calibrated() const { return !fittedOn.empty(); }
    static constexpr double kMinTemperature = 0.05, kMaxTemperature = 20.0;
};

struct BundleManifest {
    int formatVersion = 1;
    std::string arch;                     // "resnet18", ... (architectureName)
    std::vector<std::string> classNames;  // index = logit index
    BundlePreprocessing preprocessing;
    BundleCalibration calibration;
    std::string created;                  // ISO 8601 UTC; filled on save when empty
    std::string tesseraVersion;           // filled on save when empty
};

class ModelBundle {
public:
    // Version 2 added preprocessing.framing; a bundle that needs it ("find") is written as version 2, so an older
    // Tessera refuses it rather than predict on frames the model was not trained on. Others stay version 1.
    static constexpr int kFormatVersion = 2;
    static int formatVersionFor(const BundleManifest& manifest) {
        return manifest.preprocessing.framing == "photo" ? 1 : 2;
    }
    static constexpr const char* kManifestEntry = "manifest.json";
    static constexpr const char* kWeightsEntry = "model.safetensors";
    static constexpr const char* kRuncardEntry = "runcard.json";
    // Limits checked before an entry is inflated or a list is used: far above anything Tessera writes.
    static constexpr uint64_t kMaxManifestBytes = 1u << 20;
    static constexpr uint64_t kMaxRuncardBytes = 64u << 20;
    static constexpr size_t kMaxClasses = 10000;

    // Reads only manifest.json (cheap; for listings). Names the file in every error.
    static Expected<BundleManifest> readManifest(const std::string& path);
    // The same for a bundle already open (from a file or from bytes); `source` names it in errors.
    static Expected<BundleManifest> readManifest(const ZipArchive& zip, const std::string& source);

    // Reads only runcard.json (the trainer's record, with the recipe under "options"); null when the bundle has none.
    static Expected<nlohmann::json> readRunCard(const std::string& path);
    static Expected<nlohmann::json> readRunCard(const ZipArchive& zip, const std::string& source);

    static std::string manifestToJson(const BundleManifest& manifest);
    static Expected<BundleManifest> manifestFromJson(const std::string& json, const std::string& source);
    static std::string nowIso8601();
};

}  // namespace tessera::nn
