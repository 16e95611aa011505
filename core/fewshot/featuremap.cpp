#include "core/fewshot/featuremap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include <torch/torch.h>

#include "core/train/splitrng.h"

namespace tessera::learn {
namespace {

constexpr int kNegativeSamples = 5;        // repulsive samples per attractive one (umap-learn's negative_sample_rate)
constexpr float kRepulsion = 1.0f;         // weight of the repulsive term (umap-learn's repulsion_strength)
constexpr float kGradientClip = 4.0f;
constexpr double kInitialSpan = 10.0;      // the initial layout is 10 across, as umap-learn rescales its start

// The fit of 1 / (1 + a x^(2b)) to the target curve: its cost (sum of squared residuals) and, for the
// Levenberg-Marquardt step, the normal equations J^T J and J^T r in (a, b).
struct CurveFit {
    double cost = 0.0;
    double jaa = 0.0, jab = 0.0, jbb = 0.0;  // J^T J
    double ra = 0.0, rb = 0.0;               // J^T r
};

CurveFit curveFit(const std::vector<double>& xs, const std::vector<double>& ys, double a, double b) {
    CurveFit fit;
    for (size_t i = 0; i < xs.size(); ++i) {
        const double x = xs[i];
        const double u = x > 0 ? std::pow(x, 2 * b) : 0.0;
        const double f = 1.0 / (1.0 + a * u);
        const double r = f - ys[i];
        const double dfa = -u * f * f;
        const double dfb = x > 0 ? -a * u * 2.0 * std::log(x) * f * f : 0.0;
        fit.cost += r * r;
        fit.jaa += dfa * dfa;
        fit.jab += dfa * dfb;
        fit.jbb += dfb * dfb;
        fit.ra += dfa * r;
        fit.rb += dfb * r;
    }
    return fit;
}

struct Neighbours {
    int k = 0;
    std::vector<int64_t> index;   // rows x k
    std::vector<float> distance;  // rows x k, Euclidean
};

// The k nearest other rows of every row (self excluded), nearest first, with their distances. The search runs on
// LibTorch's matmul (|a|^2 + |b|^2 - 2ab in float, in blocks of rows); the k distances found are then computed again
// exactly, in double: the float shortcut leaves noise of about 1e-2 between identical rows, which would make a
// duplicate photo look like a distinct nearest neighbour (rho) and cut groups of copies off the rest of the map.
Expected<Neighbours> nearestNeighbours(const torch::Tensor& X, int k, const JobContext& ctx) {
    const int64_t n = X.size(0), dim = X.size(1);
    Neighbours nb;
    nb.k = k;
    nb.index.resize(size_t(n) * size_t(k));
    nb.distance.resize(size_t(n) * size_t(k));
    const auto norms = X.pow(2).sum(1);
    constexpr int64_t kChunk = 1024;
    for (int64_t begin = 0; begin < n; begin += kChunk) {
        if (ctx.cancelled()) return makeError("cancelled");
        const int64_t end = std::min(n, begin + kChunk);
        auto block = X.slice(0, begin, end);
        auto d2 = norms.slice(0, begin, end).unsqueeze(1) + norms.unsqueeze(0) - 2.0 * block.matmul(X.t());
        d2.index_put_({torch::arange(end - begin, torch::kLong), torch::arange(begin, end, torch::kLong)},
                      std::numeric_limits<float>::infinity());
        auto indices = std::get<1>(d2.topk(k, /*dim=*/1, /*largest=*/false, /*sorted=*/true)).contiguous();
        std::copy(indices.data_ptr<int64_t>(), indices.data_ptr<int64_t>() + indices.numel(),
                  nb.index.begin() + begin * k);
    }
    const auto rows = X.contiguous();
    const float* x = rows.data_ptr<float>();
    std::vector<std::pair<double, int64_t>> found(size_t(k), {0.0, 0});
    for (int64_t i = 0; i < n; ++i) {
        const float* a = x + i * dim;
        for (int j = 0; j < k; ++j) {
            const int64_t other = nb.index[size_t(i * k + j)];
            const float* b = x + other * dim;
            double s = 0.0;
            for (int64_t d = 0; d < dim; ++d) s += (double(a[d]) - b[d]) * (double(a[d]) - b[d]);
            found[size_t(j)] = {std::sqrt(s), other};
        }
        std::sort(found.begin(), found.end());  // exact order; ties by index, whatever the search's order was
        for (int j = 0; j < k; ++j) {
            nb.distance[size_t(i * k + j)] = float(found[size_t(j)].first);
            nb.index[size_t(i * k + j)] = found[size_t(j)].second;
        }
    }
    return nb;
}

struct Edge {
    int32_t from = 0;
    int32_t to = 0;
    float weight = 0.0f;
};

// umap-learn's smooth_knn_dist and fuzzy union: per row, rho = distance to the nearest non-identical neighbour and
// sigma such that sum_j exp(-(d_j - rho) / sigma) = log2(k + 1) (umap-learn's n_neighbors counts the photo itself); membership w = exp(-(d - rho) / sigma); the directed
// memberships are combined as a + b - ab. Returns both directions of every undirected edge.
std::vector<Edge> fuzzyGraph(const Neighbours& nb, size_t n) {
    const int k = nb.k;
    const double target = std::log2(double(k + 1));
    double meanDistance = 0.0;
    for (float d : nb.distance) meanDistance += d;
    meanDistance /= double(std::max<size_t>(1, nb.distance.size()));

    struct Directed {
        int32_t lo, hi;
        float weight;
    };
    std::vector<Directed> directed;
    directed.reserve(n * size_t(k));
    for (size_t i = 0; i < n; ++i) {
        const float* d = &nb.distance[i * size_t(k)];
        double rho = 0.0;
        for (int j = 0; j < k; ++j)
            if (d[j] > 0.0f) {
                rho = d[j];
                break;
            }
        double lo = 0.0, hi = std::numeric_limits<double>::infinity(), sigma = 1.0;
        for (int iter = 0; iter < 64; ++iter) {
            double sum = 0.0;
            for (int j = 0; j < k; ++j) {
                const double gap = d[j] - rho;
                sum += gap > 0 ? std::exp(-gap / sigma) : 1.0;
            }
            if (std::abs(sum - target) < 1e-5) break;
            if (sum > target) {
                hi = sigma;
                sigma = (lo + hi) / 2.0;
            } else {
                lo = sigma;
                sigma = std::isinf(hi) ? sigma * 2.0 : (lo + hi) / 2.0;
            }
        }
        // umap-learn's floor (MIN_K_DIST_SCALE): a bandwidth too small for the row's own distances would cut it off.
        double rowMean = 0.0;
        for (int j = 0; j < k; ++j) rowMean += d[j];
        rowMean /= k;
        sigma = std::max(sigma, 1e-3 * (rho > 0.0 ? rowMean : meanDistance));
        for (int j = 0; j < k; ++j) {
            const auto other = int32_t(nb.index[i * size_t(k) + size_t(j)]);
            const double gap = d[j] - rho;
            const auto w = float(gap > 0 ? std::exp(-gap / sigma) : 1.0);
            const auto self = int32_t(i);
            directed.push_back({std::min(self, other), std::max(self, other), w});
        }
    }
    std::stable_sort(directed.begin(), directed.end(),
                     [](const Directed& a, const Directed& b) { return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi; });
    std::vector<Edge> edges;
    edges.reserve(directed.size() * 2);
    for (size_t i = 0; i < directed.size();) {
        size_t j = i + 1;
        double w = directed[i].weight;
        // The same pair from both ends: fuzzy union. (One row lists a neighbour once, so at most two entries.)
        for (; j < directed.size() && directed[j].lo == directed[i].lo && directed[j].hi == directed[i].hi; ++j)
            w = w + directed[j].weight - w * directed[j].weight;
        edges.push_back({directed[i].lo, directed[i].hi, float(w)});
        edges.push_back({directed[i].hi, directed[i].lo, float(w)});
        i = j;
    }
    return edges;
}

// Rows reduced to their first `components` principal components (all when 0 or not fewer than dim), centred.
torch::Tensor principalComponents(torch::Tensor X, int components) {
    X = X - X.mean({0}, /*keepdim=*/true);
    const int64_t dim = X.size(1);
    const int64_t keep = components <= 0 ? dim : std::min<int64_t>(components, dim);
    auto cov = X.t().matmul(X).to(torch::kDouble) / double(std::max<int64_t>(1, X.size(0) - 1));
    auto [values, vectors] = torch::linalg_eigh(cov);  // ascending
    auto top = vectors.flip({1}).slice(1, 0, keep);
    // An eigenvector's sign is arbitrary: fix it (largest entry positive) so the map does not mirror between runs.
    auto largest = top.abs().argmax(0);
    auto signs = top.gather(0, largest.unsqueeze(0)).sign();
    signs = torch::where(signs == 0, torch::ones_like(signs), signs);
    return X.matmul((top * signs).to(torch::kFloat)).contiguous();
}

float clip(float g) { return std::clamp(g, -kGradientClip, kGradientClip); }

// The negative samples' random rows: millions per map, so a small generator (splitmix64; Lemire's multiply-shift
// for the range) instead of SplitRng's rejection sampling. Deterministic for a seed on every platform.
class SampleRng {
public:
    explicit SampleRng(uint64_t seed) : state_(seed) {}
    uint32_t below(uint32_t n) { return uint32_t((uint64_t(uint32_t(next() >> 32)) * n) >> 32); }

private:
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint64_t state_;
};

// umap-learn's optimize_layout_euclidean with move_other: every directed edge is sampled in proportion to its weight
// (the strongest every epoch); each sample pulls both ends together and pushes its first end away from
// kNegativeSamples random rows. The learning rate falls linearly to 0.
Status optimiseLayout(std::vector<float>& y, size_t n, const std::vector<Edge>& edges, int epochs,
                      const MapCurve& curve, uint64_t seed, const JobContext& ctx) {
    float maxWeight = 0.0f;
    for (const auto& e : edges) maxWeight = std::max(maxWeight, e.weight);
    std::vector<Edge> kept;
    for (const auto& e : edges)
        if (e.weight >= maxWeight / float(epochs)) kept.push_back(e);  // would never be sampled
    std::vector<double> perSample(kept.size()), nextSample(kept.size()), perNegative(kept.size()),
        nextNegative(kept.size());
    for (size_t e = 0; e < kept.size(); ++e) {
        perSample[e] = double(maxWeight) / kept[e].weight;
        nextSample[e] = perSample[e];
        perNegative[e] = perSample[e] / kNegativeSamples;
        nextNegative[e] = perNegative[e];
    }
    const auto a = float(curve.a), b = float(curve.b);
    SampleRng rng(seed);
    Progress progress;
    progress.stage = "laying out the map";
    progress.total = epochs;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        if (ctx.cancelled()) return makeError("cancelled");
        const auto alpha = float(1.0 - double(epoch) / double(epochs));
        for (size_t e = 0; e < kept.size(); ++e) {
            if (nextSample[e] > epoch) continue;
            float* current = &y[size_t(kept[e].from) * 2];
            float* other = &y[size_t(kept[e].to) * 2];
            float dx = current[0] - other[0], dy = current[1] - other[1];
            float d2 = dx * dx + dy * dy;
            if (d2 > 0.0f) {
                // d^(2b) once: d^(2(b-1)) is that over d^2. (pow is most of the work: float, once per pair.)
                const float d2b = std::pow(d2, b);
                const float coeff = -2.0f * a * b * (d2b / d2) / (a * d2b + 1.0f);
                const float gx = clip(coeff * dx) * alpha, gy = clip(coeff * dy) * alpha;
                current[0] += gx;
                current[1] += gy;
                other[0] -= gx;
                other[1] -= gy;
            }
            nextSample[e] += perSample[e];
            const int negatives = int((epoch - nextNegative[e]) / perNegative[e]);
            for (int s = 0; s < negatives; ++s) {
                const auto r = size_t(rng.below(uint32_t(n)));
                if (r == size_t(kept[e].from)) continue;
                other = &y[r * 2];
                dx = current[0] - other[0];
                dy = current[1] - other[1];
                d2 = dx * dx + dy * dy;
                if (d2 > 0.0f) {
                    const float coeff = 2.0f * kRepulsion * b / ((0.001f + d2) * (a * std::pow(d2, b) + 1.0f));
                    current[0] += clip(coeff * dx) * alpha;
                    current[1] += clip(coeff * dy) * alpha;
                } else {
                    // Two photos on one spot (identical features): push apart by the clip, as umap-learn does.
                    current[0] += kGradientClip * alpha;
                    current[1] += kGradientClip * alpha;
                }
            }
            nextNegative[e] += negatives * perNegative[e];
        }
        progress.done = epoch + 1;
        ctx.report(progress);
    }
    return {};
}

}  // namespace

