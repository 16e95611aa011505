#include "core/fewshot/activelearning.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tessera::learn {

std::string uncertaintyName(Uncertainty u) { return u == Uncertainty::Entropy ? "entropy" : "margin"; }

Expected<Uncertainty> parseUncertainty(const std::string& name) {
    if (name == "margin") return Uncertainty::Margin;
    if (name == "entropy") return Uncertainty::Entropy;
    return makeError("unknown uncertainty strategy '" + name + "' (expected margin or entropy)");
}

double ActiveLearning::margin(const float* p, size_t classes) {
    if (classes < 2) return 0.0;
    double first = -1.0, second = -1.0;
    for (size_t c = 0; c < classes; ++c) {
        const double v = p[c];
        if (v > first) second = first, first = v;
        else if (v > second) second = v;
    }
    return std::clamp(1.0 - (first - second), 0.0, 1.0);
}

double ActiveLearning::entropy(const float* p, size_t classes) {
    if (classes < 2) return 0.0;
    double h = 0.0;
    for (size_t c = 0; c < classes; ++c)
        if (p[c] > 0.f) h -= double(p[c]) * std::log(double(p[c]));
    return std::clamp(h / std::log(double(classes)), 0.0, 1.0);
}

double ActiveLearning::uncertainty(const float* p, size_t classes, Uncertainty strategy) {
    return strategy == Uncertainty::Entropy ? entropy(p, classes) : margin(p, classes);
}

std::vector<Suggestion> ActiveLearning::suggest(const std::vector<float>& probabilities, size_t classes,
                                                const std::vector<float>& embeddings, size_t dim,
                                                const SuggestOptions& options) {
    std::vector<Suggestion> out;
    if (classes == 0 || options.count <= 0) return out;
    const size_t rows = probabilities.size() / classes;
    const bool diverse = dim > 0 && embeddings.size() >= rows * dim && options.maxSimilarity < 1.0;
    std::vector<double> score(rows);
    for (size_t r = 0; r < rows; ++r) score[r] = uncertainty(&probabilities[r * classes], classes, options.strategy);
    std::vector<size_t> order(rows);
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });

    std::vector<double> norm(diverse ? rows : 0, 0.0);
    for (size_t r = 0; r < norm.size(); ++r) {
        double s = 0.0;
        for (size_t k = 0; k < dim; ++k) s += double(embeddings[r * dim + k]) * embeddings[r * dim + k];
        norm[r] = std::sqrt(s);
    }
    auto cosine = [&](size_t a, size_t b) {
        if (norm[a] == 0.0 || norm[b] == 0.0) return 0.0;
        double s = 0.0;
        for (size_t k = 0; k < dim; ++k) s += double(embeddings[a * dim + k]) * embeddings[b * dim + k];
        return s / (norm[a] * norm[b]);
    };
    const size_t want = std::min(rows, size_t(options.count));
    std::vector<size_t> skipped;
    for (size_t r : order) {
        if (out.size() == want) break;
        bool near = false;
        if (diverse)
            for (const auto& s : out)
                if (cosine(r, s.row) > options.maxSimilarity) {
                    near = true;
                    break;
                }
        if (near) skipped.push_back(r);
        else out.push_back({r, score[r], false});
    }
    // Fewer distinct candidates than asked for: fill with the skipped ones, most uncertain first.
    for (size_t i = 0; out.size() < want && i < skipped.size(); ++i)
        out.push_back({skipped[i], score[skipped[i]], true});
    return out;
}

}  // namespace tessera::learn
