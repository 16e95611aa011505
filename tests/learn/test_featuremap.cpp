// The collection map (core/fewshot/featuremap.h): UMAP's curve fit against umap-learn's published constants, the
// trustworthiness measure against a case worked by hand, and layouts of data whose structure is known (separated
// clusters, a curve) judged by that measure and by map neighbours.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "core/fewshot/featuremap.h"

using namespace tessera;
using namespace tessera::learn;

namespace {

// `clusters` Gaussian blobs of `per` points in `dim` dimensions, centres 10 apart along random directions, unit noise.
std::vector<float> blobs(int clusters, int per, int dim, uint32_t seed, std::vector<int>* labels) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<std::vector<float>> centres(size_t(clusters), std::vector<float>(size_t(dim), 0.0f));
    for (auto& c : centres)
        for (auto& v : c) v = 3.0f * normal(rng);
    std::vector<float> out;
    for (int c = 0; c < clusters; ++c)
        for (int i = 0; i < per; ++i) {
            for (int d = 0; d < dim; ++d) out.push_back(centres[size_t(c)][size_t(d)] + normal(rng));
            labels->push_back(c);
        }
    return out;
}

// Share of rows whose nearest other row on the map has the same label.
double mapNeighbourAgreement(const std::vector<float>& layout, const std::vector<int>& labels) {
    const size_t n = labels.size();
    size_t agree = 0;
    for (size_t i = 0; i < n; ++i) {
        double best = INFINITY;
        size_t nearest = i;
        for (size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            const double dx = layout[i * 2] - layout[j * 2], dy = layout[i * 2 + 1] - layout[j * 2 + 1];
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                nearest = j;
            }
        }
        agree += labels[nearest] == labels[i];
    }
    return double(agree) / double(n);
}

}  // namespace

TEST(FeatureMap, CurveMatchesUmapLearnsFit) {
    // umap-learn: find_ab_params(spread=1.0, min_dist=0.1) = (1.5769434603113077, 0.8950608781227859).
    const MapCurve c = fitMapCurve(0.1);
    EXPECT_NEAR(c.a, 1.577, 0.01);
    EXPECT_NEAR(c.b, 0.895, 0.005);
    // Tighter packing allowed (umap-learn: a ~ 1.93, b ~ 0.79 at 0.001): a larger a and a smaller b.
    const MapCurve tight = fitMapCurve(0.001);
    EXPECT_GT(tight.a, c.a);
    EXPECT_LT(tight.b, c.b);
}

TEST(FeatureMap, TrustworthinessOfAWorkedExample) {
    // Five points on a line at 0 1 3 7 15; on the map the first and last swap places (15 1 3 7 0). With k = 1 the map
    // neighbour of 0 is 7 (feature rank 3), of 1 is 15 (rank 4), of 15 is 1 (rank 3): penalty 2 + 3 + 2 = 7, and
    // T = 1 - 2 / (n k (2n - 3k - 1)) * 7 = 1 - 14/30.
    const std::vector<float> features{0, 1, 3, 7, 15};
    const std::vector<float> swapped{15, 1, 3, 7, 0};
    EXPECT_NEAR(FeatureMap::trustworthiness(features, 1, swapped, 1, 5, 1), 1.0 - 14.0 / 30.0, 1e-12);
    EXPECT_DOUBLE_EQ(FeatureMap::trustworthiness(features, 1, features, 1, 5, 1), 1.0);
}

