#include "core/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>
#include <unordered_set>

#include <torch/torch.h>
#include <torch/version.h>

#include "core/train/augmentpreset.h"
#include "core/evaluate/calibration.h"
#include "core/device/devicechoice_torch.h"
#include "core/train/imagecache_torch.h"
#include "core/train/labelledset.h"
#include "core/device/cudadevice_torch.h"
#include "core/train/runcard.h"
#include "core/train/split.h"
#include "core/train/trainloop_torch.h"
#include "core/nn/architecture.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"
#include "core/util/pathguard.h"
#include "core/util/threadpool.h"
#include "core/util/timestamp.h"

namespace tessera::learn {
namespace fs = std::filesystem;

struct Trainer::Impl {
    TrainOptions options;
    std::atomic<bool> paused{false};
    fs::path runFolder;  // set by train(), read after it returns
};

Trainer::Trainer(TrainOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }
Trainer::~Trainer() = default;
void Trainer::setPaused(bool paused) { impl_->paused = paused; }
bool Trainer::paused() const { return impl_->paused; }
fs::path Trainer::runFolder() const { return impl_->runFolder; }

Status Trainer::validate(const TrainOptions& o) {
    if (auto a = nn::parseArchitecture(o.arch); !a) return a.takeError();
    if (o.device != "auto" && o.device != "cpu" && o.device != "cuda")
        return makeError("unknown device '" + o.device + "' (expected auto, cpu or cuda)");
    if (o.precision == ComputePrecision::Fp16 && o.device == "cpu")
        return makeError("precision fp16 needs a CUDA GPU; on the CPU use bf16 or fp32");
    if (o.mixupAlpha < 0 || o.cutmixAlpha < 0) return makeError("mixup and cutmix alphas must not be negative");
    if (o.epochs < 1) return makeError("epochs must be at least 1");
    if (o.imageSize != 0 && (o.imageSize < 32 || o.imageSize > 1024))
        return makeError("image size must be 0 (automatic) or between 32 and 1024 pixels");
    if (o.batchSize != 0 && (o.batchSize < 2 || o.batchSize > 4096))
        return makeError("batch size must be 0 (automatic) or between 2 and 4096");
    if (o.epochs > 10000) return makeError("epochs must be at most 10000");
    if (o.threads < 0 || o.threads > util::kMaxThreads)
        return makeError("threads must be between 1 and " + std::to_string(util::kMaxThreads) + " (0: one per core)");
    if (!o.runName.empty())
        if (auto problem = singleNameProblem(o.runName))
            return makeError("run name: " + *problem + " (the run's folder is made under .tessera/runs)");
    if (o.valFraction < 0.0 || o.valFraction >= 1.0) return makeError("validation fraction must be in [0, 1)");
    if (o.folds != 0 && (o.folds < 2 || o.folds > 20))
        return makeError("cross-validation folds must be between 2 and 20, not " + std::to_string(o.folds));
    if (o.folds > 1 && (o.fold < 0 || o.fold >= o.folds))
        return makeError("fold " + std::to_string(o.fold) + " is not one of the " + std::to_string(o.folds) + " folds");
    if (o.folds > 1 && o.resume) return makeError("a cross-validation run cannot be resumed");
    if (o.mode == TrainMode::LinearProbe && o.weightsPath == "none")
        return makeError("linear-probe mode needs pretrained weights (--weights), not 'none'");
    return {};
}

// Two regimes, each measured from scratch (docs/BENCHMARKS.md, "The small-data recipe" and the real photos after
// it): a small collection, fewer than 256 training photos (under 8 steps of 32 an epoch), trains in batches of 16
// at 2e-3, twice the steps, which the 160-photo demo needs to learn its four decorations; a larger one in batches
// of 32 at 1e-3 (defaultLr), which beat 16 at 2e-3 and the torchvision script on the museum's photos and on
// Fashion-MNIST.
int Trainer::automaticBatch(int64_t trainImages) { return trainImages < 256 ? 16 : 32; }

int Trainer::automaticImageSize(bool gpu) { return gpu ? 224 : 128; }

int Trainer::automaticGpuBatch(int64_t trainImages, const std::string& arch, int imageSize, int64_t freeBytes) {
    auto powerOfTwoAtMost = [](int64_t n) {
        int p = 1;
        while (int64_t(p) * 2 <= n && p < (1 << 20)) p *= 2;
        return p;
    };
    // Training memory per photo at 224 px under autocast: activations kept for backward plus cuDNN workspace, with a
    // margin (ResNet-50 at batch 256 takes about 20 GB in mixed precision; ResNet-18 and -34 about a third and half).
    const double mibAt224 = arch == "resnet50" ? 100.0 : arch == "resnet34" ? 60.0 : 40.0;
    const double scale = double(imageSize) * imageSize / (224.0 * 224.0);
    const double perPhoto = mibAt224 * scale * 1024.0 * 1024.0;
    const int byMemory = powerOfTwoAtMost(int64_t(0.5 * double(std::max<int64_t>(freeBytes, 0)) / perPhoto));
    const int byData = powerOfTwoAtMost(std::max<int64_t>(1, trainImages / 64));
    return std::max(2, std::min({256, byMemory, std::max(automaticBatch(trainImages), byData)}));
}

double Trainer::defaultLr(const TrainOptions& o) {
    const bool sgd = o.optimizer == OptimizerKind::Sgd;
    if (o.mode == TrainMode::LinearProbe) return sgd ? 0.1 : 1e-2;
    if (o.weightsPath == "none")  // from scratch: see automaticBatch
        return sgd ? 0.05 : o.batchSize > 0 && o.batchSize < 32 ? 2e-3 : 1e-3;
    return sgd ? 0.01 : 1e-3;                                // head rate; a full fine-tune's backbone gets a tenth
}

namespace {

// Copies the trunk of a pretrained file (bundle, PyTorch zip or safetensors) into `model`; the head stays fresh.
Expected<std::string> loadTrunk(nn::ResNet& model, const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return makeError("--weights " + path + ": no such file");
    auto file = nn::WeightLoader::readFile(path);
    if (!file) {
        const std::string& m = file.error();
        return makeError(m.find(path) == std::string::npos ? path + ": " + m : m);
    }
    nn::StateDict trunk;
    size_t head = 0;
    for (auto& [name, t] : file->entries)
        if (name.rfind("fc.", 0) != 0) trunk.add(name, t);
    for (auto& [name, t] : nn::WeightLoader::stateDict(*model).entries)
        if (name.rfind("fc.", 0) == 0) trunk.add(name, t.clone()), ++head;
    auto report = nn::WeightLoader::load(*model, trunk, path);
    if (!report) return report.takeError();
    return "loaded " + std::to_string(report->loaded - head) + " pretrained tensors from " + path + " (the " +
           std::to_string(head) + " head tensors start fresh)";
}

// The newest run folder that has a checkpoint but no finished model: what --resume continues.
fs::path resumableRun(const fs::path& runsDir) {
    fs::path best;
    fs::file_time_type bestTime{};
    std::error_code ec;
    if (!fs::is_directory(runsDir, ec)) return best;
    for (const auto& d : fs::directory_iterator(runsDir, ec)) {
        if (!fs::exists(d.path() / "last.pt") || fs::exists(d.path() / Trainer::kBundleFile)) continue;
        auto t = fs::last_write_time(d.path() / "last.pt", ec);
        if (best.empty() || t > bestTime) best = d.path(), bestTime = t;
    }
    return best;
}

using Say = std::function<void(const std::string&)>;

// The run's folder under `runsDir`, created: a new one (named, else time-stamped), or with --resume the named run or
// the newest unfinished one. A finished run is never reopened and a name is never reused.
Expected<fs::path> makeRunFolder(const fs::path& runsDir, const TrainOptions& opt, const Say& say) {
    fs::path runDir;
    std::error_code ec;
    if (opt.resume && !opt.runName.empty()) {
        // A named run continues from its last checkpoint, or starts over when it stopped before its first one
        // (a full disk at the first checkpoint, a kill): either way under its own name.
        runDir = runsDir / opt.runName;
        if (fs::exists(runDir / Trainer::kBundleFile, ec))
            return makeError("the run '" + opt.runName + "' in " + runsDir.string() + " has finished; nothing to resume");
        if (!fs::exists(runDir / "last.pt", ec) && fs::exists(runDir, ec))
            say("the run '" + opt.runName + "' stopped before its first checkpoint; starting it again");
    } else if (opt.resume) {
        runDir = resumableRun(runsDir);
        if (runDir.empty()) say("nothing to resume under " + runsDir.string() + "; starting a new run");
    }
    if (runDir.empty()) {
        runDir = runsDir / (opt.runName.empty() ? "run-" + utcFileStamp() : opt.runName);
        for (int n = 2; opt.runName.empty() && fs::exists(runDir, ec); ++n)  // two runs in one second
            runDir = runsDir / ("run-" + utcFileStamp() + "-" + std::to_string(n));
        if (fs::exists(runDir, ec))
            return makeError("a run named '" + runDir.filename().string() + "' exists already in " +
                             runsDir.string() + "; choose another name (or --resume to continue it)");
    }
    fs::create_directories(runDir, ec);
    if (ec) return makeError("cannot create " + runDir.string() + ": " + ec.message());
    return runDir;
}

// Puts the weights to ship into `model`: the epoch with the lowest monitored loss (validation loss; training loss
// without a validation set), from memory when this session trained it, else from best.pt of an earlier session.
Status loadShippedWeights(nn::ResNet& model, const LoopOutcome& outcome) {
    if (!outcome.bestWeights.empty()) {
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> target = model->parameters();  // the order TrainLoop copied them in
        for (const auto& b : model->buffers()) target.push_back(b);
        if (target.size() != outcome.bestWeights.size()) return makeError("training failed: best weights lost");
        for (size_t k = 0; k < target.size(); ++k) target[k].copy_(outcome.bestWeights[k]);
        return {};
    }
    if (!outcome.bestCheckpoint.empty()) return TrainLoop::loadModelWeights(model, outcome.bestCheckpoint);
    return {};
}

// A training photo as the run card lists it.
struct CardPhoto {
    const project::ImageRecord* image;
    int64_t label;
    bool validation;
};

// The run card: enough to audit and to repeat the run. Written beside the bundle and embedded in it.
nlohmann::json runCard(const TrainResult& result, const TrainOptions& opt, const std::vector<CardPhoto>& photos,
                       const SplitOptions& splitOptions, const SplitResult& split, const LoopOutcome& outcome,
                       const std::string& deviceName) {
    nlohmann::json card;
    card["run"] = result.runId;
    card["options"] = RunCard::toJson(opt);
    card["seed"] = opt.seed;
    card["classes"] = result.classNames;
    auto& files = card["dataset"] = nlohmann::json::array();
    for (const auto& p : photos)
        files.push_back({{"path", p.image->relPath}, {"sha256", p.image->contentHash},
                         {"class", result.classNames[size_t(p.label)]}, {"split", p.validation ? "validation" : "train"}});
    card["split"] = {{"validationFraction", opt.valFraction},
                     {"nearDuplicateDistance", splitOptions.nearDuplicateDistance},
                     {"nearDuplicateGroupsKeptTogether", split.nearDuplicateGroups},
                     {"nearDuplicatePhotos", split.nearDuplicatePhotos}};
    card["disputed"] = {{"included", opt.includeDisputed}, {"leftOut", result.disputedLeftOut}};
    card["skipped"] = result.skipped;
    const DeviceInfo& info = deviceInfo();
    card["software"] = {{"tessera", TESSERA_VERSION},
                        {"libtorch", info.torchVersion},
                        {"libtorch_build", info.torchHasCuda ? "cuda " + info.torchCudaVersion : "cpu"},
                        {"cuda_driver", info.driverVersion},
                        {"cudnn", info.cudnnVersion},
                        {"cuda_available", info.cudaAvailable},
                        {"cuda_unavailable_reason", info.cudaAvailable ? "" : info.cudaUnavailableReason}};
    card["device"] = deviceName;
    card["precision"] = outcome.precision;
    auto& hist = card["history"] = nlohmann::json::array();
    for (const auto& e : result.history) hist.push_back(RunCard::toJson(e));
    card["bestEpoch"] = outcome.bestEpoch;
    card["shippedEpoch"] = outcome.bestEpoch;
    card["shippedBecause"] =
        split.validation.empty() ? "lowest training loss (no validation set)" : "lowest validation loss";
    card["stoppedEarly"] = outcome.stoppedEarly;
    card["finalBatchSize"] = outcome.finalBatchSize;
    card["checkpointSeconds"] = outcome.checkpointSeconds;
    card["model"] = result.bundlePath.filename().string();
    card["calibration"] = nn::ModelBundleIO::calibrationCardJson(result.calibration);
    return card;
}

struct DeviceSetup {
    torch::Device device;
    std::string name;  // "cuda: NAME" or "cpu (N threads)"
};

Expected<DeviceSetup> setUpDevice(const TrainOptions& opt) {
    // LibTorch in a thread it did not create: set up its thread pool explicitly (fixed count: reproducible).
    at::init_num_threads();
    const int threads = opt.threads > 0 ? opt.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(threads);
    auto chosen = chooseDevice(opt.device);
    if (!chosen) return chosen.takeError();
    return DeviceSetup{*chosen, chosen->is_cuda() ? "cuda: " + learn::cuda::deviceName()
                                                  : "cpu (" + std::to_string(threads) + " threads)"};
}

// The network, seeded; with a weights file its trunk is loaded from it and the head starts fresh (the file's fc.* is
// replaced by the model's own before a strict load, so a trunk that does not fit is still an error naming the file).
Expected<nn::ResNet> makeModel(const TrainOptions& opt, int64_t classes, const Say& say) {
    torch::manual_seed(opt.seed);
    auto arch = nn::parseArchitecture(opt.arch);
    if (!arch) return arch.takeError();
    nn::ResNet model(*arch, classes);
    if (opt.weightsPath != "none" && !opt.weightsPath.empty()) {
        auto report = loadTrunk(model, opt.weightsPath);
        if (!report) return report.takeError();
        say(*report);
    }
    return model;
}

// The labelled photos decoded into the image cache (or read back from it), in `usable` order; a cache left with
// many canvases of edited photos is compacted. Says what it did.
Expected<CachedImages> cachePhotos(const fs::path& cacheDir, const fs::path& projectRoot,
                                   const std::vector<const project::ImageRecord*>& usable, const LabelledSet& set,
                                   const TrainOptions& opt, const Say& say, const JobContext& ctx) {
    ImageCacheOptions co;
    co.canvas = ImageCache::canvasForCrop(opt.imageSize);
    co.framing = opt.framing;
    co.persist = opt.persistCache;
    ImageCache cache(cacheDir, co);
    std::vector<CacheRequest> requests;
    for (const auto* im : usable) requests.push_back({projectRoot / im->relPath, im->contentHash});
    auto cached = cache.load(requests, ctx);
    if (!cached) return cached.takeError();
    if (!cached->failures.empty())
        say("skipped " + std::to_string(cached->failures.size()) + " photo(s) that could not be decoded, first: " +
            cached->failures.front());
    say("image cache: " + std::to_string(cached->reused) + " reused, " + std::to_string(cached->decoded) +
        " decoded (" + cache.directory().string() + ")");
    if (!cached->notSaved.empty())
        say("warning: " + cached->notSaved + "; training goes on, and the next one decodes these photos again");
    if (!opt.persistCache) return cached;
    // Edited photos leave their old canvases behind: once a fifth of the cache is dead, rewrite it.
    // (A photo without a stored hash was cached under a hash computed on the fly: then keep everything.)
    std::unordered_set<std::string> live;
    bool allHashed = true;
    for (const auto& hash : set.storeHashes()) {
        allHashed = allHashed && !hash.empty();
        live.insert(hash);
    }
    auto compacted = allHashed ? cache.compact(live, ctx, 0.2) : Expected<CacheCompaction>(CacheCompaction{});
    if (!compacted && ctx.cancelled()) return compacted.takeError();
    if (!compacted)  // a full disk: the old cache stays as it was, and still works
        say("warning: " + compacted.error() + "; the image cache stays as it was");
    else if (compacted->dropped > 0)
        say("image cache: dropped " + std::to_string(compacted->dropped) + " canvas(es) of edited or removed "
            "photos, " + std::to_string(compacted->bytesFreed / (1024 * 1024)) + " MiB freed");
    return cached;
}

// The decoded photos as training data, split into training and validation (photos of a find and near-identical
// photos on one side).
struct SplitData {
    TrainData data;
    std::vector<SplitItem> items;  // per data row
    std::vector<int64_t> keep;     // per data row: its index in `usable`
    SplitOptions options;
    SplitResult split;
};

SplitData splitPhotos(const std::vector<const project::ImageRecord*>& usable, const std::vector<int64_t>& labelIndex,
                      const CachedImages& cached, const std::vector<std::string>& classNames, const TrainOptions& opt) {
    SplitData out;
    TrainData& data = out.data;
    for (size_t i = 0; i < usable.size(); ++i) {
        if (!cached.ok[i]) continue;
        out.keep.push_back(int64_t(i));
        data.boxes.push_back(cached.boxes[i]);
        data.labels.push_back(labelIndex[i]);
        out.items.push_back(Split::itemOf(*usable[i], data.labels.back()));
    }
    data.pixels = out.keep.size() == usable.size()
                      ? cached.pixels
                      : cached.pixels.index_select(0, torch::tensor(out.keep, torch::kLong));
    data.classNames = classNames;
    out.options.valFraction = opt.valFraction;
    out.options.seed = opt.seed;
    out.options.folds = opt.folds;
    out.options.fold = opt.fold;
    out.split = Split::stratified(out.items, out.options);
    std::map<int64_t, int64_t> rowById;
    for (size_t r = 0; r < out.items.size(); ++r) rowById[out.items[r].imageId] = int64_t(r);
    for (auto id : out.split.train) data.trainIndex.push_back(rowById.at(id));
    for (auto id : out.split.validation) data.valIndex.push_back(rowById.at(id));
    return out;
}

// Which photos the project's training and validation sets are now (Dataset mode shows them).
Status saveSplit(project::ProjectStore& store, const SplitResult& split) {
    std::vector<std::pair<int64_t, project::SplitKind>> kinds;
    for (auto id : split.train) kinds.emplace_back(id, project::SplitKind::Train);
    for (auto id : split.validation) kinds.emplace_back(id, project::SplitKind::Validation);
    return store.setSplits(kinds);
}

// "training resnet18 (full) on N photos, validating on M, K classes, ..., device D": what the run is about to do.
std::string startLine(const TrainOptions& opt, const TrainResult& r, bool automaticSize, bool automaticBatch) {
    return "training " + opt.arch + " (" + nameOf(kTrainModeNames, opt.mode) + ") on " + std::to_string(r.trainImages) +
           " photos, validating on " + std::to_string(r.valImages) + ", " + std::to_string(r.classNames.size()) +
           " classes, " + (opt.framing == Framing::Find ? "each photo centred on its find, " : "whole photos, ") +
           std::to_string(opt.imageSize) + " px" + (automaticSize ? " (automatic)" : "") + ", batch " +
           std::to_string(opt.batchSize) + (automaticBatch ? " (automatic)" : "") + ", device " + r.device;
}

// The run's row in the project's runs table: added (or, for a resumed run, found) when training starts, finished
// with its status. Does nothing for runs the project does not record.
class RunRecordKeeper {
public:
    RunRecordKeeper(project::ProjectStore& store, bool enabled) : store_(store), enabled_(enabled) {}
    Status start(const std::string& name, const TrainOptions& opt) {
        record_.name = name;
        record_.status = "running";
        record_.optionsJson = RunCard::toJson(opt).dump();
        record_.createdMs = unixMillisNow();
        if (!enabled_) return {};
        if (auto runs = store_.runs(); runs.ok())  // a resumed run keeps its record; a new one gets its own
            for (const auto& r : *runs)
                if (r.name == record_.name) record_.id = r.id, record_.createdMs = r.createdMs;
        if (record_.id) return store_.updateRun(record_);
        auto id = store_.addRun(record_);
        if (!id) return id.takeError();
        record_.id = *id;
        return {};
    }
    // The model and card are written: the record points at them, with the shipped epoch's figures.
    void finishWithModel(const TrainResult& result, const LoopOutcome& outcome) {
        const fs::path dataDir = store_.dataDir();
        record_.cardPath = fs::relative(result.cardPath, dataDir).generic_string();
        record_.modelPath = fs::relative(result.bundlePath, dataDir).generic_string();
        if (!result.history.empty()) {
            const int best = std::max(0, outcome.bestEpoch);
            record_.metricsJson = RunCard::toJson(result.history[size_t(best < int(result.history.size()) ? best : 0)]).dump();
        }
        finish("finished");
    }
    void finish(const std::string& status) {
        if (!enabled_) return;
        record_.status = status;
        record_.finishedMs = unixMillisNow();
        store_.updateRun(record_);
    }

private:
    project::ProjectStore& store_;
    bool enabled_;
    project::RunRecord record_;
};

// The validation photos' scores by the shipped weights: the best epoch's own when this session trained it; else (it
// was trained before a resume) the shipped weights score them once more.
void keepValidationScores(TrainResult& result, nn::ResNet& model, const SplitData& s, LoopOutcome& outcome,
                          torch::Device device, const TrainOptions& opt) {
    if (s.data.valIndex.empty()) return;
    result.validationProbabilities = std::move(outcome.bestValidationProbabilities);
    if (result.validationProbabilities.empty())
        TrainLoop::evaluate(model, s.data, s.data.valIndex, device, opt.imageSize, std::max(opt.batchSize, 32),
                            &result.validationProbabilities);
    for (const int64_t row : s.data.valIndex) {
        result.validationImageIds.push_back(s.items[size_t(row)].imageId);
        result.validationLabels.push_back(int(s.data.labels[size_t(row)]));
    }
}

// The trained model as a bundle in the run folder, with its run card beside it (both written atomically).
Status writeModelAndCard(TrainResult& result, nn::ResNet& model, const TrainOptions& opt,
                         const SplitData& s, const std::vector<const project::ImageRecord*>& usable,
                         const LoopOutcome& outcome, const std::string& deviceName) {
    result.bundlePath = result.runDir / Trainer::kBundleFile;
    std::vector<CardPhoto> photos;
    for (size_t k = 0; k < s.keep.size(); ++k) {
        const auto* im = usable[size_t(s.keep[k])];
        photos.push_back({im, s.data.labels[k],
                          std::binary_search(s.split.validation.begin(), s.split.validation.end(), im->id)});
    }
    const nlohmann::json card = runCard(result, opt, photos, s.options, s.split, outcome, deviceName);
    nn::BundleManifest manifest;
    manifest.arch = opt.arch;
    manifest.classNames = result.classNames;
    manifest.preprocessing.inputSize = opt.imageSize;
    manifest.preprocessing.resizePolicy = "canvas_then_center_crop";
    manifest.preprocessing.canvasSize = ImageCache::canvasForCrop(opt.imageSize);
    manifest.preprocessing.framing = framingName(opt.framing);
    manifest.calibration = result.calibration;
    if (auto st = nn::ModelBundleIO::save(result.bundlePath.string(), model, manifest, card); !st) return st;
    result.cardPath = result.runDir / "card.json";
    // Atomically: Train mode reads the card for its plots, and a half-written one would be a damaged run.
    if (auto st = util::writeFileAtomically(result.cardPath, card.dump(2)); !st)
        return makeError("cannot write the run card: " + st.error());
    return {};
}

}  // namespace

Expected<TrainResult> Trainer::train(const fs::path& projectRoot, TrainObserver* observer, const JobContext& ctx) {
    const auto started = std::chrono::steady_clock::now();
    TrainOptions opt = impl_->options;
    if (auto st = validate(opt); !st) return st.takeError();
    if (!opt.keepRunFiles) opt.recordInProject = false;
    auto say = [&](const std::string& m) { if (observer) observer->onMessage(m); };
    try {
        auto setUp = setUpDevice(opt);
        if (!setUp) return setUp.takeError();
        const torch::Device device = setUp->device;
        const bool cuda = device.is_cuda();
        const std::string& deviceName = setUp->name;
        const bool automaticSize = opt.imageSize == 0, automaticBatchSize = opt.batchSize == 0;
        if (automaticSize) opt.imageSize = automaticImageSize(cuda);

        auto store = project::ProjectStore::open(projectRoot, false);
        if (!store) return store.takeError();
        // Usable labelled photos (not flagged unreadable or missing) and, in project order, the classes that have
        // at least one of them.
        LabelledSetOptions setOptions;
        setOptions.includeDisputed = opt.includeDisputed;
        auto set = LabelledSet::read(*store, setOptions);
        if (!set) return set.takeError();
        if (!set->disputed().empty())
            say(std::to_string(set->disputed().size()) +
                " labelled photo(s) marked as disputed are left out of training (clear the dispute, or train with "
                "disputed labels included, to use them)");
        std::vector<const project::ImageRecord*> usable;
        std::vector<int64_t> labelIndex;  // per usable photo: its class index
        for (const auto* li : set->labelled()) usable.push_back(&li->image), labelIndex.push_back(li->classIndex);
        TrainResult result;
        result.classNames = set->classNames();
        result.disputedLeftOut = int64_t(set->disputed().size());
        const auto& used = set->classes();
        if (used.size() < 2)
            return makeError("training needs labelled photos in at least two classes; " + projectRoot.string() +
                             " has " + std::to_string(used.size()));

        // Model and pretrained trunk BEFORE decoding: a bad --weights file fails in a second, not after the cache.
        const bool pretrained = opt.weightsPath != "none" && !opt.weightsPath.empty();
        auto made = makeModel(opt, int64_t(used.size()), say);
        if (!made) return made.takeError();
        nn::ResNet model = *made;

        auto cached = cachePhotos(store->dataDir() / "cache", projectRoot, usable, *set, opt, say, ctx);
        if (!cached) return cached.takeError();
        result.skipped = cached->failures;

        SplitData splitData = splitPhotos(usable, labelIndex, *cached, result.classNames, opt);
        TrainData& data = splitData.data;
        const SplitResult& split = splitData.split;
        result.trainImages = int64_t(data.trainIndex.size());
        result.valImages = int64_t(data.valIndex.size());
        result.nearDuplicateGroups = split.nearDuplicateGroups;
        result.nearDuplicatePhotos = split.nearDuplicatePhotos;
        if (split.nearDuplicateGroups > 0) say(Split::nearDuplicateNote(split));
        if (automaticBatchSize)
            opt.batchSize = cuda ? automaticGpuBatch(result.trainImages, opt.arch, opt.imageSize,
                                                     learn::cuda::freeMemoryBytes())
                                 : automaticBatch(result.trainImages);
        if (opt.folds <= 1)  // a cross-validation member leaves the project's split alone
            if (auto st = saveSplit(*store, split); !st) return st.takeError();

        fs::path runDir;
        if (opt.keepRunFiles) {
            auto made = makeRunFolder(store->dataDir() / "runs", opt, say);
            if (!made) return made.takeError();
            runDir = *made;
        }
        result.runDir = impl_->runFolder = runDir;
        result.runId = runDir.filename().string();
        result.device = deviceName;

        RunRecordKeeper record(*store, opt.recordInProject);
        if (auto st = record.start(result.runId, opt); !st) return st.takeError();
        // A failure from here on keeps the run's folder and its checkpoints (Trainer::runFolder); the record says
        // that the run failed.
        auto failed = [&](const std::string& why) -> Error {
            record.finish(ctx.cancelled() ? "cancelled" : "failed");
            return makeError(why);
        };

        say(startLine(opt, result, automaticSize, automaticBatchSize));

        TrainLoop loop(opt, device, runDir);  // no run folder: no checkpoints
        auto outcome = loop.run(model, data, pretrained, observer, ctx, &impl_->paused);
        if (!outcome) return failed(outcome.error());
        result.history = outcome->history;
        result.stoppedEarly = outcome->stoppedEarly;
        result.precision = outcome->precision;
        result.trainImagesPerSecond = outcome->medianImagesPerSecond;
        if (auto st = loadShippedWeights(model, *outcome); !st) return failed(st.error());
        keepValidationScores(result, model, splitData, *outcome, device, opt);
        result.calibration = calibrateOnHeldOut(result.validationProbabilities, result.validationLabels,
                                                result.classNames.size(), "validation");
        model->to(torch::kCPU);
        model->eval();
        if (!opt.keepRunFiles) {
            result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            return result;
        }

        if (auto st = writeModelAndCard(result, model, opt, splitData, usable, *outcome, deviceName); !st)
            return failed(st.error());
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        record.finishWithModel(result, *outcome);
        if (opt.recordInProject) {
            // The model is written and recorded: a failure to make it active must not turn the run into a failure.
            auto adopted = store->adoptAsActiveModelIfNone(result.bundlePath);
            if (adopted) result.becameActiveModel = *adopted;
            else say("the model was not made the project's active model: " + adopted.error());
        }
        return result;
    } catch (const c10::Error& e) {
        return makeError(std::string("training failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(std::string("training failed: ") + e.what());
    }
}

}  // namespace tessera::learn
