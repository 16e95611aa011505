#include "core/fewshot/quickmodel.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/train/labelledset.h"
#include "core/fewshot/linearprobe_torch.h"
#include "core/train/split.h"
#include "core/nn/startingweights.h"
#include "core/project/projectstore.h"
#include "core/util/timestamp.h"

namespace tessera::learn {
namespace fs = std::filesystem;

namespace {
double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

LinearProbeOptions probeOptions(const QuickModelOptions& options) {
    LinearProbeOptions po;
    po.iterations = options.iterations;
    po.lr = options.lr;
    po.weightDecay = options.weightDecay;
    po.seed = options.seed;
    return po;
}

}  // namespace

FeatureSource chooseFeatureSource(const fs::path& activeBundle) {
    std::error_code ec;
    if (!activeBundle.empty() && fs::is_regular_file(activeBundle, ec))
        return {FeatureSource::Kind::TrainedModel, activeBundle, activeBundle.parent_path().filename().string()};
    const nn::StartingWeights imagenet = nn::cachedFeatureWeights();
    if (imagenet.randomStart()) return {};
    return {FeatureSource::Kind::ImageNet, imagenet.file, imagenet.zooName};
}

struct QuickModel::Impl {
    fs::path root;
    fs::path modelFile;
    QuickModelOptions options;
    EmbeddingCache cache;
    std::unordered_map<std::string, std::vector<float>> byHash;  // every embedding seen, by content hash
    std::vector<int64_t> classIds;
    std::vector<std::string> classNames;
    std::vector<QuickPrediction> predictions;
    std::vector<float> predictedEmbeddings;  // standardised, predictions.size() * dim (for diversity)
    torch::Tensor labelledEmbeddings;          // standardised, one row per labelledRows entry
    std::vector<OutOfFoldPrediction> labelledRows;  // probabilities empty; filled by outOfFold
    std::vector<SplitItem> labelledItems;      // parallel to labelledRows, for the folds
    PhotoFeatures photos;                      // every row of the last refresh, without values (features())
    QuickRefreshStats stats;

