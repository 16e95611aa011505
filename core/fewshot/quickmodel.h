#pragma once
// The "train with clicks" model: a linear head on cached embeddings (EmbeddingCache) of the labelled photos,
// retrained in well under a second whenever labels change, predicting every unlabelled photo; active-learning
// suggestions come from its probabilities. Torch-free (pimpl) for the GUI and the CLI. Typical use on a worker
// thread:   auto qm = QuickModel::open(root, weights);  qm->refresh(ctx);  qm->predictions();  qm->suggest(opts);
// One QuickModel per thread; refresh() opens its own connection to the project store.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/fewshot/activelearning.h"
#include "core/fewshot/embeddingcache.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct QuickModelOptions {
    EmbeddingOptions embedding = EmbeddingOptions::defaults();
    int iterations = 200;       // full-batch AdamW steps of the head (the linear probe)
    double lr = 1e-2;
    double weightDecay = 1e-3;
    uint64_t seed = 42;
    static QuickModelOptions defaults() { return QuickModelOptions{}; }
};

struct QuickPrediction {
    int64_t imageId = 0;
    std::string relPath;
    int classIndex = 0;               // into QuickModel::classIds() / classNames()
    double confidence = 0.0;          // top-1 probability
    std::vector<float> probabilities;  // every class, classIds() order
    bool disputed = false;            // it has a label, marked as disputed: predicted, never suggested
};

// A labelled photo scored by a head that did not train on it (QuickModel::outOfFold).
struct OutOfFoldPrediction {
    int64_t imageId = 0;
    std::string relPath;
    int label = 0;                     // its class, into QuickModel::classIds() / classNames()
    std::vector<float> probabilities;  // every class, classIds() order
    bool confirmed = false;            // a person kept this label after the label check questioned it
};

// The features of every photo of the last refresh(), standardised as the head sees them: the labelled photos first
// (store order, as outOfFold), then the predicted ones (as predictions()). For the map of the collection.
struct PhotoFeatures {
    size_t dim = 0;
    std::vector<float> values;         // rows x dim, row-major
    std::vector<int64_t> imageIds;     // one per row
    std::vector<std::string> relPaths;
    // Class index into classIds(): the label of a photo the head trained on; for a predicted photo -1, or the class
    // its disputed label names (-1 when that class is not among classIds()).
    std::vector<int> labels;
    std::vector<char> disputed;        // 1: a predicted photo whose label is disputed
    std::vector<std::string> finds;    // Split::groupKey of the photo's find; empty when it has no find id
    size_t rows() const { return imageIds.size(); }
};

struct QuickSuggestion {
    int64_t imageId = 0;
    std::string relPath;
    double uncertainty = 0.0;
    int classIndex = 0;       // the model's current guess
    double confidence = 0.0;
    bool nearDuplicate = false;
};

struct QuickRefreshStats {
    int64_t labelled = 0;        // photos the head trained on
    int64_t unlabelled = 0;      // photos predicted
    int64_t embedded = 0;        // embeddings computed by the network in this refresh
    int64_t reused = 0;          // embeddings read from memory or the disk cache
    std::vector<std::string> skipped;  // unreadable photos ("path: reason")
    std::string cacheNotSaved;   // why the new embeddings could not be kept on disk (Embeddings::notSaved); empty if kept
    double embedSeconds = 0.0;
    double trainSeconds = 0.0;   // head training + prediction
    double finalLoss = 0.0;
};

// Which network embeds the photos for the quick model and the label check. The active trained bundle comes first:
// its features were fine-tuned on this project's finds, so a linear head on them separates the project's classes far
// better than generic features, and it is the model the user chose. Without one, ImageNet weights already in the
// weights cache (resnet18 first: the cheapest to run on every photo). Nothing is downloaded: that is a deliberate act.
struct FeatureSource {
    enum class Kind { None, TrainedModel, ImageNet };
    Kind kind = Kind::None;
    std::filesystem::path file;  // empty when kind is None
    std::string name;            // the trained model's run folder, or the model-zoo name
};
// `activeBundle`: the project's active model (empty when it has none); a file that is gone counts as none.
FeatureSource chooseFeatureSource(const std::filesystem::path& activeBundle);

class QuickModel {
public:
    // Loads the network (see EmbeddingCache::open for the accepted files). Nothing is computed yet.
    static Expected<QuickModel> open(const std::filesystem::path& projectRoot,
                                     const std::filesystem::path& weightsOrBundle,
                                     const QuickModelOptions& options = QuickModelOptions::defaults());
    QuickModel(QuickModel&&) noexcept;
    QuickModel& operator=(QuickModel&&) noexcept;
    ~QuickModel();

    // Reads images and labels from the store, embeds photos not seen before (cached on disk by content hash),
    // retrains the head on the labelled ones and predicts the others: unlabelled photos and those whose label is
    // disputed (LabelledSet leaves those out of training). Needs labels in two classes.
    Status refresh(const JobContext& ctx);

    const std::vector<int64_t>& classIds() const;       // project class ids the head knows
    const std::vector<std::string>& classNames() const;
    const std::vector<QuickPrediction>& predictions() const;  // unlabelled and disputed photos, by relPath
    const QuickRefreshStats& lastRefresh() const;
    std::string modelKey() const;
    std::string deviceName() const;

    // Out-of-sample probabilities of every labelled photo of the last refresh(), in store order: the head is
    // retrained `folds` times, each time without one fold, and scores that fold. Folds keep the photos of a find and
    // near-identical photos together (Split), so no photo is scored by a head that trained on its twin. folds >= 2.
    Expected<std::vector<OutOfFoldPrediction>> outOfFold(int folds, const JobContext& ctx) const;
    PhotoFeatures features() const;
    // "Label these next" among the unlabelled predictions(), most uncertain first, diversified by embedding
    // similarity. Disputed photos are not offered: their open question is the specialists', not a missing label.
    std::vector<QuickSuggestion> suggest(const SuggestOptions& options = SuggestOptions::defaults()) const;

    // Stores predictions() in the project as a run of kind "quick model" (so the Dataset filters and Review mode
    // can use them) and returns its run id. With replaceRunId 0 each call adds a new run; otherwise that run (which
    // must exist) is updated and its predictions replaced, so the GUI's refresh-after-every-label keeps one run.
    Expected<int64_t> writePredictions(int topK = 3, int64_t replaceRunId = 0) const;

private:
    struct Impl;
    explicit QuickModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::learn
