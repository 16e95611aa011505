// Times the collection map (core/fewshot/featuremap.h) and scores layouts by trustworthiness, so Tessera's UMAP and
// umap-learn (bench/map/reference_umap.py) are judged by one measure on the same features. Prints JSON.
//   bench_map synthetic N DIM OUT.f32        write N feature rows (20 Gaussian clusters of unequal size) for both
//   bench_map layout FEATURES.f32 DIM [RUNS=3] [LAYOUT_OUT.f32]   lay out RUNS times (seeds 1..RUNS): seconds, T
//   bench_map score FEATURES.f32 DIM LAYOUT.f32                   trustworthiness of a layout made elsewhere
//   bench_map project FOLDER MODEL OUT.f32      the quick model's features of a scanned project (what `tessera-cli
//                                                map` lays out); prints the dimension. TESSERA_PROJECTS_DIR applies.
// Feature and layout files are raw little-endian float32, row-major. Trustworthiness: k = 15, over 1,000 rows spread
// evenly through the file (the whole O(n^2) sum is not needed to compare two methods).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/fewshot/featuremap.h"
#include "core/fewshot/quickmodel.h"

using namespace tessera;
using namespace tessera::learn;

namespace {

constexpr int kTrustK = 15;
constexpr size_t kTrustRows = 1000;

std::vector<float> readFloats(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    in.seekg(0, std::ios::end);
    std::vector<float> v(size_t(in.tellg()) / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    return v;
}

void writeFloats(const std::string& path, const std::vector<float>& v) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(2);
    }
}

// Clusters of unequal size (a long tail, like a collection's classes) with unequal spread, on non-negative features
// (as ReLU embeddings are).
std::vector<float> synthetic(size_t n, size_t dim) {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    constexpr int kClusters = 20;
    std::vector<std::vector<float>> centres(kClusters, std::vector<float>(dim, 0.0f));
    for (auto& c : centres)
        for (auto& v : c) v = std::abs(normal(rng)) * 2.0f;
    std::vector<double> share(kClusters);
    for (int c = 0; c < kClusters; ++c) share[size_t(c)] = 1.0 / (1.0 + c);
    std::discrete_distribution<int> pick(share.begin(), share.end());
    std::vector<float> x;
    x.reserve(n * dim);
    for (size_t i = 0; i < n; ++i) {
        const int c = pick(rng);
        const float spread = 0.5f + 0.1f * float(c % 5);
        for (size_t d = 0; d < dim; ++d) x.push_back(std::max(0.0f, centres[size_t(c)][d] + spread * normal(rng)));
    }
    return x;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
}

int usage() {
    std::fprintf(stderr,
                 "usage: bench_map synthetic N DIM OUT.f32 | layout FEATURES.f32 DIM [RUNS] [LAYOUT_OUT.f32] | "
                 "score FEATURES.f32 DIM LAYOUT.f32\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) return usage();
    const std::string mode = argv[1];
    if (mode == "synthetic" && argc == 5) {
        writeFloats(argv[4], synthetic(std::stoul(argv[2]), std::stoul(argv[3])));
        return 0;
    }
    if (mode == "project" && argc == 5) {
        auto qm = QuickModel::open(argv[2], argv[3]);
        if (!qm) {
            std::fprintf(stderr, "%s: %s\n", argv[2], qm.error().c_str());
            return 1;
        }
        if (auto st = qm->refresh(JobContext{}); !st) {
            std::fprintf(stderr, "%s: %s\n", argv[2], st.error().c_str());
            return 1;
        }
        const auto f = qm->features();
        writeFloats(argv[4], f.values);
        std::printf("{\"rows\": %zu, \"dim\": %zu}\n", f.rows(), f.dim);
        return 0;
    }
    const auto features = readFloats(argv[2]);
    const size_t dim = std::stoul(argv[3]);
    if (dim == 0 || features.size() % dim != 0) {
        std::fprintf(stderr, "%s does not hold rows of %zu floats\n", argv[2], dim);
        return 2;
    }
    const size_t rows = features.size() / dim;
    if (mode == "score" && argc == 5) {
        const auto layout = readFloats(argv[4]);
        if (layout.size() != rows * 2) {
            std::fprintf(stderr, "%s does not hold %zu rows of 2 floats\n", argv[4], rows);
            return 2;
        }
        std::printf("{\"rows\": %zu, \"dim\": %zu, \"trustworthiness\": %.4f}\n", rows, dim,
                    FeatureMap::trustworthiness(features, dim, layout, 2, rows, kTrustK, kTrustRows));
        return 0;
    }
    if (mode != "layout") return usage();
    const int runs = argc > 4 ? std::atoi(argv[4]) : 3;
    std::vector<double> seconds, trust;
    std::vector<float> first;
    for (int r = 1; r <= runs; ++r) {
        FeatureMapOptions o;
        o.seed = uint64_t(r);
        const auto t0 = std::chrono::steady_clock::now();
        // Seconds to the start of each stage, on stderr: where the time goes.
        JobContext ctx;
        auto stage = std::make_shared<std::string>();
        ctx.onProgress = [stage, t0](const Progress& p) {
            if (p.stage == *stage) return;
            *stage = p.stage;
            std::fprintf(stderr, "%.2f s: %s\n",
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), p.stage.c_str());
        };
        auto layout = FeatureMap::layOut(features, rows, dim, o, ctx);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (!layout) {
            std::fprintf(stderr, "%s\n", layout.error().c_str());
            return 1;
        }
        trust.push_back(FeatureMap::trustworthiness(features, dim, *layout, 2, rows, kTrustK, kTrustRows));
        if (r == 1) first = std::move(*layout);
    }
    if (argc > 5) writeFloats(argv[5], first);
    std::printf("{\"rows\": %zu, \"dim\": %zu, \"runs\": %d, \"seconds\": [", rows, dim, runs);
    for (size_t i = 0; i < seconds.size(); ++i) std::printf("%s%.2f", i ? ", " : "", seconds[i]);
    std::printf("], \"median_seconds\": %.2f, \"trustworthiness\": [", median(seconds));
    for (size_t i = 0; i < trust.size(); ++i) std::printf("%s%.4f", i ? ", " : "", trust[i]);
    std::printf("], \"median_trustworthiness\": %.4f}\n", median(trust));
    return 0;
}
