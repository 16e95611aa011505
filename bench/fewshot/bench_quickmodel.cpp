// Times the interactive few-shot loop end to end on a generated project: N synthetic photos (two thirds labelled),
// random ResNet-18 weights. Reports the first refresh (every photo embedded), a refresh after a label change
// (embeddings from memory: head retrain + prediction only, the GUI's case), a fresh session (embeddings from the
// disk cache) and suggest(). Prints JSON.
//   bench_quickmodel [N=1500] [SIZE=64] [RUNS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "core/fewshot/quickmodel.h"
#include "core/nn/pthwriter.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/project/projectstore.h"
#include "core/project/scanner.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {
double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 1500;
    const int size = argc > 2 ? std::atoi(argv[2]) : 64;
    const int runs = argc > 3 ? std::atoi(argv[3]) : 5;
    const fs::path root = fs::temp_directory_path() / ("tessera-bench-quickmodel-" + std::to_string(::getpid()));
    fs::create_directories(root);
    // Five classes: a disc of a class colour on noise. Folder = class (the scan labels them).
    std::mt19937 rng(1);
    const cv::Scalar colours[5] = {{0, 0, 255}, {0, 255, 0}, {255, 0, 0}, {0, 255, 255}, {255, 0, 255}};
    for (int i = 0; i < n; ++i) {
        const int c = i % 5;
        cv::Mat img(48, 48, CV_8UC3);
        cv::randu(img, cv::Scalar::all(60), cv::Scalar::all(190));
        cv::circle(img, {12 + int(rng() % 24), 12 + int(rng() % 24)}, 6 + int(rng() % 6), colours[c], cv::FILLED);
        fs::create_directories(root / ("class" + std::to_string(c)));
        cv::imwrite((root / ("class" + std::to_string(c)) / ("p" + std::to_string(i) + ".png")).string(), img);
    }
    torch::manual_seed(0);
    nn::ResNet model(nn::Architecture::ResNet18, 10);
    const fs::path weights = root / "r18.pth";
    if (auto st = nn::PthWriter::writeFile(nn::WeightLoader::stateDict(*model), weights.string()); !st) {
        std::fprintf(stderr, "%s\n", st.error().c_str());
        return 2;
    }
    std::vector<int64_t> ids;
    {
        auto store = project::ProjectStore::open(root);
        if (!store || !project::Scanner::scan(*store)) return 2;
        int k = 0;
        for (const auto& [imageId, classId] : store->classByImage().value()) {
            ids.push_back(imageId);
            if (++k % 3 == 0) (void)store->clearLabel(imageId);  // a third unlabelled
        }
    }
    learn::QuickModelOptions o;
    o.embedding.inputSize = size;
    auto qm = learn::QuickModel::open(root, weights, o);
    if (!qm) {
        std::fprintf(stderr, "%s\n", qm.error().c_str());
        return 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    if (auto st = qm->refresh(JobContext{}); !st) {
        std::fprintf(stderr, "%s\n", st.error().c_str());
        return 2;
    }
    const double first = since(t0);
    const auto firstStats = qm->lastRefresh();
    std::vector<double> refresh, train;
    for (int r = 0; r < runs; ++r) {
        t0 = std::chrono::steady_clock::now();
        (void)qm->refresh(JobContext{});
        refresh.push_back(since(t0));
        train.push_back(qm->lastRefresh().trainSeconds);
    }
    std::sort(refresh.begin(), refresh.end());
    std::sort(train.begin(), train.end());
    t0 = std::chrono::steady_clock::now();
    auto suggestions = qm->suggest();
    const double suggestSeconds = since(t0);
    auto fresh = learn::QuickModel::open(root, weights, o);
    t0 = std::chrono::steady_clock::now();
    (void)fresh->refresh(JobContext{});
    const double freshSeconds = since(t0);
    int correct = 0;
    for (const auto& p : qm->predictions())
        correct += p.relPath.rfind(qm->classNames()[size_t(p.classIndex)] + "/", 0) == 0;
    std::printf("{\"photos\": %d, \"labelled\": %lld, \"unlabelled\": %lld, \"input_size\": %d, \"threads\": %d, "
                "\"first_refresh_seconds\": %.3f, \"embed_images_per_second\": %.1f, "
                "\"refresh_median_seconds\": %.4f, \"head_train_median_seconds\": %.4f, "
                "\"fresh_session_refresh_seconds\": %.3f, \"suggest_seconds\": %.4f, \"unlabelled_accuracy\": %.3f}\n",
                n, (long long)firstStats.labelled, (long long)firstStats.unlabelled, size, at::get_num_threads(),
                first, double(firstStats.embedded) / std::max(1e-9, firstStats.embedSeconds),
                refresh[refresh.size() / 2], train[train.size() / 2], freshSeconds, suggestSeconds,
                qm->predictions().empty() ? 0.0 : double(correct) / double(qm->predictions().size()));
    std::error_code ec;
    fs::remove_all(root, ec);
    return 0;
}