    explicit Impl(EmbeddingCache c) : cache(std::move(c)) {}
    Status embedNew(const LabelledSet& set, QuickRefreshStats& stats, const JobContext& ctx);
    void rememberRows(const std::vector<const LabelledImage*>& rows, const std::vector<int64_t>& trainRows,
                      const std::vector<int64_t>& trainLabels, const std::vector<int64_t>& predictRows,
                      const std::unordered_map<int64_t, int64_t>& indexOf);
};

QuickModel::QuickModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QuickModel::QuickModel(QuickModel&&) noexcept = default;
QuickModel& QuickModel::operator=(QuickModel&&) noexcept = default;
QuickModel::~QuickModel() = default;

Expected<QuickModel> QuickModel::open(const fs::path& projectRoot, const fs::path& weightsOrBundle,
                                      const QuickModelOptions& options) {
    if (options.iterations < 1) return makeError("quick model: iterations must be at least 1");
    auto cache = EmbeddingCache::open(projectRoot, weightsOrBundle, options.embedding);
    if (!cache) return cache.takeError();
    auto impl = std::make_unique<Impl>(std::move(*cache));
    impl->root = projectRoot;
    impl->modelFile = weightsOrBundle;
    impl->options = options;
    return QuickModel(std::move(impl));
}

namespace {

// The classes the head learns: the project's classes (in project order) with a labelled photo among `rows`, the
// photos that got an embedding (a class whose photos all failed to decode is out).
struct HeadClasses {
    std::vector<int64_t> ids;
    std::vector<std::string> names;
    std::unordered_map<int64_t, int64_t> indexOf;  // class id -> head index
};

HeadClasses headClasses(const LabelledSet& set, const std::vector<const LabelledImage*>& rows) {
    std::map<int64_t, int64_t> perClass;
    for (const auto* li : rows)
        if (li->labelled()) perClass[li->classId]++;
    HeadClasses out;
    for (const auto& c : set.allClasses())
        if (perClass.count(c.id)) {
            out.indexOf[c.id] = int64_t(out.ids.size());
            out.ids.push_back(c.id);
            out.names.push_back(c.name);
        }
    return out;
}

// The rows' embeddings, each feature standardised over all photos: a well-conditioned problem for a fixed learning
// rate, and centred features make cosine similarity meaningful for the diversity step (ReLU features are all >= 0).
torch::Tensor standardisedFeatures(const std::unordered_map<std::string, std::vector<float>>& byHash,
                                   const std::vector<const LabelledImage*>& rows, int64_t dim) {
    auto X = torch::empty({int64_t(rows.size()), dim}, torch::kFloat);
    float* x = X.data_ptr<float>();
    for (size_t r = 0; r < rows.size(); ++r) {
        const auto& v = byHash.at(rows[r]->image.contentHash);
        std::copy(v.begin(), v.end(), x + r * size_t(dim));
    }
    auto mean = X.mean({0}, /*keepdim=*/true);
    auto stdv = (X - mean).pow(2).mean({0}, /*keepdim=*/true).sqrt().clamp_min(1e-6);
    return (X - mean) / stdv;
}

// The head's calls on `features` (one row per entry of `which`, rows of `rows`).
std::vector<QuickPrediction> callsOf(const LinearHead& head, const torch::Tensor& features,
                                     const std::vector<const LabelledImage*>& rows, const std::vector<int64_t>& which) {
    auto P = torch::softmax(torch::addmm(head.bias, features, head.weight.t()), 1).contiguous();
    const float* p = P.data_ptr<float>();
    const size_t K = size_t(P.size(1));
    std::vector<QuickPrediction> out;
    for (size_t i = 0; i < which.size(); ++i) {
        const LabelledImage& li = *rows[size_t(which[i])];
        QuickPrediction q;
        q.imageId = li.image.id;
        q.relPath = li.image.relPath;
        q.probabilities.assign(p + i * K, p + (i + 1) * K);
        auto best = std::max_element(q.probabilities.begin(), q.probabilities.end());
        q.classIndex = int(best - q.probabilities.begin());
        q.confidence = *best;
        q.disputed = li.disputed;
        out.push_back(std::move(q));
    }
    return out;
}

}  // namespace

// Embeds the photos not seen before (by content hash; identical photos once), counting into `stats`.
Status QuickModel::Impl::embedNew(const LabelledSet& set, QuickRefreshStats& stats, const JobContext& ctx) {
    std::vector<EmbeddingRequest> requests;
    std::unordered_set<std::string> requestHashes;
    for (const auto& li : set.images()) {
        const auto& im = li.image;
        if (!im.contentHash.empty() && byHash.count(im.contentHash)) continue;
        if (!im.contentHash.empty() && !requestHashes.insert(im.contentHash).second) continue;
        requests.push_back({root / im.relPath, im.contentHash});
    }
    if (requests.empty()) return {};
    auto emb = cache.compute(requests, ctx);
    if (!emb) return emb.takeError();
    for (size_t i = 0; i < requests.size(); ++i)
        if (emb->ok[i]) byHash[emb->hashes[i]].assign(emb->row(i), emb->row(i) + emb->dim);
    stats.embedded = emb->computed;
    stats.reused = emb->reused;
    for (const auto& f : emb->failures) stats.skipped.push_back(f);
    stats.cacheNotSaved = emb->notSaved;
    return {};
}

// What outOfFold, features() and the diversity step read after a refresh: the labelled rows (with their items for
// the folds) and every row's photo, the disputed ones with their disputed class.
void QuickModel::Impl::rememberRows(const std::vector<const LabelledImage*>& rows, const std::vector<int64_t>& trainRows,
                                    const std::vector<int64_t>& trainLabels, const std::vector<int64_t>& predictRows,
                                    const std::unordered_map<int64_t, int64_t>& indexOf) {
    labelledRows.clear();
    labelledItems.clear();
    photos = PhotoFeatures{};
    photos.dim = size_t(cache.dim());
    const auto addPhoto = [this](const project::ImageRecord& image, int label, bool disputed) {
        photos.imageIds.push_back(image.id);
        photos.relPaths.push_back(image.relPath);
        photos.labels.push_back(label);
        photos.disputed.push_back(disputed ? 1 : 0);
        photos.finds.push_back(Split::groupKey(image.site, image.context, image.findId));
    };
    for (size_t t = 0; t < trainRows.size(); ++t) {
        const auto& image = rows[size_t(trainRows[t])]->image;
        labelledRows.push_back({image.id, image.relPath, int(trainLabels[t]), {},
                                rows[size_t(trainRows[t])]->source == project::LabelSource::Confirmed});
        labelledItems.push_back(Split::itemOf(image, trainLabels[t]));
        addPhoto(image, int(trainLabels[t]), false);
    }
    for (const int64_t r : predictRows) {
        const LabelledImage& li = *rows[size_t(r)];
        const auto disputedClass = li.disputed ? indexOf.find(li.classId) : indexOf.end();
        addPhoto(li.image, disputedClass != indexOf.end() ? int(disputedClass->second) : -1, li.disputed);
    }
}

Status QuickModel::refresh(const JobContext& ctx) {
    Impl& d = *impl_;
    QuickRefreshStats stats;
    at::init_num_threads();  // LibTorch on a thread it did not create (the GUI's worker)
    auto store = project::ProjectStore::open(d.root, false);
    if (!store) return store.takeError();
    // Unreadable and missing photos are listed, not embedded.
    auto set = LabelledSet::read(*store);
    if (!set) return set.takeError();
    stats.skipped = set->skipped();
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = d.embedNew(*set, stats, ctx); !st) return st;
    stats.embedSeconds = secondsSince(t0);
    if (ctx.cancelled()) return makeError("cancelled");

