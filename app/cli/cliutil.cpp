#include "app/cli/cliutil.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "core/nn/startingweights.h"
#include "core/project/projectlocation.h"
#include "core/project/projectstore.h"
#include "core/util/threadpool.h"

namespace tessera::cli {

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), stageStart_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
    if (drawn_ && tty_) std::fputc('\n', stderr);
}

void ProgressBar::update(const Progress& p) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (p.stage != stage_ || p.done < stageStartDone_) {
        stage_ = p.stage;
        stageStartDone_ = p.done;
        stageStart_ = now;
    }
    const bool finished = p.total > 0 && p.done >= p.total;
    const auto minGap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (!finished && drawn_ && now - last_ < minGap) return;
    last_ = now;
    drawn_ = true;
    // A rate measured over less than 0.2 s says nothing (a stage that ended at once would show "0.0/s"): none then.
    const double stageSecs = std::chrono::duration<double>(now - stageStart_).count();
    const double rate = p.rate >= 0 ? p.rate : stageSecs > 0.2 ? double(p.done - stageStartDone_) / stageSecs : -1.0;
    char rateText[64] = "";
    if (rate >= 0) {
        const std::string unit = p.rateUnit.empty() ? "/s" : " " + p.rateUnit + "/s";
        std::snprintf(rateText, sizeof rateText, " %.*f%s", rate < 10 ? 1 : 0, rate, unit.c_str());
    }
    char line[256];
    if (p.total > 0) {
        // A reporter's estimate of the total can fall short (a last partial batch); never show more than 100 %.
        const int64_t done = std::min(p.done, p.total);
        const double frac = double(done) / double(p.total);
        const int width = 30;
        const int filled = int(frac * width + 0.5);
        std::string bar(size_t(filled), '#');
        bar.resize(width, '.');
        std::snprintf(line, sizeof line, "%-8s [%s] %lld/%lld %5.1f%%%s", p.stage.c_str(), bar.c_str(),
                      (long long)done, (long long)p.total, 100.0 * frac, rateText);
    } else {
        std::snprintf(line, sizeof line, "%-8s %lld", p.stage.c_str(), (long long)p.done);
    }
    if (tty_)
        std::fprintf(stderr, "\r\033[K%s", line);
    else
        std::fprintf(stderr, "%s\n", line);
    std::fflush(stderr);
}

JobContext ProgressBar::context(const CancelToken& cancel) {
    JobContext ctx;
    ctx.cancel = cancel;
    ctx.onProgress = [this](const Progress& p) { update(p); };
    return ctx;
}

CLI::Option* addThreadsOption(CLI::App& app, const std::string& flag, int& threads, const std::string& what) {
    return app.add_option(flag, threads, what + " (0: one per core; at most " + std::to_string(util::kMaxThreads) + ")")
        ->check(CLI::Range(0, util::kMaxThreads))
        ->capture_default_str();
}

void printConfusionMatrix(const std::string& title, const std::vector<std::string>& classNames,
                          const std::vector<std::vector<int64_t>>& confusion) {
    size_t width = 0;
    for (size_t c = 0; c < classNames.size(); ++c)
        width = std::max(width, std::to_string(c + 1).size() + 1 + classNames[c].size());
    std::printf("\n%s (rows: true class, columns: predicted)\n%-*s", title.c_str(), int(width), "");
    for (size_t c = 0; c < classNames.size(); ++c) std::printf(" %6zu", c + 1);
    std::printf("\n");
    for (size_t t = 0; t < classNames.size() && t < confusion.size(); ++t) {
        std::printf("%-*s", int(width), (std::to_string(t + 1) + " " + classNames[t]).c_str());
        for (auto v : confusion[t]) std::printf(" %6lld", (long long)v);
        std::printf("\n");
    }
}

void printProblems(const std::vector<std::string>& problems, size_t limit) {
    for (size_t i = 0; i < problems.size() && i < limit; ++i) std::cerr << "  " << problems[i] << "\n";
    if (problems.size() > limit) std::cerr << "  ... and " << problems.size() - limit << " more\n";
}

void printRefreshProblems(const learn::QuickRefreshStats& stats) {
    if (!stats.skipped.empty()) {
        std::cerr << "skipped " << stats.skipped.size() << " photo(s) that could not be read:\n";
        printProblems(stats.skipped, 10);
    }
    if (!stats.cacheNotSaved.empty())
        std::cerr << "warning: " << stats.cacheNotSaved << "; the results are complete, and a later run may have to "
                  << "compute these photos' features again\n";
}