MapCurve fitMapCurve(double minDistance) {
    constexpr double kSpread = 1.0;
    std::vector<double> xs(300), ys(300);
    for (size_t i = 0; i < xs.size(); ++i) {
        xs[i] = 3.0 * kSpread * double(i) / double(xs.size() - 1);
        ys[i] = xs[i] < minDistance ? 1.0 : std::exp(-(xs[i] - minDistance) / kSpread);
    }
    double a = 1.0, b = 1.0, lambda = 1e-3;
    CurveFit fit = curveFit(xs, ys, a, b);
    for (int iter = 0; iter < 200; ++iter) {
        // Solve (J^T J + lambda diag(J^T J)) step = -J^T r.
        const double m00 = fit.jaa * (1 + lambda), m11 = fit.jbb * (1 + lambda), m01 = fit.jab;
        const double det = m00 * m11 - m01 * m01;
        if (std::abs(det) < 1e-300) break;
        const double da = -(m11 * fit.ra - m01 * fit.rb) / det, db = -(m00 * fit.rb - m01 * fit.ra) / det;
        if (a + da > 0 && b + db > 0) {
            const CurveFit trial = curveFit(xs, ys, a + da, b + db);
            if (trial.cost < fit.cost) {
                const bool converged = fit.cost - trial.cost < 1e-14;
                a += da;
                b += db;
                fit = trial;
                lambda = std::max(lambda / 10.0, 1e-12);
                if (converged) break;
                continue;
            }
        }
        lambda *= 10.0;
        if (lambda > 1e12) break;
    }
    return {a, b};
}

