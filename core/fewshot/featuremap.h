#pragma once
// A 2-D map of a collection: every photo's feature vector laid out so that photos whose features are close lie close
// on the map. The method is UMAP (McInnes, Healy and Melville, "UMAP: Uniform Manifold Approximation and Projection
// for Dimension Reduction", 2018), as umap-learn computes it: a fuzzy k-nearest-neighbour graph (per-photo
// bandwidths, fuzzy union), then the layout optimised by stochastic gradient descent with negative sampling. Two
// deliberate choices: the features are first reduced to at most 50 principal components (denoises and speeds up
// the neighbour search), and the layout starts from the first two principal components instead of a spectral
// embedding, which keeps the map's global arrangement stable from one seed to the next (Kobak and Linderman,
// Nature Biotechnology 2021). Deterministic for a seed, on one thread; torch-free interface.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct FeatureMapOptions {
    int neighbours = 15;         // neighbourhood size, the photo itself counted (umap-learn's n_neighbors): larger
                                 // favours the global picture
    double minDistance = 0.1;    // how tightly similar photos may pack on the map
    int epochs = 0;              // optimisation passes; 0: 500 up to 10,000 photos, 200 above (umap-learn's rule)
    int principalComponents = 50;  // features are reduced to at most this many first; 0 keeps them all
    uint64_t seed = 42;
    static FeatureMapOptions defaults() { return FeatureMapOptions{}; }
};

// The curve 1 / (1 + a d^(2b)) that the layout fits to "1 below minDistance, then exp(-(d - minDistance))":
// a least-squares fit, as umap-learn's find_ab_params (a ~ 1.577, b ~ 0.895 for minDistance 0.1).
struct MapCurve {
    double a = 0.0;
    double b = 0.0;
};
MapCurve fitMapCurve(double minDistance);

class FeatureMap {
public:
    // `features`: rows x dim, row-major. Returns rows x 2, row-major (x, y per row). Fewer than 3 rows are placed on
    // a line; identical rows are allowed. Reports progress as "laying out the map" (epochs); honours cancel.
    static Expected<std::vector<float>> layOut(const std::vector<float>& features, size_t rows, size_t dim,
                                               const FeatureMapOptions& options, const JobContext& ctx);

    // Trustworthiness (Venna and Kaski 2001) of a layout at neighbourhood size k: 1 when every photo's k nearest
    // neighbours on the map are among its k nearest in feature space, lower as strangers intrude; about 0.5 for a
    // random layout. Computed over `sampleRows` rows spread evenly (0: every row): O(sample * rows * log rows).
    static double trustworthiness(const std::vector<float>& features, size_t dim, const std::vector<float>& layout,
                                  size_t layoutDim, size_t rows, int k, size_t sampleRows = 0);
};

}  // namespace tessera::learn