int userError(const std::string& message) {
    std::cerr << "tessera-cli: error: " << message << "\n";
    return kUserError;
}

Status requireProject(const std::string& folder) {
    std::error_code ec;
    if (!std::filesystem::exists(folder, ec)) return makeError("folder '" + folder + "' does not exist");
    if (!std::filesystem::is_directory(folder, ec)) return makeError("'" + folder + "' is not a folder");
    if (!project::findProject(folder))
        return makeError("'" + folder + "' is not a Tessera project yet; run 'tessera-cli scan " + folder + "' first");
    return {};
}

namespace {
// The project's active-model setting as stored: nothing when it has none (its file may be gone).
Expected<std::optional<std::filesystem::path>> storedActiveModel(const std::string& folder) {
    auto store = project::ProjectStore::open(folder, /*create=*/false);
    if (!store) return store.takeError();
    return store->activeModel();
}
}  // namespace

Expected<std::filesystem::path> activeModelOf(const std::string& folder) {
    auto active = storedActiveModel(folder);
    if (!active) return active.takeError();
    if (!*active)
        return makeError(folder + ": the project has no active model yet; train one with 'tessera-cli train " + folder +
                         "' (or choose a run in Train mode)");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(**active, ec))
        return makeError(folder + ": the project's active model " + (*active)->string() +
                         " is missing; train again or choose another run in Train mode");
    return **active;
}

namespace {

// The network whose features a quick-model command uses (see quickModelFor).
Expected<std::filesystem::path> featureModelFor(const std::string& folder, const std::string& weights,
                                                const JobContext& ctx, bool quiet) {
    if (!weights.empty()) {
        auto chosen = nn::resolveStartingWeights(weights, "resnet18", nn::WeightsFetch::Download, ctx);
        if (!chosen) return makeError("--" + chosen.error());
        if (chosen->randomStart())
            return makeError("--weights " + weights + ": features need a trained model or pretrained weights");
        return chosen->file;
    }
    auto active = storedActiveModel(folder);
    if (!active) return active.takeError();
    const auto source = learn::chooseFeatureSource(active->value_or(std::filesystem::path()));
    switch (source.kind) {
    case learn::FeatureSource::Kind::TrainedModel:
        if (!quiet) std::fprintf(stderr, "features from the project's trained model %s\n", source.name.c_str());
        break;
    case learn::FeatureSource::Kind::ImageNet:
        if (!quiet)
            std::fprintf(stderr, "features from the ImageNet %s weights in the cache (the project has no trained model)\n",
                         source.name.c_str());
        break;
    case learn::FeatureSource::Kind::None:
        return makeError(folder + ": no trained model and no ImageNet weights in the cache to take features from; "
                         "train one with 'tessera-cli train " + folder + "', get weights with 'tessera-cli weights "
                         "download resnet18' ('weights import' offline), or give --weights");
    }
    return source.file;
}

}  // namespace

void addFeatureOptions(CLI::App& app, FeatureArgs& args) {
    app.add_option("--weights", args.weights,
                   "Features from: a model bundle, a weights file (.pth/.safetensors) or a model-zoo name (default: the "
                   "project's active model, else ImageNet weights in the cache)");
    app.add_option("--size", args.size, "Input size in pixels (0 = the model's own, 128 for weights files)")
        ->capture_default_str();
    app.add_option("--device", args.device, "auto | cpu | cuda")->capture_default_str();
}

Expected<learn::QuickModel> quickModelFor(const std::string& folder, const FeatureArgs& args, const JobContext& ctx,
                                          bool quiet, std::filesystem::path* model) {
    auto file = featureModelFor(folder, args.weights, ctx, quiet);
    if (!file) return file.takeError();
    if (model) *model = *file;
    if (args.device != "auto" && args.device != "cpu" && args.device != "cuda")
        return makeError("--device " + args.device + ": expected auto, cpu or cuda");
    learn::QuickModelOptions options;
    options.embedding.inputSize = args.size;
    options.embedding.device = args.device;
    auto quick = learn::QuickModel::open(folder, *file, options);
    if (!quick) return quick.takeError();
    if (auto st = quick->refresh(ctx); !st) return st.takeError();
    return quick;
}

}  // namespace tessera::cli
