#pragma once
// Scores a trained model bundle (.tessera-model) on a project's labelled photos (all of them, or the validation split the trainer
// stored): accuracy, per-class precision/recall and the confusion matrix. Torch-free for the CLI and the UI.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct EvaluateOptions {
    std::string subset = "auto";  // auto (validation split if the project has one, else all) | validation | all
    std::string device = "auto";  // auto | cpu | cuda
    int batchSize = 64;
    int threads = 0;              // 0: all cores
    static EvaluateOptions defaults() { return EvaluateOptions{}; }
};

struct EvaluationReport {
    std::vector<std::string> classNames;  // the model's classes
    std::string subset;                   // what was scored: "validation" or "all"
    int64_t images = 0;
    double accuracy = 0.0, loss = 0.0;
    std::vector<double> precision, recall;
    std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
    std::vector<std::string> skipped;             // photos not scored, with the reason
    int64_t disputedLeftOut = 0;                  // labelled photos of the project with a disputed label (none scored)
};

class Evaluator {
public:
    static Expected<EvaluationReport> evaluate(const std::filesystem::path& modelFile,
                                               const std::filesystem::path& projectRoot,
                                               const EvaluateOptions& options, const JobContext& ctx);
};

}  // namespace tessera::learn