TEST(FeatureMap, SeparatedClustersStaySeparateAndNeighboursStayNear) {
    std::vector<int> labels;
    const int dim = 64;
    const auto x = blobs(6, 50, dim, 7, &labels);
    const size_t n = labels.size();
    auto layout = FeatureMap::layOut(x, n, size_t(dim), FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(layout) << layout.error();
    ASSERT_EQ(layout->size(), n * 2);
    for (float v : *layout) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GE(mapNeighbourAgreement(*layout, labels), 0.99);
    EXPECT_GE(FeatureMap::trustworthiness(x, size_t(dim), *layout, 2, n, 10), 0.90);

    // A layout that ignores the features is not trustworthy: the measure tells the two apart.
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> uni(-10.0f, 10.0f);
    std::vector<float> random(n * 2);
    for (auto& v : random) v = uni(rng);
    EXPECT_LT(FeatureMap::trustworthiness(x, size_t(dim), random, 2, n, 10), 0.6);
}

TEST(FeatureMap, ACurveIsUnrolledInOrder) {
    // 200 points along a helix-like curve in 20 dimensions: a 1-D structure whose neighbours are its neighbours
    // along the curve. The map must keep them (high trustworthiness at small k), which PCA's flat projection of a
    // coiled curve does not.
    const int n = 200, dim = 20;
    std::vector<float> x;
    for (int i = 0; i < n; ++i) {
        const double t = 6.0 * M_PI * i / n;
        for (int d = 0; d < dim; ++d) {
            const double freq = 1.0 + d / 4;
            x.push_back(float(d % 2 == 0 ? std::cos(freq * t) : std::sin(freq * t)) * 3.0f + float(t) * 0.2f);
        }
    }
    auto layout = FeatureMap::layOut(x, n, dim, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(layout) << layout.error();
    const double mapped = FeatureMap::trustworthiness(x, dim, *layout, 2, n, 5);
    EXPECT_GE(mapped, 0.95);

    FeatureMapOptions pcaOnly;
    pcaOnly.epochs = 1;  // barely moved from the principal-component start
    auto start = FeatureMap::layOut(x, n, dim, pcaOnly, JobContext{});
    ASSERT_TRUE(start);
    EXPECT_GT(mapped, FeatureMap::trustworthiness(x, dim, *start, 2, n, 5));
}

TEST(FeatureMap, OneSeedOneMap) {
    std::vector<int> labels;
    const auto x = blobs(3, 30, 16, 3, &labels);
    FeatureMapOptions o;
    o.seed = 5;
    auto a = FeatureMap::layOut(x, labels.size(), 16, o, JobContext{});
    auto b = FeatureMap::layOut(x, labels.size(), 16, o, JobContext{});
    o.seed = 6;
    auto c = FeatureMap::layOut(x, labels.size(), 16, o, JobContext{});
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(*a, *b);
    EXPECT_NE(*a, *c);
    EXPECT_GE(mapNeighbourAgreement(*c, labels), 0.99);
}

TEST(FeatureMap, IdenticalPhotosTinyInputsAndBadInput) {
    // Forty identical feature vectors (the same photo copied): a finite layout, no division by zero.
    std::vector<float> same(40 * 8, 1.5f);
    auto layout = FeatureMap::layOut(same, 40, 8, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(layout) << layout.error();
    for (float v : *layout) EXPECT_TRUE(std::isfinite(v));

    auto two = FeatureMap::layOut({0, 0, 1, 1}, 2, 2, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(two);
    EXPECT_EQ(two->size(), 4u);
    auto none = FeatureMap::layOut({}, 0, 8, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());

    EXPECT_FALSE(FeatureMap::layOut({1, 2, 3}, 2, 2, FeatureMapOptions::defaults(), JobContext{}));
    std::vector<float> withNan(10 * 4, 0.5f);
    withNan[17] = NAN;
    auto nan = FeatureMap::layOut(withNan, 10, 4, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_FALSE(nan);
    EXPECT_NE(nan.error().find("not a number"), std::string::npos) << nan.error();
}

TEST(FeatureMap, CopiesOfAPhotoStayWithTheirKind) {
    // Ten exact copies of one photo among three clusters: the copies are each other's nearest neighbours at distance
    // 0, and the map must still join them to their cluster (the neighbour search's float rounding must not make a
    // copy look like a distinct nearest neighbour and cut the copies off as an island).
    std::vector<int> labels;
    auto x = blobs(3, 40, 32, 13, &labels);
    const std::vector<float> original(x.begin(), x.begin() + 32);
    for (int c = 0; c < 10; ++c) {
        x.insert(x.end(), original.begin(), original.end());
        labels.push_back(labels[0]);
    }
    const size_t n = labels.size();
    auto layout = FeatureMap::layOut(x, n, 32, FeatureMapOptions::defaults(), JobContext{});
    ASSERT_TRUE(layout) << layout.error();
    // Each copy is nearer to the centre of its own cluster's other photos than to either other cluster's.
    std::vector<double> cx(3, 0.0), cy(3, 0.0), count(3, 0.0);
    for (size_t i = 0; i < 120; ++i) {
        cx[size_t(labels[i])] += (*layout)[i * 2];
        cy[size_t(labels[i])] += (*layout)[i * 2 + 1];
        count[size_t(labels[i])] += 1;
    }
    for (size_t i = 120; i < n; ++i) {
        int nearest = -1;
        double best = INFINITY;
        for (int c = 0; c < 3; ++c) {
            const double dx = (*layout)[i * 2] - cx[size_t(c)] / count[size_t(c)];
            const double dy = (*layout)[i * 2 + 1] - cy[size_t(c)] / count[size_t(c)];
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                nearest = c;
            }
        }
        EXPECT_EQ(nearest, labels[i]) << "copy " << i - 120;
    }
}

TEST(FeatureMap, CancelStopsTheLayout) {
    std::vector<int> labels;
    const auto x = blobs(3, 40, 16, 9, &labels);
    JobContext ctx;
    int reports = 0;
    ctx.onProgress = [&](const Progress& p) {
        if (p.stage == "laying out the map" && ++reports == 3) ctx.cancel.cancel();
    };
    auto layout = FeatureMap::layOut(x, labels.size(), 16, FeatureMapOptions::defaults(), ctx);
    ASSERT_FALSE(layout);
    EXPECT_EQ(layout.error(), "cancelled");
    EXPECT_EQ(reports, 3);
}
