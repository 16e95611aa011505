#pragma once
// Small shared pieces of the CLI: a progress bar on stderr (only when stderr is a terminal, else a line every few
// seconds), and error printing that keeps the user-error / internal-error exit codes honest.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/fewshot/quickmodel.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tessera::cli {

class ProgressBar {
public:
    explicit ProgressBar(bool enabled = true);
    ~ProgressBar();  // ends the line
    void update(const Progress& progress);  // thread-safe, rate-limited to ~10 redraws/s
    JobContext context(const CancelToken& cancel = CancelToken{});  // a context that reports here

private:
    bool enabled_;
    bool tty_;
    bool drawn_ = false;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    // The rate is measured per stage: from the first update of a stage (or since `done` went back, a new epoch).
    std::string stage_;
    int64_t stageStartDone_ = 0;
    std::chrono::steady_clock::time_point stageStart_;
};

// A thread-count flag: 0 (one per core) up to util::kMaxThreads; more is refused before anything starts.
CLI::Option* addThreadsOption(CLI::App& app, const std::string& flag, int& threads, const std::string& what);

// Prints the first `limit` of `problems` to stderr, one an indented line, then how many more there are: a file
// with a million bad rows must not print a million lines.
void printProblems(const std::vector<std::string>& problems, size_t limit = 50);
// What a quick-model refresh could not do, on stderr: the photos it could not read (the first ten) and, when its
// embedding cache could not be written (a full disk), a warning that a later run may compute them again.
void printRefreshProblems(const learn::QuickRefreshStats& stats);
// A confusion matrix on stdout under `title`: rows "1 name" (true class), columns 1..n (predicted).
void printConfusionMatrix(const std::string& title, const std::vector<std::string>& classNames,
                          const std::vector<std::vector<int64_t>>& confusion);

// Prints "tessera-cli: error: <message>" to stderr and returns kUserError.
int userError(const std::string& message);

// A photo folder with a project (in it, or kept per user): else an error naming the folder and saying to scan it.
Status requireProject(const std::string& folder);

// The active model of the project in `folder` (the one Review uses; the first trained run by default): an error
// naming the folder when it has none yet or its file is gone, saying how to get one.
Expected<std::filesystem::path> activeModelOf(const std::string& folder);

// What the commands on the quick model's features (suggest, check-labels, map) take: --weights (empty: the project's
// active model, else ImageNet weights in the cache), --size (0: the model's own) and --device (auto | cpu | cuda).
struct FeatureArgs {
    std::string weights;
    int size = 0;
    std::string device = "auto";
};
void addFeatureOptions(CLI::App& app, FeatureArgs& args);

// The quick model of the project in `folder`, refreshed (embeddings computed or reused, the head trained on the
// labels), on the features `args` name: --weights when given (nn::resolveStartingWeights), else learn::chooseFeatureSource of
// the project's active model, said on stderr unless `quiet`. With neither a trained model nor ImageNet weights in the
// cache: an error saying how to get one. `model`, when given, receives the network file used.
Expected<learn::QuickModel> quickModelFor(const std::string& folder, const FeatureArgs& args, const JobContext& ctx,
                                          bool quiet, std::filesystem::path* model = nullptr);

}  // namespace tessera::cli
