#pragma once
// "Label these next": ranks unlabelled photos by how unsure the model is (margin or entropy of the class
// probabilities) and picks greedily down that ranking, skipping a candidate whose embedding is nearly the same
// direction (cosine similarity above a threshold) as one already picked, so the N suggestions are not N views of
// one near-duplicate. Plain C++ over flat arrays: the quick model, the CLI and tests feed it.
#include <cstddef>
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::learn {

enum class Uncertainty {
    Margin,   // 1 - (p_top1 - p_top2): 1 when the two best classes tie
    Entropy,  // -sum p log p / log K: 1 for a uniform distribution
};

std::string uncertaintyName(Uncertainty u);  // "margin", "entropy"
Expected<Uncertainty> parseUncertainty(const std::string& name);

struct SuggestOptions {
    int count = 20;
    Uncertainty strategy = Uncertainty::Margin;
    // A candidate more similar than this (cosine of the embeddings) to an already chosen one is skipped while
    // others remain; skipped ones fill the list only when nothing else is left. 1 disables the diversity step.
    double maxSimilarity = 0.95;
    static SuggestOptions defaults() { return SuggestOptions{}; }
};

struct Suggestion {
    size_t row = 0;            // index into the rows given to suggest()
    double uncertainty = 0.0;  // in [0, 1], higher = less sure
    bool nearDuplicate = false;  // taken only to fill the list (similar to an earlier suggestion)
};

class ActiveLearning {
public:
    // p: `classes` probabilities of one photo.
    static double margin(const float* p, size_t classes);
    static double entropy(const float* p, size_t classes);
    static double uncertainty(const float* p, size_t classes, Uncertainty strategy);

    // probabilities: rows * classes; embeddings: rows * dim (dim 0 or empty: no diversity step).
    // Ties in uncertainty keep the lower row first, so the result is deterministic.
    static std::vector<Suggestion> suggest(const std::vector<float>& probabilities, size_t classes,
                                           const std::vector<float>& embeddings, size_t dim,
                                           const SuggestOptions& options = SuggestOptions::defaults());
};

}  // namespace tessera::learn