Expected<std::vector<float>> FeatureMap::layOut(const std::vector<float>& features, size_t rows, size_t dim,
                                                const FeatureMapOptions& options, const JobContext& ctx) {
    if (features.size() != rows * dim) return makeError("map: features hold " + std::to_string(features.size()) +
                                                        " values, not " + std::to_string(rows) + " x " +
                                                        std::to_string(dim));
    if (options.neighbours < 2) return makeError("map: neighbours must be at least 2");
    if (options.minDistance < 0.0 || options.minDistance >= 1.0)
        return makeError("map: minimum distance must be in [0, 1)");
    if (rows > size_t(std::numeric_limits<int32_t>::max())) return makeError("map: too many photos");
    for (float v : features)
        if (!std::isfinite(v)) return makeError("map: a feature vector holds a value that is not a number");
    std::vector<float> layout(rows * 2, 0.0f);
    if (rows < 3) {
        for (size_t i = 0; i < rows; ++i) layout[i * 2] = float(i);
        return layout;
    }
    try {
        torch::NoGradGuard noGrad;
        at::init_num_threads();
        auto X = torch::from_blob(const_cast<float*>(features.data()), {int64_t(rows), int64_t(dim)}, torch::kFloat)
                     .clone();
        X = principalComponents(X, options.principalComponents);
        {
            Progress p;
            p.stage = "finding neighbours";
            ctx.report(p);
        }
        // umap-learn's n_neighbors counts the photo itself: 15 means the 14 nearest others.
        const int k = int(std::min<size_t>(size_t(options.neighbours) - 1, rows - 1));
        auto neighbours = nearestNeighbours(X, k, ctx);
        if (!neighbours) return neighbours.takeError();
        const auto graph = fuzzyGraph(*neighbours, rows);

        // Start from the first two principal components, scaled so that the wider is 10 across (umap-learn rescales
        // each axis to [0, 10]; one scale for both keeps the components' proportions). One component when the
        // features vary along one direction only; all zero when they do not vary at all.
        auto start = X.slice(1, 0, std::min<int64_t>(2, X.size(1)));
        if (start.size(1) < 2) start = torch::cat({start, torch::zeros({start.size(0), 2 - start.size(1)})}, 1);
        const double extent = (std::get<0>(start.max(0)) - std::get<0>(start.min(0))).max().item<double>();
        if (extent > 0) start = start * (kInitialSpan / extent);
        // A tiny seeded jitter separates photos with identical features, as umap-learn's noise on its start.
        SplitRng jitter(options.seed ^ 0x9E3779B97F4A7C15ull);
        start = start.contiguous();
        const float* s = start.data_ptr<float>();
        for (size_t i = 0; i < rows * 2; ++i) layout[i] = s[i] + float(jitter.uniform(-1e-4, 1e-4));

        const int epochs = options.epochs > 0 ? options.epochs : (rows <= 10000 ? 500 : 200);
        if (auto st = optimiseLayout(layout, rows, graph, epochs, fitMapCurve(options.minDistance), options.seed, ctx);
            !st)
            return st.takeError();
    } catch (const c10::Error& e) {
        return makeError(std::string("map failed: ") + e.what_without_backtrace());
    }
    return layout;
}