    // Rows: every usable photo with an embedding; labelled ones train, the others are predicted.
    const auto t1 = std::chrono::steady_clock::now();
    std::vector<const LabelledImage*> rows;
    for (const auto& li : set->images())
        if (!li.image.contentHash.empty() && d.byHash.count(li.image.contentHash)) rows.push_back(&li);
    HeadClasses classes = headClasses(*set, rows);
    if (classes.ids.size() < 2)
        return makeError("the quick model needs labelled photos in at least two classes; " + d.root.string() +
                         " has " + std::to_string(classes.ids.size()));
    try {
        torch::NoGradGuard noGrad;
        const torch::Tensor X = standardisedFeatures(d.byHash, rows, d.cache.dim());
        std::vector<int64_t> trainRows, trainLabels, predictRows;
        for (size_t r = 0; r < rows.size(); ++r) {
            if (rows[r]->labelled()) {
                trainRows.push_back(int64_t(r));
                trainLabels.push_back(classes.indexOf.at(rows[r]->classId));
            } else {
                predictRows.push_back(int64_t(r));
            }
        }
        // The labelled rows train the head now and are kept for outOfFold.
        auto labelledX = X.index_select(0, torch::tensor(trainRows, torch::kLong)).contiguous();
        LinearHead head;
        {
            torch::AutoGradMode enable(true);
            head = LinearProbe::train(labelledX, torch::tensor(trainLabels, torch::kLong), int64_t(classes.ids.size()),
                                      probeOptions(d.options));
        }
        std::vector<QuickPrediction> predictions;
        std::vector<float> predicted;
        if (!predictRows.empty()) {
            auto Xu = X.index_select(0, torch::tensor(predictRows, torch::kLong)).contiguous();
            predictions = callsOf(head, Xu, rows, predictRows);
            predicted.assign(Xu.data_ptr<float>(), Xu.data_ptr<float>() + Xu.numel());
        }
        stats.finalLoss = head.finalLoss;
        stats.labelled = int64_t(trainRows.size());
        stats.unlabelled = int64_t(predictRows.size());
        d.classIds = std::move(classes.ids);
        d.classNames = std::move(classes.names);
        d.predictions = std::move(predictions);
        d.predictedEmbeddings = std::move(predicted);
        d.labelledEmbeddings = std::move(labelledX);
        d.rememberRows(rows, trainRows, trainLabels, predictRows, classes.indexOf);
    } catch (const c10::Error& e) {
        return makeError(std::string("quick model training failed: ") + e.what_without_backtrace());
    }
    stats.trainSeconds = secondsSince(t1);
    d.stats = std::move(stats);
    return {};
}

const std::vector<int64_t>& QuickModel::classIds() const { return impl_->classIds; }
const std::vector<std::string>& QuickModel::classNames() const { return impl_->classNames; }
const std::vector<QuickPrediction>& QuickModel::predictions() const { return impl_->predictions; }
const QuickRefreshStats& QuickModel::lastRefresh() const { return impl_->stats; }
std::string QuickModel::modelKey() const { return impl_->cache.modelKey(); }
std::string QuickModel::deviceName() const { return impl_->cache.deviceName(); }

PhotoFeatures QuickModel::features() const {
    const Impl& d = *impl_;
    PhotoFeatures f = d.photos;
    if (d.labelledEmbeddings.defined()) {
        const auto labelled = d.labelledEmbeddings.contiguous();
        f.values.assign(labelled.data_ptr<float>(), labelled.data_ptr<float>() + labelled.numel());
    }
    f.values.insert(f.values.end(), d.predictedEmbeddings.begin(), d.predictedEmbeddings.end());
    return f;
}

std::vector<QuickSuggestion> QuickModel::suggest(const SuggestOptions& options) const {
    const Impl& d = *impl_;
    const size_t K = d.classIds.size();
    const size_t D = size_t(d.cache.dim());
    std::vector<size_t> candidates;  // rows of predictions() that lack a label (disputed ones have one)
    std::vector<float> probs, embeddings;
    probs.reserve(d.predictions.size() * K);
    embeddings.reserve(d.predictedEmbeddings.size());
    for (size_t r = 0; r < d.predictions.size(); ++r) {
        const auto& p = d.predictions[r];
        if (p.disputed) continue;
        candidates.push_back(r);
        probs.insert(probs.end(), p.probabilities.begin(), p.probabilities.end());
        embeddings.insert(embeddings.end(), d.predictedEmbeddings.begin() + ptrdiff_t(r * D),
                          d.predictedEmbeddings.begin() + ptrdiff_t((r + 1) * D));
    }
    std::vector<QuickSuggestion> out;
    for (const auto& s : ActiveLearning::suggest(probs, K, embeddings, D, options)) {
        const auto& p = d.predictions[candidates[s.row]];
        out.push_back({p.imageId, p.relPath, s.uncertainty, p.classIndex, p.confidence, s.nearDuplicate});
    }
    return out;
}

