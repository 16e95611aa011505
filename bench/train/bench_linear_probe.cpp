// Times the linear-probe head retrain (core/fewshot LinearProbe) on N cached embeddings: what happens after every
// few labels in the GUI. Prints the median of R runs as JSON.
//   bench_linear_probe [N=1000] [DIM=512] [CLASSES=5] [RUNS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <torch/torch.h>

#include "core/fewshot/linearprobe_torch.h"

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000;
    const int64_t dim = argc > 2 ? std::atoll(argv[2]) : 512;
    const int64_t k = argc > 3 ? std::atoll(argv[3]) : 5;
    const int runs = argc > 4 ? std::atoi(argv[4]) : 5;
    torch::manual_seed(0);
    // Post-ReLU pooled features are non-negative and class-clustered; imitate that.
    auto y = torch::arange(n) % k;
    auto X = (torch::randn({k, dim}).index_select(0, y) * 0.5 + torch::randn({n, dim}) * 0.5).relu();
    std::vector<double> secs;
    double acc = 0.0;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto head = tessera::learn::LinearProbe::train(X, y, k);
        secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        acc = (torch::matmul(X, head.weight.t()) + head.bias).argmax(1).eq(y).to(torch::kFloat).mean().item<double>();
    }
    std::sort(secs.begin(), secs.end());
    std::printf("{\"embeddings\": %lld, \"dim\": %lld, \"classes\": %lld, \"iterations\": %d, \"threads\": %d, "
                "\"median_seconds\": %.4f, \"train_accuracy\": %.3f}\n",
                (long long)n, (long long)dim, (long long)k, tessera::learn::LinearProbeOptions{}.iterations,
                at::get_num_threads(), secs[secs.size() / 2], acc);
    return 0;
}
