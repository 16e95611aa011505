#pragma once
// What happened when weights were loaded into a model: how many tensors were copied, which names were missing or
// unexpected, which shapes did not fit, and whether the classifier head was skipped (fine-tuning on a different
// class count). Torch-free so the UI and the CLI can show it.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::nn {

struct ShapeMismatch {
    std::string name;
    std::vector<int64_t> fileShape;
    std::vector<int64_t> modelShape;
};

struct WeightLoadReport {
    std::string source;                       // file the weights came from
    size_t loaded = 0;                        // tensors copied into the model
    std::vector<std::string> missing;         // in the model, not in the file
    std::vector<std::string> unexpected;      // in the file, not in the model
    std::vector<ShapeMismatch> shapeMismatches;  // same name, different shape (head excluded when skipped)
    bool headSkipped = false;                 // fc.* not loaded because its shape differs from the model's
    std::vector<std::string> skippedHead;     // the head tensors left at their fresh initialisation
    std::vector<std::string> defaulted;       // num_batches_tracked absent in old files, left at 0
    std::vector<std::string> notes;           // human-readable remarks (head skipped, wrapper key used, ...)

    // Nothing missing, unexpected or mismatched (a skipped head does not count).
    bool clean() const { return missing.empty() && unexpected.empty() && shapeMismatches.empty(); }
    // One paragraph for logs, the CLI and the UI.
    std::string summary() const;
};

std::string shapeToString(const std::vector<int64_t>& shape);

}  // namespace tessera::nn