double FeatureMap::trustworthiness(const std::vector<float>& features, size_t dim, const std::vector<float>& layout,
                                   size_t layoutDim, size_t rows, int k, size_t sampleRows) {
    if (rows < 3 || k < 1 || size_t(2 * k) >= rows) return 1.0;
    const size_t n = rows;
    const size_t m = sampleRows == 0 ? n : std::min(sampleRows, n);
    const auto sqDist = [](const float* a, const float* b, size_t d) {
        double s = 0.0;
        for (size_t i = 0; i < d; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        return s;
    };
    double penalty = 0.0;
    std::vector<size_t> order(n), rank(n);
    std::vector<double> high(n), low(n);
    for (size_t s = 0; s < m; ++s) {
        const size_t i = s * n / m;
        for (size_t j = 0; j < n; ++j) {
            high[j] = j == i ? -1.0 : sqDist(&features[i * dim], &features[j * dim], dim);
            low[j] = j == i ? -1.0 : sqDist(&layout[i * layoutDim], &layout[j * layoutDim], layoutDim);
        }
        std::iota(order.begin(), order.end(), size_t(0));
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return high[a] < high[b]; });
        for (size_t r = 0; r < n; ++r) rank[order[r]] = r;  // self is rank 0
        std::iota(order.begin(), order.end(), size_t(0));
        std::partial_sort(order.begin(), order.begin() + k + 1, order.end(),
                          [&](size_t a, size_t b) { return low[a] != low[b] ? low[a] < low[b] : a < b; });
        for (int r = 1; r <= k; ++r)
            if (const size_t j = order[size_t(r)]; rank[j] > size_t(k)) penalty += double(rank[j]) - k;
    }
    return 1.0 - 2.0 / (double(m) * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
}

}  // namespace tessera::learn