Expected<std::vector<OutOfFoldPrediction>> QuickModel::outOfFold(int folds, const JobContext& ctx) const {
    const Impl& d = *impl_;
    if (folds < 2) return makeError("cross-validation needs at least 2 folds, not " + std::to_string(folds));
    if (d.labelledRows.empty()) return makeError("no labelled photos to cross-validate: refresh the quick model first");
    auto items = d.labelledItems;
    Split::keepNearDuplicatesTogether(items, SplitOptions::defaults().nearDuplicateDistance);
    const auto foldOf = Split::kFoldAssignment(items, folds, d.options.seed);
    std::vector<OutOfFoldPrediction> out = d.labelledRows;
    const int64_t K = int64_t(d.classIds.size());
    try {
        at::init_num_threads();
        for (int f = 0; f < folds; ++f) {
            if (ctx.cancelled()) return makeError("cancelled");
            std::vector<int64_t> trainRows, trainLabels, heldOut;
            for (size_t r = 0; r < out.size(); ++r) {
                if (foldOf[r] == f) {
                    heldOut.push_back(int64_t(r));
                } else {
                    trainRows.push_back(int64_t(r));
                    trainLabels.push_back(out[r].label);
                }
            }
            if (heldOut.empty() || trainRows.empty()) continue;
            LinearHead head;
            {
                torch::AutoGradMode enable(true);
                head = LinearProbe::train(d.labelledEmbeddings.index_select(0, torch::tensor(trainRows, torch::kLong)),
                                          torch::tensor(trainLabels, torch::kLong), K, probeOptions(d.options));
            }
            torch::NoGradGuard noGrad;
            auto X = d.labelledEmbeddings.index_select(0, torch::tensor(heldOut, torch::kLong));
            auto P = torch::softmax(torch::addmm(head.bias, X, head.weight.t()), 1).contiguous();
            const float* p = P.data_ptr<float>();
            for (size_t i = 0; i < heldOut.size(); ++i)
                out[size_t(heldOut[i])].probabilities.assign(p + i * size_t(K), p + (i + 1) * size_t(K));
            Progress progress;
            progress.stage = "cross-validating";
            progress.done = f + 1;
            progress.total = folds;
            ctx.report(progress);
        }
    } catch (const c10::Error& e) {
        return makeError(std::string("cross-validation failed: ") + e.what_without_backtrace());
    }
    // A fold that could not be held out (fewer photos than folds) leaves its photos unscored: drop them.
    std::erase_if(out, [](const OutOfFoldPrediction& o) { return o.probabilities.empty(); });
    return out;
}

Expected<int64_t> QuickModel::writePredictions(int topK, int64_t replaceRunId) const {
    const Impl& d = *impl_;
    auto store = project::ProjectStore::open(d.root, false);
    if (!store) return store.takeError();
    project::RunRecord run;
    run.name = "quick model";
    run.kind = "quick model";
    run.status = "finished";
    run.optionsJson = nlohmann::json{{"model", d.modelFile.string()}, {"model_key", d.cache.modelKey()},
                                     {"labelled", d.stats.labelled}, {"iterations", d.options.iterations}}
                          .dump();
    run.finishedMs = unixMillisNow();
    Expected<int64_t> id = replaceRunId;
    if (replaceRunId != 0) {
        run.id = replaceRunId;
        run.createdMs = 0;  // keep the creation time
        if (auto st = store->updateRun(run); !st) return st.takeError();
    } else {
        id = store->addRun(run);
        if (!id) return id.takeError();
    }
    std::vector<project::PredictionRecord> records;
    records.reserve(d.predictions.size());
    for (const auto& p : d.predictions) {
        std::vector<size_t> order(p.probabilities.size());
        for (size_t c = 0; c < order.size(); ++c) order[c] = c;
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return p.probabilities[a] > p.probabilities[b]; });
        std::vector<project::ClassScore> top;
        for (size_t k = 0; k < order.size() && int(k) < std::max(1, topK); ++k)
            top.push_back({d.classNames[order[k]], p.probabilities[order[k]]});
        records.push_back({p.imageId, *id, d.classIds[size_t(p.classIndex)], p.confidence, std::move(top)});
    }
    if (auto st = replaceRunId != 0 ? store->replacePredictions(*id, records) : store->putPredictions(records); !st)
        return st.takeError();
    return *id;
}

}  // namespace tessera::learn
